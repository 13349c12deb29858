/// A dense, row-major, contiguous n-dimensional array of scalars.
///
/// Element (i0, i1, ..., ik) is stored at offset sum_j i_j * stride_j with
/// stride_k = 1 and stride_j = stride_{j+1} * shape[j+1]. Tensors have value semantics
/// (copy-on-write storage). Layers use the NCHW layout for images, [N, features] for vectors.
public struct Tensor<Scalar: NeuralScalar>: Equatable, Sendable {
    /// Extent along each axis; the empty shape denotes a 0-dimensional (single-scalar) tensor.
    public private(set) var shape: [Int]
    /// The scalars in row-major order; `scalars.count` equals the product of `shape`.
    public private(set) var scalars: [Scalar]

    /// Creates a tensor from a shape and row-major scalars.
    /// - Throws: `NeuralError.invalidShape` for a negative extent,
    ///   `NeuralError.countMismatch` when `scalars.count` differs from the product of `shape`.
    public init(shape: [Int], scalars: [Scalar]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw NeuralError.invalidShape(shape) }
        let count = shape.reduce(1, *)
        guard count == scalars.count else {
            throw NeuralError.countMismatch(expected: count, actual: scalars.count)
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor of the given shape with every scalar equal to `value`
    /// (negative extents are treated as 0).
    public init(repeating value: Scalar, shape: [Int]) {
        let shape = shape.map { max(0, $0) }
        self.shape = shape
        self.scalars = value == 0 ? zeroedArray(count: shape.reduce(1, *)) : [Scalar](repeating: value, count: shape.reduce(1, *))
    }

    /// Creates a tensor of zeros with the given shape (negative extents are treated as 0).
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// Creates a tensor without checks; `scalars.count` must equal the product of `shape`.
    init(unchecked shape: [Int], scalars: [Scalar]) {
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor whose storage is filled by `initializer`, which must write every scalar.
    init(shape: [Int], uninitialized initializer: (UnsafeMutablePointer<Scalar>) -> Void) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.scalars = [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { initializer(buffer.baseAddress!) }
            initialized = count
        }
    }

    /// Number of scalars, the product of `shape`.
    public var count: Int { scalars.count }

    /// Number of axes.
    public var rank: Int { shape.count }

    /// The scalar at a row-major flat offset.
    public subscript(offset: Int) -> Scalar {
        get { scalars[offset] }
        set { scalars[offset] = newValue }
    }

    /// Returns the same scalars viewed with another shape of equal element count.
    /// One extent may be -1; it is inferred.
    /// - Throws: `NeuralError.countMismatch` or `NeuralError.invalidShape`.
    public func reshaped(to newShape: [Int]) throws -> Tensor {
        var newShape = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else { throw NeuralError.invalidShape(newShape) }
            newShape[inferred] = count / known
        }
        return try Tensor(shape: newShape, scalars: scalars)
    }

    /// Returns the tensor with every scalar converted to another scalar type.
    public func converted<Other: NeuralScalar>(to type: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(unchecked: shape, scalars: scalars.map { Other($0) })
    }

    /// Calls `body` with a pointer to the scalars (valid only during the call).
    public func withUnsafePointer<Result>(_ body: (UnsafePointer<Scalar>) throws -> Result) rethrows -> Result {
        try scalars.withUnsafeBufferPointer { buffer in
            try body(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!)
        }
    }

    /// Calls `body` with a mutable pointer to the scalars (valid only during the call).
    public mutating func withUnsafeMutablePointer<Result>(
        _ body: (UnsafeMutablePointer<Scalar>) throws -> Result
    ) rethrows -> Result {
        try scalars.withUnsafeMutableBufferPointer { buffer in
            try body(buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
        }
    }

    /// Throws `NeuralError.shapeMismatch` unless the shape equals `expected`
    /// (an extent of -1 in `expected` matches any size).
    public func checkShape(_ expected: [Int]) throws {
        guard expected.count == shape.count,
              zip(expected, shape).allSatisfy({ $0 == -1 || $0 == $1 })
        else { throw NeuralError.shapeMismatch(expected: expected, actual: shape) }
    }

    /// Sum of all scalars, accumulated in Double.
    public func sum() -> Double {
        scalars.reduce(0.0) { $0 + Double($1) }
    }

    /// Tensor of uniform random scalars in `lowerBound..<upperBound` from a seeded generator.
    public static func randomUniform(
        shape: [Int], in range: Range<Double> = 0..<1, generator: inout SeededGenerator
    ) -> Tensor {
        var result = Tensor(zeros: shape)
        for index in 0..<result.count {
            result.scalars[index] = Scalar(range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextUnitDouble())
        }
        return result
    }

    /// Tensor of standard normal random scalars (Box–Muller) from a seeded generator.
    public static func randomNormal(shape: [Int], generator: inout SeededGenerator) -> Tensor {
        var result = Tensor(zeros: shape)
        for index in 0..<result.count {
            result.scalars[index] = Scalar(generator.nextStandardNormal())
        }
        return result
    }
}
