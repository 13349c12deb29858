import Testing
@testable import Raster

@Suite("Mask validation")
struct MaskValidationTests {
    /// Square ring: Chebyshev distance from the centre pixel in [inner, outer].
    static func squareRing(inner: Int, outer: Int) -> Mask {
        TestSupport.mask { dr, dc in
            let distance = max(abs(dr), abs(dc))
            return distance >= inner && distance <= outer
        }
    }

    @Test("a round ring validates; areas and plaque burden are pixel counts times s^2")
    func ring() throws {
        let validated = try TestSupport.ring(inner: 8, outer: 16).validated()
        #expect(validated.removedSpecks.isEmpty && validated.filledHoles.isEmpty)
        let wall = validated.wallPixelCount
        let lumen = validated.lumenPixelCount
        #expect(wall + lumen + validated.outerRegion.pixelCount == 64 * 64)
        #expect(validated.wall == TestSupport.ring(inner: 8, outer: 16))
        let s2 = 0.125 * 0.125
        #expect(abs(validated.wallArea - Double(wall) * s2) < 1e-12)
        #expect(abs(validated.lumenArea - Double(lumen) * s2) < 1e-12)
        #expect(abs(validated.vesselArea - Double(wall + lumen) * s2) < 1e-12)
        #expect(abs(validated.plaqueBurden - Double(wall) / Double(wall + lumen)) < 1e-12)
        // Close to the continuous annulus: burden 1 - (8/16)^2 = 0.75, vessel area pi (2 mm)^2.
        #expect(abs(validated.plaqueBurden - 0.75) < 0.03)
        #expect(abs(validated.vesselArea - Double.pi * 4) / (Double.pi * 4) < 0.03)
        #expect(validated.lumen.pixelCount == lumen)
        #expect(validated.vessel.pixelCount == wall + lumen)
        #expect(validated[32, 32] == .lumen && validated[32, 44] == .wall && validated[0, 0] == .outside)
        #expect(validated.minimumWallDistance >= 8)
    }

    @Test("square ring: exact counts, and one-pixel walls pass the default thin-wall threshold")
    func squareRing() throws {
        let validated = try Self.squareRing(inner: 10, outer: 10).validated()
        #expect(validated.lumenPixelCount == 19 * 19)
        #expect(validated.wallPixelCount == 21 * 21 - 19 * 19)
        #expect(validated.minimumWallDistance == 2)
        #expect(abs(validated.plaqueBurden - 80.0 / 441.0) < 1e-12)
        #expect(abs(validated.minimumWallDistanceInMillimetres - 0.25) < 1e-12)
        // Raising the threshold to 2.5 pixels rejects the one-pixel wall.
        #expect(throws: MaskError.self) {
            try Self.squareRing(inner: 10, outer: 10).validated(options: MaskValidationOptions(minimumWallDistance: 2.5))
        }
    }

    @Test("empty mask")
    func empty() {
        #expect(throws: MaskError.empty) { try TestSupport.mask { _, _ in false }.validated() }
    }

    @Test("wall touching the image border")
    func border() {
        #expect(throws: MaskError.wallTouchesBorder(row: 0, column: 0)) {
            try Self.squareRing(inner: 20, outer: 32).validated()
        }
        // A speck on the border is removed first, so it is not an error.
        let withSpeck = TestSupport.mask { dr, dc in
            let distance = max(abs(dr), abs(dc))
            return (distance >= 8 && distance <= 12) || (dr == -32 && dc == 0)
        }
        #expect(throws: Never.self) { try withSpeck.validated() }
    }

    @Test("no lumen: a filled disk")
    func noLumen() {
        #expect(throws: MaskError.noLumen) { try TestSupport.ring(inner: 0, outer: 12).validated() }
    }

    @Test("lumen smaller than the minimum")
    func lumenTooSmall() {
        let disk = TestSupport.mask { dr, dc in
            dr * dr + dc * dc < 144 && !(dr == 0 && (dc == 0 || dc == 1))
        }
        #expect(throws: MaskError.lumenTooSmall(pixels: 2, minimum: 4)) { try disk.validated() }
    }

    @Test("more than one lumen")
    func multipleLumens() {
        let twoHoles = TestSupport.mask { dr, dc in
            let inDisk = dr * dr + dc * dc < 20 * 20
            let leftHole = max(abs(dr), abs(dc + 8)) <= 3  // 7 x 7 = 49 pixels
            let rightHole = max(abs(dr), abs(dc - 8)) <= 2  // 5 x 5 = 25 pixels
            return inDisk && !leftHole && !rightHole
        }
        #expect(throws: MaskError.multipleLumens(holeSizes: [49, 25])) { try twoHoles.validated() }
    }

    @Test("small holes in the wall are filled and reported")
    func smallHoles() throws {
        let ring = TestSupport.ring(inner: 6, outer: 14)
        var pixels = ring.pixels
        pixels[32 * 64 + 42] = 0  // one-pixel hole in the wall, right of the lumen
        pixels[(32 - 10) * 64 + 32] = 0  // and one above
        pixels[(32 - 10) * 64 + 33] = 0  // two pixels
        let holed = try Mask(grid: ring.grid, values: pixels)
        let validated = try holed.validated()
        #expect(validated.filledHoles == [
            MaskComponent(pixelCount: 2, row: 22, column: 32),
            MaskComponent(pixelCount: 1, row: 32, column: 42),
        ])
        #expect(validated.wall == ring)
        #expect(validated[32, 42] == .wall)
        // With a fill threshold of 1 the holes count as lumens.
        #expect(throws: MaskError.multipleLumens(holeSizes: [
            validated.lumenPixelCount, 2, 1,
        ])) {
            try holed.validated(options: MaskValidationOptions(holeFillThreshold: 1))
        }
    }

    @Test("more than one wall component after speck removal; specks are removed and reported")
    func wallComponents() throws {
        let ringOnly = TestSupport.ring(inner: 6, outer: 12)
        let ringSize = ringOnly.pixelCount
        let withBlob = TestSupport.mask { dr, dc in
            let distance = Double(dr * dr + dc * dc).squareRoot()
            let blob = (20...22).contains(dr) && (20...22).contains(dc)  // 9 pixels
            let speck = dr == -20 && (dc == -20 || dc == -19)  // 2 pixels
            return (distance >= 6 && distance < 12) || blob || speck
        }
        #expect(throws: MaskError.multipleWallComponents(componentSizes: [ringSize, 9])) { try withBlob.validated() }
        let validated = try withBlob.validated(options: MaskValidationOptions(speckThreshold: 10))
        #expect(validated.removedSpecks == [
            MaskComponent(pixelCount: 2, row: 12, column: 12),
            MaskComponent(pixelCount: 9, row: 52, column: 52),
        ])
        #expect(validated.wall == ringOnly)
        #expect(validated.original == withBlob)
    }

    @Test("wall too thin: lumen touching the outside at a pixel corner")
    func thinWall() throws {
        // A diamond ring one pixel wide is 8-connected only: it encloses a lumen (4-connected
        // background) but lumen and outside pixels touch diagonally, distance sqrt(2).
        let diamond = TestSupport.mask { dr, dc in abs(dr) + abs(dc) == 10 }
        do {
            _ = try diamond.validated()
            Issue.record("thin wall accepted")
        } catch {
            guard case let .wallTooThin(distance, row, column) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(abs(distance - 2.0.squareRoot()) < 1e-12)
            #expect(validatedClass(diamond, row, column) == .lumen)
        }
        // With the check disabled the topology is accepted: 181 lumen pixels (|dr| + |dc| < 10).
        let relaxed = try diamond.validated(options: MaskValidationOptions(minimumWallDistance: 0))
        #expect(relaxed.lumenPixelCount == 181)
        #expect(relaxed.wallPixelCount == 40)
    }

    @Test("wall too thin: a notch leaving a one-pixel wall, with a two-pixel requirement")
    func notch() throws {
        let ring = TestSupport.ring(inner: 8, outer: 14)
        var pixels = ring.pixels
        // Cut a 3-pixel-wide notch from the outside on rows 31...33 down to column 41: the
        // wall is one pixel (column 40) thick there, so lumen (31, 39) is 2 pixels from outside (31, 41).
        for row in 31...33 {
            for column in 41...50 { pixels[row * 64 + column] = 0 }
        }
        let notched = try Mask(grid: ring.grid, values: pixels)
        let validated = try notched.validated()
        #expect(validated.minimumWallDistance == 2)
        #expect(validated.thinnestLumenPixel == (31, 39))
        #expect(throws: MaskError.wallTooThin(distance: 2, row: 31, column: 39)) {
            try notched.validated(options: MaskValidationOptions(minimumWallDistance: 2.5))
        }
        #expect(try ring.validated(options: MaskValidationOptions(minimumWallDistance: 2.5)).minimumWallDistance > 5)
    }

    /// Class of a pixel after relaxed validation (for checking where errors point).
    private func validatedClass(_ mask: Mask, _ row: Int, _ column: Int) -> PixelClass? {
        try? mask.validated(options: MaskValidationOptions(minimumWallDistance: 0))[row, column]
    }
}
