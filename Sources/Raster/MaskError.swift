import Foundation

/// Why an array could not be made into a mask, or why a mask failed validation.
///
/// Every case has a stable numeric `code` (for a status column, 0 meaning success) and a
/// human-readable `description`.
public enum MaskError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The value count is not `rows * columns`.
    case shapeMismatch(rows: Int, columns: Int, count: Int)
    /// The grid is invalid: non-positive dimensions, or a pixel size that is not finite and positive (mm).
    case invalidGrid(rows: Int, columns: Int, pixelSize: Double)
    /// A floating-point value is NaN, infinite or outside [0, 1]; `index` is row-major.
    case invalidValue(index: Int, value: Double)
    /// The mask has no wall pixel.
    case empty
    /// A wall pixel (after speck removal) lies on the outermost ring of the image.
    case wallTouchesBorder(row: Int, column: Int)
    /// The wall encloses no background region (no lumen).
    case noLumen
    /// More than one enclosed background region of at least `holeFillThreshold` pixels;
    /// sizes in pixels, largest first (the largest would have been the lumen).
    case multipleLumens(holeSizes: [Int])
    /// The lumen (largest enclosed region) has fewer pixels than `minimumLumenPixels`.
    case lumenTooSmall(pixels: Int, minimum: Int)
    /// More than one 8-connected wall component of at least `speckThreshold` pixels;
    /// sizes in pixels, largest first.
    case multipleWallComponents(componentSizes: [Int])
    /// The wall is thinner than allowed somewhere: `distance` (pixels) is the smallest
    /// centre-to-centre distance between a lumen pixel and an outside pixel, attained at the
    /// lumen pixel (`row`, `column`); see `MaskValidationOptions.minimumWallDistance`.
    case wallTooThin(distance: Double, row: Int, column: Int)

    /// Stable numeric code of the error (1...), for status arrays; 0 is reserved for success.
    public var code: Int {
        switch self {
        case .shapeMismatch: 1
        case .invalidGrid: 2
        case .invalidValue: 3
        case .empty: 4
        case .wallTouchesBorder: 5
        case .noLumen: 6
        case .multipleLumens: 7
        case .lumenTooSmall: 8
        case .multipleWallComponents: 9
        case .wallTooThin: 10
        }
    }

    /// One-sentence explanation including the offending numbers.
    public var description: String {
        switch self {
        case let .shapeMismatch(rows, columns, count):
            "wrong shape: \(rows) x \(columns) = \(rows * columns) pixels expected, \(count) values given"
        case let .invalidGrid(rows, columns, pixelSize):
            "invalid grid: \(rows) x \(columns) pixels of \(pixelSize) mm"
        case let .invalidValue(index, value):
            "invalid value \(value) at index \(index): mask values must be finite and in [0, 1]"
        case .empty:
            "empty mask: no wall pixel"
        case let .wallTouchesBorder(row, column):
            "the wall touches the image border at pixel (\(row), \(column))"
        case .noLumen:
            "no lumen: the wall encloses no hole"
        case let .multipleLumens(sizes):
            "more than one lumen: enclosed holes of \(sizes.map(String.init).joined(separator: ", ")) pixels"
        case let .lumenTooSmall(pixels, minimum):
            "lumen too small: \(pixels) pixels, at least \(minimum) required"
        case let .multipleWallComponents(sizes):
            "more than one wall component: \(sizes.map(String.init).joined(separator: ", ")) pixels"
        case let .wallTooThin(distance, row, column):
            "wall too thin near lumen pixel (\(row), \(column)): lumen-to-outside distance "
                + String(format: "%.3f", distance) + " pixels"
        }
    }
}
