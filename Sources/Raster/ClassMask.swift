/// A wall mask with plaque components: one class code per pixel (0 outside the wall, 1 fibrous
/// wall, 2 lipid / necrotic core, 3 calcium), as `label --components` reads it.
///
/// The wall is every pixel with a nonzero code; `wall` is that one-material mask, so a class mask
/// read without `--components` means exactly what a plain mask with the same nonzero pixels means.
/// Invariant: `classes.count == grid.count` and every code is at most `maximumCode`.
public struct ClassMask: Sendable, Hashable {
    /// Code of pixels outside the wall (lumen and surroundings).
    public static let outsideCode: UInt8 = 0
    /// Code of fibrous wall tissue.
    public static let fibrousCode: UInt8 = 1
    /// Code of lipid pools / necrotic core.
    public static let lipidCode: UInt8 = 2
    /// Code of dense calcium.
    public static let calciumCode: UInt8 = 3
    /// The largest valid code.
    public static let maximumCode: UInt8 = 3

    /// Geometry of the raster (rows, columns, pixel size in mm).
    public let grid: PixelGrid
    /// Row-major class codes, each in 0...3.
    public let classes: [UInt8]

    /// Creates a class mask; throws `ClassMaskError.invalidCode` naming the first pixel whose
    /// code is above 3, `.shapeMismatch` when the count is not the grid's.
    public init(grid: PixelGrid, classes: [UInt8]) throws(ClassMaskError) {
        guard classes.count == grid.count else {
            throw .shapeMismatch(rows: grid.rows, columns: grid.columns, count: classes.count)
        }
        if let bad = classes.firstIndex(where: { $0 > Self.maximumCode }) {
            throw .invalidCode(row: bad / grid.columns, column: bad % grid.columns, value: Double(classes[bad]))
        }
        self.grid = grid
        self.classes = classes
    }

    /// Creates a class mask from integer-valued numbers (any numeric array type): each must be
    /// one of 0, 1, 2, 3 exactly, else `ClassMaskError.invalidCode` names the pixel and the value.
    public init<Value: BinaryFloatingPoint>(grid: PixelGrid, values: [Value]) throws(ClassMaskError) {
        guard values.count == grid.count else {
            throw .shapeMismatch(rows: grid.rows, columns: grid.columns, count: values.count)
        }
        var codes = [UInt8](repeating: 0, count: values.count)
        for (index, value) in values.enumerated() {
            guard value.isFinite, value >= 0, value <= Value(Self.maximumCode), value.rounded() == value else {
                throw .invalidCode(row: index / grid.columns, column: index % grid.columns, value: Double(value))
            }
            codes[index] = UInt8(value)
        }
        try self.init(grid: grid, classes: codes)
    }

    /// The wall (every nonzero code) as a one-material mask.
    public var wall: Mask { Mask(grid: grid, members: classes.map { $0 != 0 }) }

    /// Pixels of each code 0...3.
    public var counts: [Int] {
        var counts = [Int](repeating: 0, count: Int(Self.maximumCode) + 1)
        for code in classes { counts[Int(code)] += 1 }
        return counts
    }

    /// Whether any pixel is lipid or calcium.
    public var hasComponents: Bool { classes.contains { $0 >= Self.lipidCode } }

    /// The codes restricted to `wall` (a cleaned wall of the same grid): pixels outside it get 0,
    /// wall pixels keep their code, and wall pixels coded 0 (holes the validation filled) become
    /// fibrous.
    public func restricted(to wall: Mask) -> [UInt8] {
        precondition(wall.grid.count == grid.count, "the wall must be on the same grid")
        return zip(classes, wall.pixels).map { code, isWall in isWall == 0 ? Self.outsideCode : max(code, Self.fibrousCode) }
    }
}

/// Why an image could not be read as a class mask (`ClassMask`).
public enum ClassMaskError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The value count is not `rows * columns`.
    case shapeMismatch(rows: Int, columns: Int, count: Int)
    /// A pixel value that is not a class code 0, 1, 2 or 3.
    case invalidCode(row: Int, column: Int, value: Double)
    /// A colour of a colour image that no class colour of the palette lies within the tolerance of.
    case unmappedColor(row: Int, column: Int, color: RGBColor, nearest: String, distance: Double, tolerance: Double)

    /// Stable numeric code (21...), distinct from `MaskError` (1...) and `RasterError` (101...) codes.
    public var code: Int {
        switch self {
        case .shapeMismatch: 21
        case .invalidCode: 22
        case .unmappedColor: 23
        }
    }

    /// One sentence naming the pixel and the value or colour.
    public var description: String {
        switch self {
        case let .shapeMismatch(rows, columns, count):
            "wrong shape: \(rows) x \(columns) = \(rows * columns) class codes expected, \(count) values given"
        case let .invalidCode(row, column, value):
            "pixel (\(row), \(column)) has value \(value), not a class code (0 outside, 1 fibrous, 2 lipid, 3 calcium)"
        case let .unmappedColor(row, column, color, nearest, distance, tolerance):
            "pixel (\(row), \(column)) has colour (\(color.red), \(color.green), \(color.blue)), which maps to no class: "
                + "the nearest class colour (\(nearest)) is \(Int(distance.rounded())) away, more than the tolerance of \(Int(tolerance))"
        }
    }
}
