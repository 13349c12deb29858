import Foundation

/// A binary pixel mask on a `PixelGrid`: one byte per pixel, 1 = in the set (for a wall mask,
/// a vessel-wall pixel), 0 = not.
///
/// Constructing a `Mask` checks only the shape and the values; `validated(options:)` checks
/// that it is a meshable vessel wall. Invariant: `pixels.count == grid.count` and every
/// entry is 0 or 1.
public struct Mask: Sendable, Hashable {
    /// Geometry of the raster (rows, columns, pixel size in mm).
    public let grid: PixelGrid
    /// Row-major pixel values, each 0 or 1.
    public let pixels: [UInt8]

    /// Creates a mask from bytes: nonzero = in the set. `values.count` must be `grid.count`.
    public init(grid: PixelGrid, values: [UInt8]) throws(MaskError) {
        guard values.count == grid.count else {
            throw .shapeMismatch(rows: grid.rows, columns: grid.columns, count: values.count)
        }
        self.grid = grid
        self.pixels = values.map { $0 != 0 ? 1 : 0 }
    }

    /// Creates a mask from bytes (nonzero = in the set) on a `rows x columns` grid of
    /// `pixelSize` mm.
    public init(
        rows: Int, columns: Int, values: [UInt8], pixelSize: Double = PixelGrid.defaultPixelSize
    ) throws(MaskError) {
        try self.init(grid: Mask.makeGrid(rows: rows, columns: columns, pixelSize: pixelSize), values: values)
    }

    /// Creates a mask from Booleans (true = in the set).
    public init(
        rows: Int, columns: Int, values: [Bool], pixelSize: Double = PixelGrid.defaultPixelSize
    ) throws(MaskError) {
        let grid = try Mask.makeGrid(rows: rows, columns: columns, pixelSize: pixelSize)
        try self.init(grid: grid, values: values.map { $0 ? 1 : 0 })
    }

    /// Creates a mask from `Double` values: each must be finite and in [0, 1]
    /// (else `MaskError.invalidValue`); a pixel is in the set iff its value is >= 0.5.
    public init(
        rows: Int, columns: Int, values: [Double], pixelSize: Double = PixelGrid.defaultPixelSize
    ) throws(MaskError) {
        let grid = try Mask.makeGrid(rows: rows, columns: columns, pixelSize: pixelSize)
        guard values.count == grid.count else {
            throw .shapeMismatch(rows: rows, columns: columns, count: values.count)
        }
        try self.init(grid: grid, values: Mask.threshold(values))
    }

    /// Creates a mask from `Float` values: each must be finite and in [0, 1]
    /// (else `MaskError.invalidValue`); a pixel is in the set iff its value is >= 0.5.
    public init(
        rows: Int, columns: Int, values: [Float], pixelSize: Double = PixelGrid.defaultPixelSize
    ) throws(MaskError) {
        let grid = try Mask.makeGrid(rows: rows, columns: columns, pixelSize: pixelSize)
        guard values.count == grid.count else {
            throw .shapeMismatch(rows: rows, columns: columns, count: values.count)
        }
        try self.init(grid: grid, values: Mask.threshold(values))
    }

    /// Creates a mask by evaluating `isMember(row, column)` on every pixel of `grid`.
    public init(grid: PixelGrid, isMember: (_ row: Int, _ column: Int) -> Bool) {
        var pixels = [UInt8](repeating: 0, count: grid.count)
        for row in 0..<grid.rows {
            for column in 0..<grid.columns where isMember(row, column) {
                pixels[row * grid.columns + column] = 1
            }
        }
        self.grid = grid
        self.pixels = pixels
    }

    /// Creates a mask from row-major Booleans that already have the grid's shape.
    init(grid: PixelGrid, members: [Bool]) {
        precondition(members.count == grid.count)
        self.grid = grid
        self.pixels = members.map { $0 ? 1 : 0 }
    }

    /// Number of rows.
    public var rows: Int { grid.rows }
    /// Number of columns.
    public var columns: Int { grid.columns }
    /// Pixel edge length in mm.
    public var pixelSize: Double { grid.pixelSize }

    /// Whether pixel (row, column) is in the set; false for pixels off the grid.
    public subscript(row: Int, column: Int) -> Bool {
        grid.contains(row: row, column: column) && pixels[row * grid.columns + column] != 0
    }

    /// Number of pixels in the set.
    public var pixelCount: Int { pixels.reduce(0) { $0 + Int($1) } }

    /// Area of the set in mm^2: `pixelCount * pixelSize^2`.
    public var area: Double { Double(pixelCount) * grid.pixelArea }

    /// Row-major membership as Booleans.
    public var members: [Bool] { pixels.map { $0 != 0 } }

    /// The complement (pixels not in the set).
    public var inverted: Mask { Mask(grid: grid, members: pixels.map { $0 == 0 }) }

    /// Connected components of the set with the given adjacency.
    public func components(connectivity: Connectivity) -> ComponentLabeling {
        ComponentLabeling(isMember: members, rows: rows, columns: columns, connectivity: connectivity)
    }

    /// The same pixels as 0 / 255 bytes (a viewable grayscale image).
    public var grayscaleBytes: [UInt8] { pixels.map { $0 != 0 ? 255 : 0 } }

    static func makeGrid(rows: Int, columns: Int, pixelSize: Double) throws(MaskError) -> PixelGrid {
        guard let grid = PixelGrid(rows: rows, columns: columns, pixelSize: pixelSize) else {
            throw .invalidGrid(rows: rows, columns: columns, pixelSize: pixelSize)
        }
        return grid
    }

    static func threshold<Value: BinaryFloatingPoint>(_ values: [Value]) throws(MaskError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: values.count)
        for (index, value) in values.enumerated() {
            guard value.isFinite, value >= 0, value <= 1 else {
                throw .invalidValue(index: index, value: Double(value))
            }
            bytes[index] = value >= 0.5 ? 1 : 0
        }
        return bytes
    }
}
