import Datasets
import Foundation
import Testing

/// `label --image-pressure`, `--material`, `--calibrate-area-change`, `--outer-support`: the image as
/// the loaded state, its unloading recorded in `/wall_mechanics`, frames without an unloaded geometry
/// as status 310, and the calibrated factor in the file.
@Suite(.serialized) struct PhysicalLabelCommandTests {
    /// Frames 1 and 2: thick rings; frame 3: a slit lumen (aspect 6) in a thin wall, which a soft
    /// traction-free wall cannot be unloaded from.
    static func files(in directory: URL) throws -> (lumen: String, eem: String) {
        func ellipse(_ frame: Int, _ a: Double, _ b: Double) -> String {
            (0..<96).map { k -> String in
                let t = 2 * Double.pi * Double(k) / 96
                return "\(frame),\(4 + a * cos(t)),\(4 + b * sin(t))"
            }.joined(separator: "\n")
        }
        let lumen = [ellipse(1, 1.0, 1.0), ellipse(2, 1.2, 0.9), ellipse(3, 1.2, 0.2)].joined(separator: "\n") + "\n"
        let eem = [ellipse(1, 1.8, 1.8), ellipse(2, 2.0, 1.8), ellipse(3, 1.45, 0.45)].joined(separator: "\n") + "\n"
        let paths = (directory.appendingPathComponent("lumen.csv").path, directory.appendingPathComponent("eem.csv").path)
        try lumen.write(toFile: paths.0, atomically: true, encoding: .utf8)
        try eem.write(toFile: paths.1, atomically: true, encoding: .utf8)
        return paths
    }

    @Test func loadedImageLabelsRecordTheirUnloadingAndRefuseSlitLumens() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (lumen, eem) = try Self.files(in: directory)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let base = ["label", "--lumen", lumen, "--eem", eem, "--grid-size", "32", "--jobs", "1"]

        // Stress-free image (the default): every frame labeled, the change from zero load recorded.
        let free = try CommandLineTests.run(base + ["--output", path("free.h5")])
        #expect(free.status == 0, "\(free.error)")
        let freeRows = try LabelFileReader.read(at: path("free.h5"))
        let freeMechanics = try #require(freeRows.wallMechanics)
        #expect(freeRows.status == [0, 0, 0])
        #expect(freeMechanics[0] > 0 && freeMechanics[1].isNaN && freeMechanics[3] == 1)

        // The image loaded at 80 mmHg: the slit frame has no unloaded geometry (310), the others
        // record their unloaded lumen and a round trip to Newton's tolerance.
        let loaded = try CommandLineTests.run(base + ["--output", path("loaded.h5"), "--image-pressure", "diastolic"])
        #expect(loaded.status == 0, "\(loaded.error)")
        #expect(loaded.output.contains("labeled 2 of 3"), "\(loaded.output)")
        let rows = try LabelFileReader.read(at: path("loaded.h5"))
        #expect(rows.status[0] == 0 && rows.status[1] == 0 && rows.status[2] == 310, "\(rows.status)")
        #expect(rows.reasons[2].contains("no unloaded geometry"), "\(rows.reasons[2])")
        let m = try #require(rows.wallMechanics)
        for row in 0..<2 {
            #expect(m[4 * row] > 0 && m[4 * row] < freeMechanics[4 * row], "diastole to systole grows less than zero to systole")
            #expect(m[4 * row + 1] > 0.3 && m[4 * row + 1] < 1, "unloaded lumen fraction \(m[4 * row + 1])")
            #expect(m[4 * row + 2] < 1e-6, "mismatch \(m[4 * row + 2]) mm")
        }
        #expect(m[8].isNaN, "a failed row has no mechanics")
        let text = try CommandLineTests.run(["inspect", path("loaded.h5")])
        #expect(text.output.contains("image taken as loaded at 80 mmHg") && text.output.contains("lumen area change to systole"),
                "\(text.output)")

        // Calibrated to a 4 % change over two frames spread over the input (frames 1 and 3; stiffer, the
        // slit frame has an unloaded geometry): the factor is in the options and every row.
        let calibrated = try CommandLineTests.run(base + ["--output", path("calibrated.h5"), "--image-pressure", "80",
                                                          "--material", "paper-x10", "--calibrate-area-change", "0.04",
                                                          "--calibration-frames", "2"])
        #expect(calibrated.status == 0, "\(calibrated.error)")
        #expect(calibrated.error.contains("calibrated stiffness factor"), "\(calibrated.error)")
        let c = try #require(try LabelFileReader.read(at: path("calibrated.h5")).wallMechanics)
        let scale = try LabelFileReader.configuration(at: path("calibrated.h5")).options.stiffnessScale
        #expect(scale != 1 && c[3] == scale)
        #expect(abs((c[0] + c[8]) / 2 / 0.04 - 1) < 1e-3, "mean change of the calibration frames \((c[0] + c[8]) / 2)")

        // A support (100 kPa/mm; 10 is not enough here) holds the slit frame: all three have an unloaded geometry.
        let supported = try CommandLineTests.run(base + ["--output", path("supported.h5"), "--image-pressure", "80",
                                                         "--outer-support", "100"])
        #expect(supported.status == 0 && supported.output.contains("labeled 3 of 3"), "\(supported.output) \(supported.error)")

        // Per-frame calibration to systolic contours (z in the files): frame 1's lumen grows 6 % and gets
        // its own factor, frame 2's shrinks (status 320, lumen pressure cannot do that), frame 3 has no
        // systolic partner (320). Per file, the mean change of the pairs is negative: refused.
        func ellipse(_ frame: Int, _ a: Double, _ b: Double, _ z: Double) -> String {
            (0..<96).map { k -> String in
                let t = 2 * Double.pi * Double(k) / 96
                return "\(frame),\(4 + a * cos(t)),\(4 + b * sin(t)),\(z)"
            }.joined(separator: "\n")
        }
        let grow = 1.06.squareRoot()
        try ([ellipse(1, 1.0, 1.0, 0), ellipse(2, 1.2, 0.9, 0.5), ellipse(3, 1.2, 0.2, 1.0)].joined(separator: "\n") + "\n")
            .write(toFile: path("lumen-z.csv"), atomically: true, encoding: .utf8)
        try ([ellipse(11, grow, grow, 0.02), ellipse(12, 1.0, 0.8, 0.51)].joined(separator: "\n") + "\n")
            .write(toFile: path("systolic.csv"), atomically: true, encoding: .utf8)
        let zBase = ["label", "--lumen", path("lumen-z.csv"), "--eem", eem, "--grid-size", "32", "--jobs", "1", "--image-pressure", "80",
                     "--material", "paper-x10", "--calibrate-to-systole", path("systolic.csv")]
        let perFrame = try CommandLineTests.run(zBase + ["--output", path("per-frame.h5"), "--calibration", "per-frame"])
        #expect(perFrame.status == 0, "\(perFrame.error)")
        let rowsZ = try LabelFileReader.read(at: path("per-frame.h5"))
        #expect(rowsZ.status == [0, 320, 320], "\(rowsZ.status)")
        #expect(rowsZ.reasons[1].contains("lumen pressure only widens the lumen") && rowsZ.reasons[2].contains("no systolic contour"),
                "\(rowsZ.reasons)")
        let z = try #require(rowsZ.wallMechanics)
        #expect(abs(z[0] / 0.06 - 1) < 2e-3 && z[3] != 1, "frame 1 calibrated to its own pair: change \(z[0]), factor \(z[3])")
        let perFile = try CommandLineTests.run(zBase + ["--output", path("per-file.h5")])
        #expect(perFile.status != 0 && perFile.error.contains("lumen pressure only widens the lumen"), "\(perFile.error)")

        // Bad values are refused before anything runs.
        for bad in [["--image-pressure", "-5"], ["--material", "granite"], ["--calibrate-area-change", "-0.1"], ["--outer-support", "-1"]] {
            let run = try CommandLineTests.run(base + ["--output", path("bad.h5")] + bad)
            #expect(run.status != 0 && !FileManager.default.fileExists(atPath: path("bad.h5")), "\(bad): \(run.error)")
        }
    }
}
