import Foundation
import Testing
@testable import Raster

@Suite("PNG input and output")
struct PNGFileTests {
    @Test("a mask written as 8-bit grayscale reads back identically, from file and memory")
    func maskRoundTrip() throws {
        let mask = TestSupport.ring(inner: 8, outer: 15)
        let directory = TestSupport.temporaryDirectory()
        let path = directory + "/ring.png"
        try PNGFile.write(mask: mask, to: path)
        #expect(try PNGFile.readMask(path: path) == mask)
        let bytes = try PNGFile.encode(mask: mask)
        #expect(try PNGFile.readMask(data: bytes, pixelSize: 0.1) == Mask(grid: PixelGrid(rows: 64, columns: 64, pixelSize: 0.1)!, values: mask.pixels))
        let image = try PNGFile.readImage(path: path)
        #expect(image.channels == .gray && image.width == 64 && image.height == 64)
        #expect(image.samples == mask.grayscaleBytes)
    }

    @Test("8-bit grayscale masks stored as 0/1 are read with nonzero = wall")
    func zeroOneGray() throws {
        let values: [UInt8] = [0, 1, 2, 0, 255, 0]
        let image = try RasterImage(width: 3, height: 2, channels: .gray, samples: values)
        let mask = try PNGFile.readMask(data: PNGFile.encode(image))
        #expect(mask.pixels == [0, 1, 1, 0, 1, 0])
        #expect(mask.rows == 2 && mask.columns == 3)
    }

    @Test("RGB: any non-black pixel is wall; RGB images round-trip")
    func rgb() throws {
        let samples: [UInt8] = [0, 0, 0, /**/ 0, 0, 1, /**/ 200, 10, 10, /**/ 0, 0, 0]
        let image = try RasterImage(width: 2, height: 2, channels: .rgb, samples: samples)
        let bytes = try PNGFile.encode(image)
        #expect(try PNGFile.readMask(data: bytes).pixels == [0, 1, 1, 0])
        #expect(try PNGFile.readImage(data: bytes) == image)
    }

    @Test("palette, gray+alpha, RGBA, 1-bit and 16-bit grayscale inputs")
    func otherFormats() throws {
        // Palette: index 0 black, 1 dark red, 2 white.
        let palette = CraftedPNG.make(
            width: 3, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 1, 2]],
            palette: [0, 0, 0, 60, 0, 0, 255, 255, 255])
        #expect(try PNGFile.readMask(data: palette).pixels == [0, 1, 1])
        // Palette with tRNS making index 2 fully transparent: background.
        let transparent = CraftedPNG.make(
            width: 3, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 1, 2]],
            palette: [0, 0, 0, 60, 0, 0, 255, 255, 255], transparency: [255, 255, 0])
        #expect(try PNGFile.readMask(data: transparent).pixels == [0, 1, 0])
        // Gray + alpha (colour type 4): (gray, alpha) pairs.
        let grayAlpha = CraftedPNG.make(width: 3, height: 1, bitDepth: 8, colorType: 4, rows: [[255, 255, 255, 0, 0, 255]])
        #expect(try PNGFile.readMask(data: grayAlpha).pixels == [1, 0, 0])
        // RGBA (colour type 6).
        let rgba = CraftedPNG.make(width: 2, height: 1, bitDepth: 8, colorType: 6, rows: [[0, 9, 0, 255, 0, 0, 0, 255]])
        #expect(try PNGFile.readMask(data: rgba).pixels == [1, 0])
        // 1-bit grayscale: 0b10100000 -> pixels 1, 0, 1, 0.
        let oneBit = CraftedPNG.make(width: 4, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0000]])
        #expect(try PNGFile.readMask(data: oneBit).pixels == [1, 0, 1, 0])
        // 16-bit grayscale: values 0, 1, 65535 (big-endian samples); 1 is still wall.
        let sixteen = CraftedPNG.make(width: 3, height: 1, bitDepth: 16, colorType: 0, rows: [[0, 0, 0, 1, 255, 255]])
        #expect(try PNGFile.readMask(data: sixteen).pixels == [0, 1, 1])
        let sixteenImage = try PNGFile.readImage(data: sixteen)
        #expect(sixteenImage.channels == .gray && sixteenImage.samples.first == 0 && sixteenImage.samples.last == 255)
    }

    @Test("a truncated PNG file is a typed error naming the path")
    func truncated() throws {
        let bytes = try PNGFile.encode(mask: TestSupport.ring(inner: 8, outer: 15))
        let directory = TestSupport.temporaryDirectory()
        for length in [bytes.count / 2, 40, 20, 8, 3, 0] {
            let path = directory + "/truncated-\(length).png"
            TestSupport.writeFile(Array(bytes.prefix(length)), to: path)
            do {
                _ = try PNGFile.readMask(path: path)
                Issue.record("truncated file of \(length) bytes was accepted")
            } catch {
                guard case let .invalidPNG(errorPath, reason) = error else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
                #expect(errorPath == path)
                #expect(!reason.isEmpty)
                #expect(error.description.contains(path))
            }
        }
    }

    @Test("random bytes, with and without a PNG signature, are typed errors")
    func randomBytes() throws {
        var random = Xoshiro256StarStar(seed: 42)
        let noise = (0..<2_000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let directory = TestSupport.temporaryDirectory()
        let path = directory + "/noise.png"
        TestSupport.writeFile(noise, to: path)
        #expect(throws: RasterError.invalidPNG(path: path, reason: "not a PNG file (signature mismatch)")) {
            try PNGFile.readMask(path: path)
        }
        let signed: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + noise
        for _ in 0..<20 {
            let cut = Int(random.next() % UInt64(signed.count))
            #expect(throws: RasterError.self) { try PNGFile.readMask(data: Array(signed.prefix(cut))) }
        }
        #expect(throws: RasterError.self) { try PNGFile.readImage(data: signed) }
        // A valid header followed by corrupted image data.
        var corrupted = try PNGFile.encode(mask: TestSupport.ring(inner: 8, outer: 15))
        for index in 40..<corrupted.count - 12 { corrupted[index] ^= 0x5A }
        #expect(throws: RasterError.self) { try PNGFile.readMask(data: corrupted) }
    }

    @Test("missing files and directories are unreadable-file errors with the system's reason")
    func unreadable() {
        let path = "/nonexistent-directory/mask.png"
        #expect(throws: RasterError.unreadableFile(path: path, reason: "No such file or directory")) {
            try PNGFile.readMask(path: path)
        }
        let directory = TestSupport.temporaryDirectory()
        #expect(throws: RasterError.unreadableFile(path: directory, reason: "is a directory")) {
            try PNGFile.readImage(path: directory)
        }
        #expect(throws: RasterError.self) {
            try PNGFile.write(mask: TestSupport.ring(inner: 8, outer: 15), to: "/nonexistent-directory/out.png")
        }
    }

    @Test("invalid pixel size and inconsistent images are rejected")
    func invalidArguments() throws {
        let bytes = try PNGFile.encode(mask: TestSupport.ring(inner: 8, outer: 15))
        #expect(throws: RasterError.invalidPixelSize(-1)) { try PNGFile.readMask(data: bytes, pixelSize: -1) }
        #expect(throws: RasterError.self) { try RasterImage(width: 2, height: 2, channels: .rgb, samples: [0, 0, 0]) }
    }
}
