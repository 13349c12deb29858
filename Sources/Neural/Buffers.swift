/// Creates an array of `count` scalars whose storage `fill` must initialise completely.
func makeArray<Scalar>(count: Int, fill: (UnsafeMutablePointer<Scalar>) -> Void) -> [Scalar] {
    [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count > 0 { fill(buffer.baseAddress!) }
        initialized = count
    }
}

extension Array {
    /// Calls `body` with the base address (a dangling non-nil pointer for an empty array).
    @inline(__always)
    func withBase<Result>(_ body: (UnsafePointer<Element>) throws -> Result) rethrows -> Result {
        try withUnsafeBufferPointer { try body($0.baseAddress ?? UnsafePointer(bitPattern: 8)!) }
    }

    /// Calls `body` with the mutable base address (a dangling non-nil pointer for an empty array).
    @inline(__always)
    mutating func withMutableBase<Result>(_ body: (UnsafeMutablePointer<Element>) throws -> Result) rethrows -> Result {
        try withUnsafeMutableBufferPointer { try body($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!) }
    }
}

/// Type name used in `NeuralError.backwardBeforeForward`.
func layerName(_ layer: AnyObject) -> String {
    String(describing: type(of: layer))
}

extension UnsafePointer {
    /// Reinterprets the pointer as pointing to another type of the same layout (used only for
    /// Scalar -> Float/Double after a type check).
    @inline(__always) func cast<Target>() -> UnsafePointer<Target> { UnsafePointer<Target>(OpaquePointer(self)) }
}

extension UnsafeMutablePointer {
    /// Reinterprets the pointer as pointing to another type of the same layout (used only for
    /// Scalar -> Float/Double after a type check).
    @inline(__always) func cast<Target>() -> UnsafeMutablePointer<Target> { UnsafeMutablePointer<Target>(OpaquePointer(self)) }
}

/// An array of `count` zeros, filled with memset (IEEE zero is all-zero bits), which is fast
/// even where the scalar type is generic.
func zeroedArray<Scalar: NeuralScalar>(count: Int) -> [Scalar] {
    makeArray(count: count) { pointer in
        UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<Scalar>.stride)
    }
}

/// Reuses `workspace` when it already has `count` scalars and is uniquely referenced, otherwise
/// allocates; then lets `fill` overwrite it completely. Avoids page faults from fresh allocations.
func reuse<Scalar>(_ workspace: inout [Scalar], count: Int, fill: (UnsafeMutablePointer<Scalar>) -> Void) {
    if workspace.count != count {
        workspace = makeArray(count: count, fill: fill)
    } else {
        workspace.withMutableBase(fill)
    }
}

/// Fills data[a, c, :] with bias[c] for data of shape [outer, channels, inner].
/// Dispatches to `fillChannelBiasBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func fillChannelBias<Scalar: NeuralScalar>(
    _ data: UnsafeMutablePointer<Scalar>, bias: UnsafePointer<Scalar>?, outer: Int, channels: Int, inner: Int
) {
    guard let bias else {
        UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0, count: outer * channels * inner * MemoryLayout<Scalar>.stride)
        return
    }
    if Scalar.self == Float.self {
        fillChannelBiasBody(data.cast(), bias: bias.cast(), outer: outer, channels: channels, inner: inner, as: Float.self)
    } else if Scalar.self == Double.self {
        fillChannelBiasBody(data.cast(), bias: bias.cast(), outer: outer, channels: channels, inner: inner, as: Double.self)
    } else {
        fillChannelBiasBody(data, bias: bias, outer: outer, channels: channels, inner: inner, as: Scalar.self)
    }
}

func fillChannelBiasBody<Scalar: NeuralScalar>(
    _ data: UnsafeMutablePointer<Scalar>, bias: UnsafePointer<Scalar>, outer: Int, channels: Int, inner: Int, as type: Scalar.Type
) {
    for a in 0..<outer {
        for c in 0..<channels {
            (data + (a * channels + c) * inner).initialize(repeating: bias[c], count: inner)
        }
    }
}

/// Minimum window positions per image for the per-sample GEMM path of the convolutions, which
/// reads and writes NCHW directly (no axis swaps); smaller images use one batched GEMM.
let perSampleGEMMThreshold = 64
