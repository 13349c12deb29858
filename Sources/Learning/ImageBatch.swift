import Neural

/// A batch of single-channel images (masks, stress maps, digits) as row-major Float values.
///
/// Image n, pixel (row, column) is `values[(n * height + row) * width + column]`; row 0 is the
/// top of the image. Masks hold 0 (background) or 1 (wall); stress maps hold kPa. The same type
/// is used for every input and output of the trainers.
public struct ImageBatch: Sendable, Equatable {
    /// Number of images N.
    public let count: Int
    /// Image height H in pixels (rows).
    public let height: Int
    /// Image width W in pixels (columns).
    public let width: Int
    /// N x H x W values, row-major.
    public let values: [Float]

    /// Creates a batch from row-major values.
    /// - Throws: `LearningError.invalidBatch` unless height, width > 0, count >= 0 and
    ///   `values.count == count * height * width`.
    public init(count: Int, height: Int, width: Int, values: [Float]) throws(LearningError) {
        guard height > 0, width > 0, count >= 0 else {
            throw .invalidBatch("count \(count), height \(height) and width \(width) must be non-negative and positive")
        }
        guard values.count == count * height * width else {
            throw .invalidBatch("\(values.count) values for \(count) images of \(height) x \(width)")
        }
        self.count = count
        self.height = height
        self.width = width
        self.values = values
    }

    /// Creates a batch of masks from bytes (0 = background, anything else = 1).
    /// - Throws: `LearningError.invalidBatch` as `init(count:height:width:values:)`.
    public init(masks: [UInt8], count: Int, height: Int, width: Int) throws(LearningError) {
        try self.init(count: count, height: height, width: width, values: masks.map { $0 != 0 ? 1 : 0 })
    }

    /// Pixels per image, H x W.
    public var pixelsPerImage: Int { height * width }

    /// The images at `indices`, in that order (indices must lie in 0..<count).
    public func selecting(_ indices: [Int]) -> ImageBatch {
        let size = pixelsPerImage
        var selected = [Float]()
        selected.reserveCapacity(indices.count * size)
        for index in indices {
            selected.append(contentsOf: values[(index * size)..<((index + 1) * size)])
        }
        return ImageBatch(unchecked: indices.count, height: height, width: width, values: selected)
    }

    /// The images in `range` (within 0..<count).
    public func slice(_ range: Range<Int>) -> ImageBatch {
        let size = pixelsPerImage
        return ImageBatch(unchecked: range.count, height: height, width: width,
                          values: Array(values[(range.lowerBound * size)..<(range.upperBound * size)]))
    }

    /// The values rounded to masks: 1 where value >= 0.5, else 0.
    public func binarized() -> [UInt8] {
        values.map { $0 >= 0.5 ? 1 : 0 }
    }

    init(unchecked count: Int, height: Int, width: Int, values: [Float]) {
        self.count = count
        self.height = height
        self.width = width
        self.values = values
    }

    /// The batch as an NCHW tensor [N, 1, H, W].
    func tensor() -> Tensor<Float> {
        // The count equals the shape's product by construction.
        try! Tensor(shape: [count, 1, height, width], scalars: values)
    }

    /// The batch as a matrix [N, H * W] (flattened images).
    func flattenedTensor() -> Tensor<Float> {
        try! Tensor(shape: [count, pixelsPerImage], scalars: values)
    }

    /// Throws unless every image is `height` x `width`.
    func requireSize(height expectedHeight: Int, width expectedWidth: Int, name: String) throws(LearningError) {
        guard height == expectedHeight, width == expectedWidth else {
            throw .mismatchedInputs("\(name) are \(height) x \(width), the model expects \(expectedHeight) x \(expectedWidth)")
        }
    }
}
