import Foundation

/// The geometry of a row-major pixel raster and its mapping to physical coordinates.
///
/// Conventions (shared by every PlaqueFEM module):
/// - pixels are addressed as (row, column); row 0 is the top of the image and the flat index
///   of (r, c) is `r * columns + c`;
/// - physical coordinates are in millimetres with the origin at the top-left corner of the
///   image, x to the right and y **down**;
/// - the centre of pixel (r, c) is (x, y) = ((c + 0.5) s, (r + 0.5) s), s = `pixelSize`;
/// - pixel (r, c) covers the half-open square [c s, (c + 1) s) x [r s, (r + 1) s).
///
/// This is the only type that owns that mapping.
public struct PixelGrid: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Number of pixel rows (image height in pixels), at least 1.
    public let rows: Int
    /// Number of pixel columns (image width in pixels), at least 1.
    public let columns: Int
    /// Edge length of one square pixel in mm; finite and positive.
    public let pixelSize: Double

    /// The default pixel size of the paper, 0.125 mm (an 8 mm field of view at 64 pixels).
    public static let defaultPixelSize = 0.125

    /// The paper's default grid: 64 x 64 pixels of 0.125 mm.
    public static let standard = PixelGrid(uncheckedRows: 64, columns: 64, pixelSize: defaultPixelSize)

    /// Creates a grid, or returns nil unless `rows >= 1`, `columns >= 1`,
    /// `rows * columns` does not overflow and `pixelSize` is finite and positive.
    public init?(rows: Int, columns: Int, pixelSize: Double = PixelGrid.defaultPixelSize) {
        guard rows >= 1, columns >= 1, pixelSize.isFinite, pixelSize > 0 else { return nil }
        let (_, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow else { return nil }
        self.init(uncheckedRows: rows, columns: columns, pixelSize: pixelSize)
    }

    private init(uncheckedRows rows: Int, columns: Int, pixelSize: Double) {
        self.rows = rows
        self.columns = columns
        self.pixelSize = pixelSize
    }

    /// Number of pixels, `rows * columns`.
    public var count: Int { rows * columns }

    /// Physical width of the image in mm, `columns * pixelSize`.
    public var width: Double { Double(columns) * pixelSize }

    /// Physical height of the image in mm, `rows * pixelSize`.
    public var height: Double { Double(rows) * pixelSize }

    /// Area of one pixel in mm^2, `pixelSize^2`.
    public var pixelArea: Double { pixelSize * pixelSize }

    /// Whether (row, column) lies on the grid.
    public func contains(row: Int, column: Int) -> Bool {
        row >= 0 && row < rows && column >= 0 && column < columns
    }

    /// Whether (row, column) is on the grid and on its outermost ring of pixels.
    public func isOnBorder(row: Int, column: Int) -> Bool {
        contains(row: row, column: column)
            && (row == 0 || column == 0 || row == rows - 1 || column == columns - 1)
    }

    /// Row-major flat index `row * columns + column`; the pixel must be on the grid.
    public func index(row: Int, column: Int) -> Int {
        precondition(contains(row: row, column: column), "pixel (\(row), \(column)) is off the grid")
        return row * columns + column
    }

    /// The (row, column) of a row-major flat index in `0..<count`.
    public func pixel(at index: Int) -> (row: Int, column: Int) {
        precondition(index >= 0 && index < count, "index \(index) is off the grid")
        return (index / columns, index % columns)
    }

    /// Physical centre of pixel (row, column) in mm: ((column + 0.5) s, (row + 0.5) s).
    ///
    /// Defined for any integers (also off the grid), so neighbours can be located too.
    public func center(row: Int, column: Int) -> (x: Double, y: Double) {
        ((Double(column) + 0.5) * pixelSize, (Double(row) + 0.5) * pixelSize)
    }

    /// The pixel whose square [c s, (c+1) s) x [r s, (r+1) s) contains the point (x, y) in mm,
    /// or nil if the point is outside the image or not finite.
    ///
    /// Inverse of `center(row:column:)`: `pixel(containing: center(r, c))` is (r, c).
    public func pixel(containing x: Double, y: Double) -> (row: Int, column: Int)? {
        guard x.isFinite, y.isFinite, x >= 0, y >= 0 else { return nil }
        let column = (x / pixelSize).rounded(.down)
        let row = (y / pixelSize).rounded(.down)
        guard column < Double(columns), row < Double(rows) else { return nil }
        return (Int(row), Int(column))
    }

    /// A short description such as "64x64 @ 0.125 mm".
    public var description: String { "\(rows)x\(columns) @ \(pixelSize) mm" }
}
