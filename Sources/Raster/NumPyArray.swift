/// A 2D image (H, W) or a 3D stack of images (N, H, W) as stored in a NumPy .npy file,
/// elements in C order (row-major, last index fastest).
///
/// Invariant: `shape` has 2 or 3 non-negative entries whose product is `storage.count`.
public struct NumPyArray: Sendable, Hashable {
    /// The dimensions: (H, W) or (N, H, W).
    public let shape: [Int]
    /// The elements in C order.
    public let storage: NumPyStorage

    /// Creates an array; throws unless `shape` has 2 or 3 non-negative entries whose product
    /// is the element count.
    public init(shape: [Int], storage: NumPyStorage) throws(RasterError) {
        guard shape.count == 2 || shape.count == 3, shape.allSatisfy({ $0 >= 0 }) else {
            throw .invalidArray(reason: "shape \(shape) is not (H, W) or (N, H, W)")
        }
        guard let product = NumPyArray.product(shape), product == storage.count else {
            throw .invalidArray(reason: "shape \(shape) does not hold \(storage.count) elements")
        }
        self.shape = shape
        self.storage = storage
    }

    /// A 2D (rows, columns) or 3D (count, rows, columns) uint8 array of masks (0 / 1 bytes).
    /// All masks must have the same grid shape; an empty list gives shape (0, 0, 0).
    public init(masks: [Mask], stacked: Bool = true) throws(RasterError) {
        guard let first = masks.first else {
            try self.init(shape: [0, 0, 0], storage: .uint8([]))
            return
        }
        guard masks.allSatisfy({ $0.rows == first.rows && $0.columns == first.columns }) else {
            throw .invalidArray(reason: "masks of different shapes cannot be stacked")
        }
        guard stacked || masks.count == 1 else {
            throw .invalidArray(reason: "an unstacked (2D) array holds exactly one mask")
        }
        let shape = stacked ? [masks.count, first.rows, first.columns] : [first.rows, first.columns]
        try self.init(shape: shape, storage: .uint8(masks.flatMap(\.pixels)))
    }

    /// The element type.
    public var dataType: NumPyDataType { storage.dataType }

    /// Number of images: 1 for a 2D array, N for (N, H, W).
    public var imageCount: Int { shape.count == 2 ? 1 : shape[0] }

    /// Rows (H) of each image.
    public var rows: Int { shape[shape.count - 2] }

    /// Columns (W) of each image.
    public var columns: Int { shape[shape.count - 1] }

    /// The elements of image `index` (0 ..< `imageCount`), row-major.
    public func image(at index: Int) -> NumPyStorage {
        precondition(index >= 0 && index < imageCount, "image index out of range")
        let size = rows * columns
        return storage.slice(index * size..<(index + 1) * size)
    }

    /// Image `index` as a mask on a grid of `pixelSize` mm.
    ///
    /// bool: true = wall; integer types: nonzero = wall; float types: every value must be
    /// finite and in [0, 1] (else `MaskError.invalidValue`, index within the image) and
    /// values >= 0.5 are wall. `index` must be in 0 ..< `imageCount`.
    public func mask(at index: Int = 0, pixelSize: Double = PixelGrid.defaultPixelSize) throws(MaskError) -> Mask {
        switch image(at: index) {
        case let .bool(values):
            return try Mask(rows: rows, columns: columns, values: values, pixelSize: pixelSize)
        case let .uint8(values):
            return try Mask(rows: rows, columns: columns, values: values, pixelSize: pixelSize)
        case let .int32(values):
            return try Mask(rows: rows, columns: columns, values: values.map { $0 != 0 }, pixelSize: pixelSize)
        case let .int64(values):
            return try Mask(rows: rows, columns: columns, values: values.map { $0 != 0 }, pixelSize: pixelSize)
        case let .float32(values):
            return try Mask(rows: rows, columns: columns, values: values, pixelSize: pixelSize)
        case let .float64(values):
            return try Mask(rows: rows, columns: columns, values: values, pixelSize: pixelSize)
        }
    }

    /// Product of the dimensions, or nil on overflow.
    static func product(_ shape: [Int]) -> Int? {
        var result = 1
        for dimension in shape {
            let (value, overflow) = result.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            result = value
        }
        return result
    }
}
