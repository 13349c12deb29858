import Foundation
import Testing
@testable import Raster

/// Class masks (0 outside, 1 fibrous, 2 lipid, 3 calcium): file round trips, the VH-IVUS palette
/// and its errors, and the component phantoms.
@Suite struct ClassMaskTests {
    /// A 64x64 ring (pixels from the centre) with a lipid and a calcium patch.
    static var sample: ClassMask {
        let ring = TestSupport.ring(inner: 10, outer: 20)
        var codes = ring.pixels
        for index in codes.indices where codes[index] != 0 {
            let (r, c) = ring.grid.pixel(at: index)
            if c > 44 { codes[index] = 3 } else if c < 18 { codes[index] = 2 }
        }
        return try! ClassMask(grid: ring.grid, classes: codes)
    }

    @Test func npyRoundTripsKeepTheCodesInEveryIntegerAndFloatType() throws {
        let mask = Self.sample
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let storages: [NumPyStorage] = [.uint8(mask.classes), .int32(mask.classes.map(Int32.init)), .int64(mask.classes.map(Int64.init)),
                                        .float32(mask.classes.map(Float.init)), .float64(mask.classes.map(Double.init))]
        for (k, storage) in storages.enumerated() {
            let path = directory + "/m\(k).npy"
            try NumPyFile.write(NumPyArray(shape: [64, 64], storage: storage), to: path)
            #expect(try NumPyFile.read(path: path).classMask() == mask)
        }
        // A value that is no class code is named with its pixel.
        var bad = mask.classes.map(Double.init)
        bad[5 * 64 + 7] = 1.5
        #expect(throws: ClassMaskError.invalidCode(row: 5, column: 7, value: 1.5)) {
            try NumPyArray(shape: [64, 64], storage: .float64(bad)).classMask()
        }
        #expect(throws: ClassMaskError.invalidCode(row: 0, column: 3, value: 4)) {
            try ClassMask(grid: mask.grid, classes: [0, 0, 0, 4] + [UInt8](repeating: 0, count: 64 * 64 - 4))
        }
    }

    @Test func greyAndColourPNGsRoundTrip() throws {
        let mask = Self.sample
        let directory = TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Grey values are the codes.
        try PNGFile.write(RasterImage(width: 64, height: 64, channels: .gray, samples: mask.classes), to: directory + "/grey.png")
        #expect(try PNGFile.readClassMask(path: directory + "/grey.png") == mask)
        // The VH-IVUS picture reads back as the same codes.
        let palette = ComponentPalette.virtualHistology()
        try PNGFile.write(palette.picture(of: mask), to: directory + "/vh.png")
        #expect(try PNGFile.readClassMask(path: directory + "/vh.png") == mask)
        // Without --components a class mask is its wall: the same pixels as the plain mask.
        #expect(try PNGFile.readMask(path: directory + "/vh.png") == mask.wall)
        // A grey 0/255 mask is not a class mask.
        try PNGFile.write(mask: mask.wall, to: directory + "/plain.png")
        #expect(throws: (any Error).self) { try PNGFile.readClassMask(path: directory + "/plain.png") }
    }

    @Test func paletteMapsNearColoursFibroFattyAndRefusesTheRest() throws {
        let palette = ComponentPalette.virtualHistology()
        let colours: [(UInt8, UInt8, UInt8)] = [(0, 0, 0), (12, 8, 10), (0, 128, 0), (20, 100, 30), (154, 205, 50), (170, 230, 60),
                                                 (255, 0, 0), (220, 30, 20), (255, 255, 255), (235, 240, 228)]
        let image = try RasterImage(width: colours.count, height: 1, channels: .rgb, samples: colours.flatMap { [$0.0, $0.1, $0.2] })
        let mapped = try palette.classMask(of: image)
        #expect(mapped.classes == [0, 0, 1, 1, 1, 1, 2, 2, 3, 3])
        // Fibro-fatty counted as lipid on request.
        #expect(try ComponentPalette.virtualHistology(fibroFattyCode: 2).classMask(of: image).classes == [0, 0, 1, 1, 2, 2, 2, 2, 3, 3])
        // Blue is none of them: the error names the pixel, the colour and the nearest class colour.
        let blue = try RasterImage(width: 2, height: 2, channels: .rgb, samples: [0, 0, 0, 0, 128, 0, 0, 0, 0, 30, 60, 200])
        #expect {
            try palette.classMask(of: blue)
        } throws: { error in
            guard case let .unmappedColor(row, column, color, _, distance, tolerance) = error as? ClassMaskError else { return false }
            return row == 1 && column == 1 && color == RGBColor(red: 30, green: 60, blue: 200) && distance > tolerance
                && "\(error)".contains("(1, 1)") && "\(error)".contains("(30, 60, 200)")
        }
        // The default tolerance is below half the smallest distance between two palette colours.
        for a in palette.entries {
            for b in palette.entries where a != b {
                #expect(palette.nearest(to: a.color)!.entry == a)
                let dr = Double(a.color.red) - Double(b.color.red), dg = Double(a.color.green) - Double(b.color.green)
                let db = Double(a.color.blue) - Double(b.color.blue)
                #expect((dr * dr + dg * dg + db * db).squareRoot() > 2 * palette.tolerance)
            }
        }
    }

    @Test func componentPhantomsAreDeterministicKeepTheWallsAndFollowTheirDistributions() throws {
        let walls = try PhantomGenerator(seed: 11)
        let generator = try ComponentPhantomGenerator(walls: walls)
        let first = generator.phantoms(in: 0..<40)
        // Same seed, same bytes; phantom k alone is the same as in the batch.
        #expect(first.map(\.classMask) == (try ComponentPhantomGenerator(walls: PhantomGenerator(seed: 11))).phantoms(in: 0..<40).map(\.classMask))
        #expect(generator.phantom(at: 17).classMask == first[17].classMask)
        #expect(generator.phantom(at: 3).classMask != (try ComponentPhantomGenerator(walls: PhantomGenerator(seed: 12))).phantom(at: 3).classMask)
        var pools = 0, deposits = 0
        for phantom in first {
            // The walls are the plain phantoms'.
            #expect(phantom.classMask.wall == walls.phantom(at: phantom.phantom.index).mask.wall)
            let classes = phantom.classMask.classes, grid = phantom.classMask.grid
            if let cap = phantom.capThickness {
                pools += 1
                #expect(generator.distribution.capThicknessRange.contains(cap))
                #expect(phantom.classMask.counts[2] >= generator.distribution.minimumComponentPixels)
            } else {
                #expect(!classes.contains(2))
            }
            deposits += phantom.calciumDeposits
            #expect(generator.distribution.calciumCountRange.contains(phantom.calciumDeposits))
            // Components keep their gap: no lipid pixel within 2 pixels (Chebyshev) of a calcium pixel,
            // and the cap: no lipid pixel next to the lumen or the surroundings.
            for index in classes.indices where classes[index] == 2 {
                let (r, c) = grid.pixel(at: index)
                for dr in -2...2 {
                    for dc in -2...2 where grid.contains(row: r + dr, column: c + dc) {
                        let other = classes[(r + dr) * grid.columns + c + dc]
                        #expect(other != 3)
                        if abs(dr) + abs(dc) == 1 { #expect(other != 0, "lipid at (\(r), \(c)) touches the lumen or outside") }
                    }
                }
            }
        }
        // Measured on these 40: 13 pools (thin walls leave no room for the others), 39 deposits.
        #expect(pools >= 8 && pools <= 34, "\(pools) pools")
        #expect(deposits >= 20, "\(deposits) deposits")
    }
}
