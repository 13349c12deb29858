import Datasets
import Foundation
import Storage
import Testing

/// `label --calcium/--lipid` and `--material NAME=C1,D1,D2`: class maps and component materials in the file.
@Suite(.serialized) struct ComponentCommandTests {
    static func ring(_ frame: Int, _ cx: Double, _ cy: Double, _ r: Double, count: Int = 120) -> String {
        (0..<count).map { k -> String in
            let a = 2 * Double.pi * Double(k) / Double(count)
            return "\(frame)\t\(cx + r * cos(a))\t\(cy + r * sin(a))"
        }.joined(separator: "\n")
    }

    @Test func calciumOutlinesGiveAClassMapAndTheirOwnMaterial() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        // Frames 1 and 2: the same ring; frame 1 has a deposit inside the wall, frame 2 one across the
        // EEM (clipped), frame 3 none (one material).
        let lumen = [1, 2, 3].map { Self.ring($0, 4, 4, 1.2) }.joined(separator: "\n") + "\n"
        let eem = [1, 2, 3].map { Self.ring($0, 4, 4, 2.2) }.joined(separator: "\n") + "\n"
        let calcium = Self.ring(1, 5.7, 4, 0.3, count: 60) + "\n" + Self.ring(2, 4, 6.2, 0.35, count: 60) + "\n"
        try lumen.write(toFile: path("lumen.csv"), atomically: true, encoding: .utf8)
        try eem.write(toFile: path("eem.csv"), atomically: true, encoding: .utf8)
        try calcium.write(toFile: path("calcium.csv"), atomically: true, encoding: .utf8)
        let run = try CommandLineTests.run(["label", "--lumen", path("lumen.csv"), "--eem", path("eem.csv"), "--calcium", path("calcium.csv"),
                                            "--material", "calcium=920,360,2", "--output", path("c.h5"), "--grid-size", "48", "--jobs", "1",
                                            "--png", path("png")])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("labeled 3 of 3"), "\(run.output)")
        #expect(run.error.contains("components: 2 outlines on 2 frames"), "\(run.error)")
        let file = try HDF5File.open(at: path("c.h5"))
        defer { try? file.close() }
        let classes = try file.openDataset("components").read(as: UInt8.self)
        let masks = try file.openDataset("masks").read(as: UInt8.self)
        let n = 48 * 48
        #expect(classes.count == 3 * n)
        for row in 0..<3 {
            let c = classes[(row * n)..<((row + 1) * n)], m = masks[(row * n)..<((row + 1) * n)]
            // Classes cover exactly the wall pixels.
            #expect(zip(c, m).allSatisfy { ($0 != 0) == ($1 != 0) })
            #expect(c.contains(3) == (row < 2), "row \(row): calcium only where an outline was given")
            #expect(!c.contains(2))
        }
        #expect(try file.openGroup("meta").attributes.scalar("calcium_c1_kpa", as: Double.self) == 920)
        #expect(try file.openGroup("meta").attributes.scalar("lipid_c1_kpa", as: Double.self) == 0.5)
        #expect(try LabelFileReader.read(at: path("c.h5")).configuration.storesComponents)
        #expect(try FileManager.default.contentsOfDirectory(atPath: path("png")).count == 3)

        let bad = try CommandLineTests.run(["label", "--lumen", path("lumen.csv"), "--eem", path("eem.csv"), "--calcium", path("calcium.csv"),
                                            "--material", "calcium=1,2", "--output", path("bad.h5")])
        #expect(bad.status != 0 && bad.error.contains("C1,D1,D2"), "\(bad.error)")
        let unknown = try CommandLineTests.run(["label", "--lumen", path("lumen.csv"), "--eem", path("eem.csv"),
                                                "--material", "bone=1,0,0", "--output", path("bad.h5")])
        #expect(unknown.status != 0 && unknown.error.contains("wall, lipid or calcium"), "\(unknown.error)")
    }
}
