/// The pointwise nonlinearities, for the shared kernels below.
enum ActivationKind: Sendable {
    case rectifiedLinear
    case leakyRectifiedLinear(negativeSlope: Double)
    case sigmoid
    case hyperbolicTangent
}

/// y = f(x) elementwise.
/// Dispatches to `activationForwardBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func activationForward<Scalar: NeuralScalar>(
    _ kind: ActivationKind, _ x: UnsafePointer<Scalar>, count: Int, output y: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        activationForwardBody(kind, x.cast(), count: count, output: y.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        activationForwardBody(kind, x.cast(), count: count, output: y.cast(), as: Double.self)
    } else {
        activationForwardBody(kind, x, count: count, output: y, as: Scalar.self)
    }
}

func activationForwardBody<Scalar: NeuralScalar>(
    _ kind: ActivationKind, _ x: UnsafePointer<Scalar>, count: Int, output y: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    switch kind {
    case .rectifiedLinear:
        for i in 0..<count {
            let value = x[i]
            y[i] = value > 0 ? value : 0
        }
    case .leakyRectifiedLinear(let slope):
        let a = Scalar(slope)
        for i in 0..<count {
            let value = x[i]
            y[i] = value > 0 ? value : a * value
        }
    case .sigmoid:
        for i in 0..<count { y[i] = stableSigmoid(x[i]) }
    case .hyperbolicTangent:
        for i in 0..<count { y[i] = Scalar.hyperbolicTangent(x[i]) }
    }
}

/// dx = dy f'(x), using the cached input x (ReLU, LeakyReLU) or output y (sigmoid, tanh):
/// ReLU' = [x > 0], LeakyReLU' = [x > 0] + a [x <= 0], sigmoid' = y (1 - y), tanh' = 1 - y^2.
/// Dispatches to `activationBackwardBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func activationBackward<Scalar: NeuralScalar>(
    _ kind: ActivationKind, cached: UnsafePointer<Scalar>, outputGradient dy: UnsafePointer<Scalar>, count: Int,
    inputGradient dx: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        activationBackwardBody(kind, cached: cached.cast(), outputGradient: dy.cast(), count: count, inputGradient: dx.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        activationBackwardBody(kind, cached: cached.cast(), outputGradient: dy.cast(), count: count, inputGradient: dx.cast(), as: Double.self)
    } else {
        activationBackwardBody(kind, cached: cached, outputGradient: dy, count: count, inputGradient: dx, as: Scalar.self)
    }
}

func activationBackwardBody<Scalar: NeuralScalar>(
    _ kind: ActivationKind, cached: UnsafePointer<Scalar>, outputGradient dy: UnsafePointer<Scalar>, count: Int,
    inputGradient dx: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    switch kind {
    case .rectifiedLinear:
        // Unconditional loads so that the select vectorises.
        for i in 0..<count {
            let gradient = dy[i]
            dx[i] = cached[i] > 0 ? gradient : 0
        }
    case .leakyRectifiedLinear(let slope):
        let a = Scalar(slope)
        for i in 0..<count {
            let gradient = dy[i]
            dx[i] = cached[i] > 0 ? gradient : a * gradient
        }
    case .sigmoid:
        var i = 0
        while i + 8 <= count {
            let value = load8(cached + i)
            store8(load8(dy + i) * value * (1 - value), dx + i)
            i += 8
        }
        while i < count {
            dx[i] = dy[i] * cached[i] * (1 - cached[i])
            i += 1
        }
    case .hyperbolicTangent:
        for i in 0..<count { dx[i] = dy[i] * (1 - cached[i] * cached[i]) }
    }
}

/// sigma(x) = 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) otherwise (no overflow).
@inline(__always)
func stableSigmoid<Scalar: NeuralScalar>(_ x: Scalar) -> Scalar {
    if x >= 0 {
        return 1 / (1 + Scalar.exponential(-x))
    } else {
        let e = Scalar.exponential(x)
        return e / (1 + e)
    }
}

/// Shared implementation of the pointwise activation layers.
func activationLayerForward<Scalar: NeuralScalar>(_ kind: ActivationKind, _ input: Tensor<Scalar>) -> Tensor<Scalar> {
    Tensor(shape: input.shape) { y in
        input.scalars.withBase { activationForward(kind, $0, count: input.count, output: y) }
    }
}

/// Shared implementation of the pointwise activation layers' backward.
func activationLayerBackward<Scalar: NeuralScalar>(
    _ kind: ActivationKind, cached: Tensor<Scalar>?, outputGradient: Tensor<Scalar>, layer: AnyObject
) throws -> Tensor<Scalar> {
    guard let cached else { throw NeuralError.backwardBeforeForward(layer: layerName(layer)) }
    try outputGradient.checkShape(cached.shape)
    return Tensor(shape: cached.shape) { dx in
        cached.scalars.withBase { c in
            outputGradient.scalars.withBase { dy in
                activationBackward(kind, cached: c, outputGradient: dy, count: cached.count, inputGradient: dx)
            }
        }
    }
}
