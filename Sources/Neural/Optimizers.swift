/// An optimizer updates parameters from their accumulated gradients.
public protocol Optimizer<Scalar>: AnyObject {
    /// The scalar type of the parameters.
    associatedtype Scalar: NeuralScalar
    /// The parameters being optimised.
    var parameters: [Parameter<Scalar>] { get }
    /// Applies one update using each parameter's `gradient`.
    func step()
}

extension Optimizer {
    /// Sets every parameter gradient to zero (call before each backward pass).
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}

/// Adam with bias correction (PyTorch `torch.optim.Adam` defaults: lr 1e-3, betas (0.9, 0.999),
/// eps 1e-8, weight decay 0).
///
/// With g = grad + lambda theta and step t: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
/// theta -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
public final class Adam<Scalar: NeuralScalar>: Optimizer {
    /// The parameters being optimised.
    public let parameters: [Parameter<Scalar>]
    /// Learning rate lr.
    public var learningRate: Double
    /// First-moment decay b1.
    public let beta1: Double
    /// Second-moment decay b2.
    public let beta2: Double
    /// The eps added to the denominator.
    public let epsilon: Double
    /// L2 weight decay lambda added to the gradient.
    public let weightDecay: Double
    /// Number of steps taken so far (t after a step).
    public private(set) var stepCount = 0
    private(set) var firstMoments: [[Scalar]]
    private(set) var secondMoments: [[Scalar]]

    /// Creates an Adam optimizer with zero moment estimates.
    public init(
        parameters: [Parameter<Scalar>], learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = parameters.map { zeroedArray(count: $0.value.count) }
        secondMoments = parameters.map { zeroedArray(count: $0.value.count) }
    }

    /// One bias-corrected Adam update of every parameter.
    public func step() {
        stepCount += 1
        let t = Double(stepCount)
        let stepSize = learningRate / (1 - _power(beta1, t))
        let correction2 = (1 - _power(beta2, t)).squareRoot()
        let constants = AdamConstants(
            beta1: beta1, beta2: beta2, stepSize: stepSize, inverseCorrection2: 1 / correction2,
            epsilon: epsilon, weightDecay: weightDecay)
        for (index, parameter) in parameters.enumerated() {
            let count = parameter.value.count
            parameter.gradient.scalars.withBase { g in
                parameter.value.withUnsafeMutablePointer { p in
                    firstMoments[index].withMutableBase { m in
                        secondMoments[index].withMutableBase { v in
                            adamKernel(p, gradient: g, first: m, second: v, count: count, constants: constants)
                        }
                    }
                }
            }
        }
        if stepCount % Self.flushPeriod == 0 { flushTinyMoments() }
    }

    /// Steps between two passes of `flushTinyMoments()`.
    static var flushPeriod: Int { 64 }

    /// Sets first moments below 1e-20 and second moments below 1e-30 to 0.
    ///
    /// Moments of parameters whose gradient stays 0 (weights of always-empty input pixels) decay
    /// by 0.9 and 0.999 per step into subnormal numbers, whose arithmetic costs about 100x on x86
    /// and slowed VAE training down epoch after epoch. From these thresholds the first moment needs
    /// about 390 steps to become subnormal, far more than `flushPeriod`; the values are far below
    /// anything that moves a parameter (an update of at most lr x 1e-20 / epsilon = lr x 1e-12).
    func flushTinyMoments() {
        let (firstLimit, secondLimit) = (Scalar(1e-20), Scalar(1e-30))
        for index in firstMoments.indices {
            let count = firstMoments[index].count
            firstMoments[index].withMutableBase { m in
                for i in 0..<count where m[i].magnitude < firstLimit { m[i] = 0 }
            }
            secondMoments[index].withMutableBase { v in
                for i in 0..<count where v[i] < secondLimit { v[i] = 0 }
            }
        }
    }
}

/// Stochastic gradient descent with momentum (PyTorch `torch.optim.SGD`, dampening 0).
///
/// With g = grad + lambda theta: b = g on the first step, else b = mu b + g;
/// theta -= lr (nesterov ? g + mu b : b).
public final class StochasticGradientDescent<Scalar: NeuralScalar>: Optimizer {
    /// The parameters being optimised.
    public let parameters: [Parameter<Scalar>]
    /// Learning rate lr.
    public var learningRate: Double
    /// Momentum mu (0 for plain SGD).
    public let momentum: Double
    /// L2 weight decay lambda added to the gradient.
    public let weightDecay: Double
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    private var velocities: [[Scalar]]
    private var started = false

    /// Creates an SGD optimizer.
    public init(
        parameters: [Parameter<Scalar>], learningRate: Double, momentum: Double = 0, weightDecay: Double = 0,
        nesterov: Bool = false
    ) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        velocities = parameters.map { zeroedArray(count: $0.value.count) }
    }

    /// One SGD update of every parameter.
    public func step() {
        let (lr, mu, lambda) = (Scalar(learningRate), Scalar(momentum), Scalar(weightDecay))
        for (index, parameter) in parameters.enumerated() {
            for i in 0..<parameter.value.count {
                var g = parameter.gradient[i] + lambda * parameter.value[i]
                if mu != 0 {
                    let b = started ? mu * velocities[index][i] + g : g
                    velocities[index][i] = b
                    g = nesterov ? g + mu * b : b
                }
                parameter.value[i] -= lr * g
            }
        }
        started = true
    }
}

struct AdamConstants {
    var beta1: Double
    var beta2: Double
    var stepSize: Double
    var inverseCorrection2: Double
    var epsilon: Double
    var weightDecay: Double
}

/// Dispatches to `adamKernelBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func adamKernel<Scalar: NeuralScalar>(
    _ p: UnsafeMutablePointer<Scalar>, gradient: UnsafePointer<Scalar>, first m: UnsafeMutablePointer<Scalar>,
    second v: UnsafeMutablePointer<Scalar>, count: Int, constants: AdamConstants
) {
    if Scalar.self == Float.self {
        adamKernelBody(p.cast(), gradient: gradient.cast(), first: m.cast(), second: v.cast(), count: count, constants: constants, as: Float.self)
    } else if Scalar.self == Double.self {
        adamKernelBody(p.cast(), gradient: gradient.cast(), first: m.cast(), second: v.cast(), count: count, constants: constants, as: Double.self)
    } else {
        adamKernelBody(p, gradient: gradient, first: m, second: v, count: count, constants: constants, as: Scalar.self)
    }
}

func adamKernelBody<Scalar: NeuralScalar>(
    _ p: UnsafeMutablePointer<Scalar>, gradient: UnsafePointer<Scalar>, first m: UnsafeMutablePointer<Scalar>,
    second v: UnsafeMutablePointer<Scalar>, count: Int, constants: AdamConstants,
    as type: Scalar.Type
) {
    let b1 = Scalar(constants.beta1), b2 = Scalar(constants.beta2)
    let stepSize = Scalar(constants.stepSize), inverse = Scalar(constants.inverseCorrection2)
    let epsilon = Scalar(constants.epsilon), decay = Scalar(constants.weightDecay)
    let (b1v, b2v, stepVector) = (SIMD8(repeating: b1), SIMD8(repeating: b2), SIMD8(repeating: stepSize))
    let (inverseVector, epsilonVector, decayVector) = (SIMD8(repeating: inverse), SIMD8(repeating: epsilon), SIMD8(repeating: decay))
    var start = 0
    while start + 8 <= count {
        let parameter = load8(p + start)
        let g = load8(gradient + start) + decayVector * parameter
        let first = b1v * load8(m + start) + (1 - b1v) * g
        let second = b2v * load8(v + start) + (1 - b2v) * g * g
        store8(first, m + start)
        store8(second, v + start)
        store8(parameter - stepVector * first / (second.squareRoot() * inverseVector + epsilonVector), p + start)
        start += 8
    }
    for i in start..<count {
        let g = gradient[i] + decay * p[i]
        m[i] = b1 * m[i] + (1 - b1) * g
        v[i] = b2 * v[i] + (1 - b2) * g * g
        p[i] -= stepSize * m[i] / (v[i].squareRoot() * inverse + epsilon)
    }
}

import Foundation

@inline(__always) func _power(_ base: Double, _ exponent: Double) -> Double { pow(base, exponent) }
