import Datasets
import Foundation
import Testing

/// `label --lumen/--eem`: contour files in, label file with grid origins out; bad frames recorded;
/// resume, shards and merge as for masks.
@Suite(.serialized) struct ContourCommandTests {
    /// Writes a lumen and an EEM file: frames 10, 20, 30 are rings (20 eccentric); frame 40 has a
    /// lumen crossing its EEM; frame 50 has a lumen only.
    static func contourFiles(in directory: URL) throws -> (lumen: String, eem: String) {
        func ring(_ frame: Int, _ cx: Double, _ cy: Double, _ r: Double, closed: Bool) -> String {
            let count = 120
            var rows = (0..<count).map { k -> String in
                let a = 2 * Double.pi * Double(k) / Double(count)
                return "\(frame)\t\(cx + r * cos(a))\t\(cy + r * sin(a))\t\(Double(frame) * 0.1)"
            }
            if closed { rows.append(rows[0]) }
            return rows.joined(separator: "\n")
        }
        let lumen = [ring(10, 4, 4, 1.2, closed: true), ring(20, 4.3, 4, 1.0, closed: false), ring(30, 3, 5, 1.5, closed: true),
                     ring(40, 4, 4, 2.5, closed: true), ring(50, 4, 4, 1, closed: true)].joined(separator: "\n") + "\n"
        let eem = [ring(10, 4, 4, 2.0, closed: true), ring(20, 4, 4, 2.1, closed: true), ring(30, 3, 5, 2.2, closed: false),
                   ring(40, 4, 4, 2.2, closed: true)].joined(separator: "\n") + "\n"
        let lumenPath = directory.appendingPathComponent("lumen.csv").path, eemPath = directory.appendingPathComponent("eem.csv").path
        try lumen.write(toFile: lumenPath, atomically: true, encoding: .utf8)
        try eem.write(toFile: eemPath, atomically: true, encoding: .utf8)
        return (lumenPath, eemPath)
    }

    @Test func labelsContourFramesAndRecordsBadOnes() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (lumen, eem) = try Self.contourFiles(in: directory)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let run = try CommandLineTests.run(["label", "--lumen", lumen, "--eem", eem, "--output", path("all.h5"), "--grid-size", "48",
                                            "--png", path("png")])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("labeled 3 of 5"), "\(run.output)")
        let contents = try LabelFileReader.read(at: path("all.h5"))
        #expect(contents.count == 5 && contents.configuration.rows == 48 && contents.configuration.storesGridOrigins)
        #expect(contents.status[0] == 0 && contents.status[1] == 0 && contents.status[2] == 0)
        #expect(contents.status[3] == 406 && contents.reasons[3].contains("frame 40"), "\(contents.reasons[3])")
        #expect(contents.status[4] == 407 && contents.reasons[4].contains("no EEM contour"), "\(contents.reasons[4])")
        #expect(contents.sources[1] == "frame 20 (lumen.csv, eem.csv)")
        // One field of view for the file: the largest EEM (frame 30, 4.4 mm) plus 10 % on each side.
        #expect(abs(contents.configuration.pixelSize - 4.4 * 1.2 / 48) < 1e-3)
        let origins = try #require(contents.gridOrigins)
        #expect(abs(origins[0] - (4 - 2.64)) < 1e-2 && abs(origins[1] - (4 - 2.64)) < 1e-2, "\(origins.prefix(2))")
        #expect(origins[8].isNaN, "a frame without borders has no grid")
        #expect(contents.masks[0..<(48 * 48)].contains(1) && contents.stress[0..<(48 * 48)].max()! > 10)
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("png")).count == 3)

        let text = try CommandLineTests.run(["inspect", path("all.h5")])
        #expect(text.status == 0 && text.output.contains("3 labeled, 2 failed"), "\(text.output)")

        // Shards merge into the unsharded file; a finished job resumes to nothing.
        for k in 1...2 {
            let shard = try CommandLineTests.run(["label", "--lumen", lumen, "--eem", eem, "--output", path("part\(k).h5"),
                                                  "--grid-size", "48", "--shard", "\(k)/2", "--jobs", "1"])
            #expect(shard.status == 0, "\(shard.error)")
        }
        let merge = try CommandLineTests.run(["merge", path("merged.h5"), path("part1.h5"), path("part2.h5")])
        #expect(merge.status == 0, "\(merge.error)")
        let merged = try LabelFileReader.read(at: path("merged.h5"))
        let same = (0..<merged.count).map { merged.record($0) } == (0..<contents.count).map { contents.record($0) }
        #expect(same, "the merged shards differ from the unsharded file")
        let again = try CommandLineTests.run(["label", "--lumen", lumen, "--eem", eem, "--output", path("all.h5"), "--grid-size", "48"])
        #expect(again.status == 0 && again.output.contains("labeled 0 of 0"), "\(again.output) \(again.error)")
        // Another grid is other labeling: refused, not mixed into the file.
        let other = try CommandLineTests.run(["label", "--lumen", lumen, "--eem", eem, "--output", path("all.h5"), "--grid-size", "32"])
        #expect(other.status != 0 && other.error.contains("--overwrite"), "\(other.error)")
    }

    @Test func fixedGridAndBadArguments() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (lumen, eem) = try Self.contourFiles(in: directory)
        let output = directory.appendingPathComponent("fixed.h5").path
        let fixed = try CommandLineTests.run(["label", "--lumen", lumen, "--eem", eem, "--output", output, "--grid-size", "40",
                                              "--grid-origin", "0.5,0.5", "--pixel-size", "0.2"])
        #expect(fixed.status == 0, "\(fixed.error)")
        let contents = try LabelFileReader.read(at: output)
        #expect(contents.configuration.pixelSize == 0.2 && contents.gridOrigins?.prefix(2) == [0.5, 0.5])
        // Contours in pixels of 0.5 mm: the same vessels at half the size in mm.
        let pixels = directory.appendingPathComponent("pixels.h5").path
        let scaled = try CommandLineTests.run(["label", "--lumen", lumen, "--eem", eem, "--output", pixels, "--grid-size", "40",
                                               "--contour-pixel-spacing", "0.5"])
        #expect(scaled.status == 0 && scaled.output.contains("labeled 3 of 5"), "\(scaled.output) \(scaled.error)")
        #expect(abs(try LabelFileReader.read(at: pixels).configuration.pixelSize - 0.5 * 4.4 * 1.2 / 40) < 1e-3)
        let text = try CommandLineTests.run(["inspect", output])
        #expect(text.output.contains("contour input"), "\(text.output)")

        for (arguments, message) in [
            (["--lumen", lumen], "needs both --lumen and --eem"),
            (["--lumen", lumen, "--eem", eem, "--grid-origin", "1,2"], "--grid-origin needs --pixel-size"),
            (["--lumen", lumen, "--eem", eem, "--grid-origin", "x"], "--grid-origin must be 'X,Y'"),
            (["--lumen", lumen, "--eem", directory.appendingPathComponent("missing.csv").path], "cannot read contour file"),
            (["masks.h5", "--lumen", lumen, "--eem", eem], "not both"),
        ] {
            let run = try CommandLineTests.run(["label"] + arguments + ["--output", directory.appendingPathComponent("x.h5").path])
            #expect(run.status != 0 && run.error.contains(message), "\(arguments): \(run.error)")
        }
    }
}
