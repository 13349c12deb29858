/// A connected group of pixels that validation removed or filled, reported to the caller.
public struct MaskComponent: Sendable, Hashable, Codable {
    /// Number of pixels.
    public let pixelCount: Int
    /// Row of the component's first pixel in row-major scan order.
    public let row: Int
    /// Column of the component's first pixel in row-major scan order.
    public let column: Int

    /// Creates a component record.
    public init(pixelCount: Int, row: Int, column: Int) {
        self.pixelCount = pixelCount
        self.row = row
        self.column = column
    }
}
