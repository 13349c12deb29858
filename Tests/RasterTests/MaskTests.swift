import Testing
@testable import Raster

@Suite("Mask construction")
struct MaskTests {
    @Test("UInt8 input: nonzero is wall")
    func bytes() throws {
        let mask = try Mask(rows: 2, columns: 3, values: [0, 1, 255, 7, 0, 0] as [UInt8])
        #expect(mask.pixels == [0, 1, 1, 1, 0, 0])
        #expect(mask[0, 2] && !mask[1, 1] && !mask[5, 5])
        #expect(mask.pixelCount == 3)
        #expect(abs(mask.area - 3 * 0.125 * 0.125) < 1e-15)
    }

    @Test("Bool input")
    func booleans() throws {
        let mask = try Mask(rows: 1, columns: 3, values: [true, false, true], pixelSize: 0.2)
        #expect(mask.pixels == [1, 0, 1])
        #expect(mask.pixelSize == 0.2)
    }

    @Test("Float and Double input: threshold 0.5, values must be finite and in [0, 1]")
    func floats() throws {
        let doubles = try Mask(rows: 1, columns: 4, values: [0.0, 0.49, 0.5, 1.0] as [Double])
        #expect(doubles.pixels == [0, 0, 1, 1])
        let floats = try Mask(rows: 1, columns: 4, values: [0.2, 0.7, 0.5, 0] as [Float])
        #expect(floats.pixels == [0, 1, 1, 0])
        #expect(throws: MaskError.invalidValue(index: 1, value: 1.5)) {
            try Mask(rows: 1, columns: 3, values: [0.0, 1.5, 0.0] as [Double])
        }
        #expect(throws: MaskError.invalidValue(index: 0, value: -0.25)) {
            try Mask(rows: 1, columns: 2, values: [-0.25, 0.0] as [Float])
        }
        #expect(throws: MaskError.invalidValue(index: 2, value: .infinity)) {
            try Mask(rows: 1, columns: 3, values: [0, 0, .infinity] as [Double])
        }
        do {
            _ = try Mask(rows: 1, columns: 2, values: [0, .nan] as [Float])
            Issue.record("NaN accepted")
        } catch {
            guard case let .invalidValue(index, value) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(index == 1 && value.isNaN)
            #expect(error.code == 3)
        }
    }

    @Test("wrong shape and invalid grid")
    func shape() {
        #expect(throws: MaskError.shapeMismatch(rows: 2, columns: 2, count: 3)) {
            try Mask(rows: 2, columns: 2, values: [0, 1, 0] as [UInt8])
        }
        #expect(throws: MaskError.shapeMismatch(rows: 2, columns: 2, count: 5)) {
            try Mask(rows: 2, columns: 2, values: [0, 0, 0, 0, 0.5] as [Double])
        }
        #expect(throws: MaskError.invalidGrid(rows: 2, columns: 2, pixelSize: 0)) {
            try Mask(rows: 2, columns: 2, values: [0, 1, 0, 0] as [UInt8], pixelSize: 0)
        }
        #expect(throws: MaskError.invalidGrid(rows: 0, columns: 2, pixelSize: 0.125)) {
            try Mask(rows: 0, columns: 2, values: [] as [UInt8])
        }
    }

    @Test("connected components: 4 versus 8 connectivity")
    func components() throws {
        // Two diagonal pixels and a separate pair.
        let mask = try Mask(rows: 3, columns: 4, values: [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0] as [UInt8])
        let eight = mask.components(connectivity: .eight)
        #expect(eight.count == 2)
        #expect(eight.sizes == [2, 2])
        let four = mask.components(connectivity: .four)
        #expect(four.count == 3)
        #expect(four.sizes == [1, 2, 1])
        #expect(four.labels[0] == 0 && four.labels[3] == 1 && four.labels[5] == 2 && four.labels[1] == -1)
        #expect(four.touchesBorder == [true, true, false])
        #expect(four.indicesBySizeDescending == [1, 0, 2])
    }

    @Test("error codes are distinct and descriptions name the numbers")
    func errorCodes() {
        let errors: [MaskError] = [
            .shapeMismatch(rows: 1, columns: 1, count: 2), .invalidGrid(rows: 0, columns: 0, pixelSize: 0),
            .invalidValue(index: 0, value: 2), .empty, .wallTouchesBorder(row: 0, column: 0), .noLumen,
            .multipleLumens(holeSizes: [5, 4]), .lumenTooSmall(pixels: 1, minimum: 4),
            .multipleWallComponents(componentSizes: [10, 9]), .wallTooThin(distance: 1.414, row: 3, column: 4),
        ]
        #expect(Set(errors.map(\.code)).count == errors.count)
        #expect(!errors.map(\.code).contains(0))
        #expect(MaskError.multipleLumens(holeSizes: [5, 4]).description.contains("5, 4"))
        #expect(MaskError.wallTooThin(distance: 1.414, row: 3, column: 4).description.contains("(3, 4)"))
    }
}
