// Explicit 8-wide vector helpers for the hot loops. They are called only from kernel bodies
// that run specialised for Float or Double, where SIMD8<Scalar> maps to AVX registers.

/// Loads eight scalars from `pointer` (any alignment).
@inline(__always)
func load8<Scalar: NeuralScalar>(_ pointer: UnsafePointer<Scalar>) -> SIMD8<Scalar> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Scalar>.self)
}

/// Stores eight scalars at `pointer` (any alignment).
@inline(__always)
func store8<Scalar: NeuralScalar>(_ value: SIMD8<Scalar>, _ pointer: UnsafeMutablePointer<Scalar>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Scalar>.self)
}

/// destination[i] += source[i] for i in 0..<count.
@inline(__always)
func addInPlace<Scalar: NeuralScalar>(_ destination: UnsafeMutablePointer<Scalar>, _ source: UnsafePointer<Scalar>, count: Int) {
    var i = 0
    while i + 8 <= count {
        store8(load8(destination + i) + load8(source + i), destination + i)
        i += 8
    }
    while i < count {
        destination[i] += source[i]
        i += 1
    }
}

/// Sum of source[0..<count] with eight independent accumulators.
@inline(__always)
func vectorSum<Scalar: NeuralScalar>(_ source: UnsafePointer<Scalar>, count: Int) -> Scalar {
    var accumulator = SIMD8<Scalar>()
    var i = 0
    while i + 8 <= count {
        accumulator += load8(source + i)
        i += 8
    }
    var total = accumulator.sum()
    while i < count {
        total += source[i]
        i += 1
    }
    return total
}

/// `addInPlace` for generic layer code: dispatches to `addInPlaceBody` specialised for Float or
/// Double, since the layers are generic classes reached through existentials and code they call
/// directly would run unspecialised (a witness call per SIMD lane).
@inline(__always)
func addInPlaceSpecialized<Scalar: NeuralScalar>(_ destination: UnsafeMutablePointer<Scalar>, _ source: UnsafePointer<Scalar>, count: Int) {
    if Scalar.self == Float.self {
        addInPlaceBody(destination.cast(), source.cast(), count: count, as: Float.self)
    } else if Scalar.self == Double.self {
        addInPlaceBody(destination.cast(), source.cast(), count: count, as: Double.self)
    } else {
        addInPlaceBody(destination, source, count: count, as: Scalar.self)
    }
}

func addInPlaceBody<Scalar: NeuralScalar>(
    _ destination: UnsafeMutablePointer<Scalar>, _ source: UnsafePointer<Scalar>, count: Int, as type: Scalar.Type
) {
    addInPlace(destination, source, count: count)
}
