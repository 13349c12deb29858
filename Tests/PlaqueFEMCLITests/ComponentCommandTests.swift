import Datasets
import Raster
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

    @Test func componentPhantomsLabelAsClassMasksAndAsPlainMasks() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        for name in ["a.h5", "b.h5"] {
            let run = try CommandLineTests.run(["phantoms", "--components", "--count", "4", "--seed", "2", "--output", path(name), "--png", path("png")])
            #expect(run.status == 0, "\(run.error)")
        }
        func masks(_ name: String) throws -> [UInt8] {
            let file = try HDF5File.open(at: path(name))
            defer { try? file.close() }
            return try file.openDataset("masks").read(as: UInt8.self)
        }
        // Same seed, same class masks; lipid and calcium among them.
        let classes = try masks("a.h5")
        #expect(classes == (try masks("b.h5")))
        #expect(classes.contains(2) && classes.contains(3) && classes.allSatisfy { $0 <= 3 })

        let labeled = try CommandLineTests.run(["label", "--components", path("a.h5"), "--output", path("c.h5"), "--jobs", "1"])
        #expect(labeled.status == 0, "\(labeled.error)")
        #expect(labeled.output.contains("labeled 4 of 4"), "\(labeled.output)")
        let contents = try LabelFileReader.read(at: path("c.h5"))
        #expect(contents.configuration.storesComponents)
        let file = try HDF5File.open(at: path("c.h5"))
        let map = try file.openDataset("components").read(as: UInt8.self)
        try file.close()
        #expect(map.count == classes.count)
        #expect(zip(map, classes).allSatisfy { ($0 != 0) == ($1 != 0) })
        // The labeled classes are the given ones except where a smooth outline cuts a pixel.
        let agree = zip(map, classes).filter { $0 != 0 && $0 == $1 }.count, wall = classes.filter { $0 != 0 }.count
        #expect(Double(agree) > 0.97 * Double(wall), "\(agree) of \(wall) wall pixels keep their class")

        // The same class masks as int32 HDF5 (another dataset name) and as a .npy stack label the same.
        let other = try HDF5File.create(at: path("int.h5"), mode: .exclusive)
        try other.createDataset("classes", elementType: Int32.self, shape: [4, 64, 64]).write(classes.map(Int32.init))
        try other.close()
        try NumPyFile.write(NumPyArray(shape: [4, 64, 64], storage: .uint8(classes)), to: path("classes.npy"))
        for (input, extra) in [(path("int.h5"), ["--dataset", "classes"]), (path("classes.npy"), [])] {
            let again = try CommandLineTests.run(["label", "--components", input, "--output", path("again.h5"), "--jobs", "1", "--overwrite"] + extra)
            #expect(again.status == 0 && again.output.contains("labeled 4 of 4"), "\(again.error)")
            let file = try HDF5File.open(at: path("again.h5"))
            #expect(try file.openDataset("components").read(as: UInt8.self) == map, "\(input)")
            #expect(try file.openDataset("stress").read(as: Float.self) == contents.stress, "\(input)")
            try file.close()
        }

        // The same file without --components: one material, no class map.
        let plain = try CommandLineTests.run(["label", path("a.h5"), "--output", path("p.h5"), "--jobs", "1"])
        #expect(plain.status == 0 && plain.output.contains("labeled 4 of 4"), "\(plain.error)")
        #expect(!(try LabelFileReader.read(at: path("p.h5"))).configuration.storesComponents)

        // The VH-colour PNGs read back as class masks; a colour outside the palette fails its row by name.
        let pictures = try FileManager.default.contentsOfDirectory(atPath: path("png")).sorted().map { path("png/" + $0) }
        #expect(pictures.count == 4)
        var picture = try PNGFile.readImage(path: pictures[0])
        picture = try RasterImage(width: picture.width, height: picture.height, channels: .rgb,
                                  samples: [0, 0, 255] + Array(picture.samples.dropFirst(3)))
        try PNGFile.write(picture, to: path("blue.png"))
        let png = try CommandLineTests.run(["label", "--components", pictures[0], path("blue.png"), "--output", path("png.h5"), "--jobs", "1"])
        #expect(png.status == 0 && png.output.contains("labeled 1 of 2"), "\(png.output) \(png.error)")
        let pngContents = try LabelFileReader.read(at: path("png.h5"))
        #expect(pngContents.status == [0, 123])
        #expect(pngContents.reasons[1].contains("pixel (0, 0)") && pngContents.reasons[1].contains("(0, 0, 255)"), "\(pngContents.reasons)")
        #expect(Array(pngContents.masks[0..<(64 * 64)]) == classes[0..<(64 * 64)].map { $0 != 0 ? 1 : 0 })

        // Fibro-fatty (light green) is fibrous by default and lipid with --fibro-fatty lipid: a picture
        // whose necrotic core is recoloured light green labels as the red one only with the latter.
        let withLipid = try #require((0..<4).first { k in classes[(k * 4096)..<((k + 1) * 4096)].contains(2) }, "no phantom with lipid")
        let red = try PNGFile.readImage(path: pictures[withLipid])
        var samples = red.samples
        for pixel in 0..<(red.width * red.height) where samples[(3 * pixel)..<(3 * pixel + 3)].elementsEqual([255, 0, 0]) {
            samples.replaceSubrange((3 * pixel)..<(3 * pixel + 3), with: [154, 205, 50])
        }
        try PNGFile.write(try RasterImage(width: red.width, height: red.height, channels: .rgb, samples: samples), to: path("fibro-fatty.png"))
        func classMap(_ arguments: [String]) throws -> [UInt8] {
            let run = try CommandLineTests.run(["label", "--components", "--output", path("ff.h5"), "--jobs", "1", "--overwrite"] + arguments)
            #expect(run.status == 0 && run.output.contains("labeled 1 of 1"), "\(run.output) \(run.error)")
            let file = try HDF5File.open(at: path("ff.h5"))
            defer { try? file.close() }
            return try file.openDataset("components").read(as: UInt8.self)
        }
        let asRed = try classMap([pictures[withLipid]])
        #expect(asRed.contains(2))
        #expect(try classMap([path("fibro-fatty.png"), "--fibro-fatty", "lipid"]) == asRed)
        #expect(!(try classMap([path("fibro-fatty.png")])).contains(2))
        let refused = try CommandLineTests.run(["label", pictures[0], "--fibro-fatty", "lipid", "--output", path("x.h5")])
        #expect(refused.status != 0 && refused.error.contains("--fibro-fatty applies to class masks"), "\(refused.error)")
    }
}
