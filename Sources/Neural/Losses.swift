/// How a loss combines per-element (or per-sample) terms.
public enum LossReduction: Sendable, Equatable {
    /// Average: over all elements for MSE and BCE, over the batch for cross-entropy and KL.
    case mean
    /// Plain sum.
    case sum
}

/// A loss value with its gradient with respect to the prediction (or logits).
public struct LossResult<Scalar: NeuralScalar>: Sendable {
    /// The loss L, accumulated in Double.
    public var value: Double
    /// dL/dprediction, same shape as the prediction.
    public var gradient: Tensor<Scalar>
}

/// Mean squared error (PyTorch `F.mse_loss`).
///
/// L = r sum_i (p_i - t_i)^2 with r = 1/count (mean) or 1 (sum); dL/dp_i = 2 r (p_i - t_i).
/// - Throws: `NeuralError.shapeMismatch` if the shapes differ.
public func meanSquaredError<Scalar: NeuralScalar>(
    prediction: Tensor<Scalar>, target: Tensor<Scalar>, reduction: LossReduction = .mean
) throws -> LossResult<Scalar> {
    try target.checkShape(prediction.shape)
    let scale = reduction == .mean ? 1 / Double(max(prediction.count, 1)) : 1
    var value = 0.0
    let gradient = Tensor<Scalar>(shape: prediction.shape) { g in
        prediction.scalars.withBase { p in
            target.scalars.withBase { t in
                value = squaredErrorKernel(p, t, count: prediction.count, scale: scale, gradient: g)
            }
        }
    }
    return LossResult(value: value, gradient: gradient)
}

/// Binary cross-entropy on logits, numerically stable (PyTorch `F.binary_cross_entropy_with_logits`).
///
/// L = r sum_i [max(x_i, 0) - x_i t_i + ln(1 + e^{-|x_i|})], which equals
/// -r sum_i [t_i ln sigma(x_i) + (1 - t_i) ln(1 - sigma(x_i))]; dL/dx_i = r (sigma(x_i) - t_i).
/// - Throws: `NeuralError.shapeMismatch` if the shapes differ.
public func binaryCrossEntropyWithLogits<Scalar: NeuralScalar>(
    logits: Tensor<Scalar>, target: Tensor<Scalar>, reduction: LossReduction = .mean
) throws -> LossResult<Scalar> {
    try target.checkShape(logits.shape)
    let scale = reduction == .mean ? 1 / Double(max(logits.count, 1)) : 1
    var value = 0.0
    let gradient = Tensor<Scalar>(shape: logits.shape) { g in
        logits.scalars.withBase { x in
            target.scalars.withBase { t in
                value = binaryCrossEntropyKernel(x, t, count: logits.count, scale: scale, gradient: g)
            }
        }
    }
    return LossResult(value: value, gradient: gradient)
}

/// Softmax cross-entropy on logits of shape [N, C] with integer class labels, stable via the
/// log-sum-exp shift (PyTorch `F.cross_entropy`).
///
/// L = r sum_n [log sum_c e^{x_nc} - x_{n, label_n}] with r = 1/N (mean) or 1 (sum);
/// dL/dx_nc = r (softmax(x_n)_c - [c = label_n]).
/// - Throws: `NeuralError.shapeMismatch` for a non-matrix or a label count differing from N,
///   `NeuralError.invalidArgument` for a label outside 0..<C.
public func softmaxCrossEntropy<Scalar: NeuralScalar>(
    logits: Tensor<Scalar>, labels: [Int], reduction: LossReduction = .mean
) throws -> LossResult<Scalar> {
    guard logits.rank == 2 else { throw NeuralError.shapeMismatch(expected: [labels.count, -1], actual: logits.shape) }
    try logits.checkShape([labels.count, -1])
    let (batch, classes) = (logits.shape[0], logits.shape[1])
    guard labels.allSatisfy({ $0 >= 0 && $0 < classes }) else { throw NeuralError.invalidArgument("labels") }
    let scale = reduction == .mean ? 1 / Double(max(batch, 1)) : 1
    var value = 0.0
    let gradient = Tensor<Scalar>(shape: logits.shape) { g in
        logits.scalars.withBase { x in
            labels.withBase { l in
                value = softmaxCrossEntropyKernel(x, labels: l, batch: batch, classes: classes, scale: scale, gradient: g)
            }
        }
    }
    return LossResult(value: value, gradient: gradient)
}

/// The KL term of a VAE with its gradients with respect to the mean and the log-variance.
public struct KLDivergenceResult<Scalar: NeuralScalar>: Sendable {
    /// The KL divergence value.
    public var value: Double
    /// dKL/dmu, same shape as the mean.
    public var meanGradient: Tensor<Scalar>
    /// dKL/dlogvar, same shape as the log-variance.
    public var logVarianceGradient: Tensor<Scalar>
}

/// KL divergence KL(N(mu, e^{logvar}) || N(0, 1)) of a diagonal Gaussian, as in the VAE paper.
///
/// KL = -r/2 sum (1 + logvar - mu^2 - e^{logvar}) with r = 1/N (mean over the batch) or 1 (sum);
/// dKL/dmu = r mu, dKL/dlogvar = r (e^{logvar} - 1) / 2.
/// - Throws: `NeuralError.shapeMismatch` if the shapes differ.
public func gaussianKLDivergence<Scalar: NeuralScalar>(
    mean: Tensor<Scalar>, logVariance: Tensor<Scalar>, reduction: LossReduction = .sum
) throws -> KLDivergenceResult<Scalar> {
    try logVariance.checkShape(mean.shape)
    let batch = mean.rank > 0 ? mean.shape[0] : 1
    let scale = reduction == .mean ? 1 / Double(max(batch, 1)) : 1
    var value = 0.0
    var logVarianceGradient = Tensor<Scalar>(zeros: mean.shape)
    let meanGradient = Tensor<Scalar>(shape: mean.shape) { gm in
        mean.scalars.withBase { m in
            logVariance.scalars.withBase { lv in
                logVarianceGradient.withUnsafeMutablePointer { glv in
                    value = klDivergenceKernel(m, lv, count: mean.count, scale: scale, meanGradient: gm, logVarianceGradient: glv)
                }
            }
        }
    }
    return KLDivergenceResult(value: value, meanGradient: meanGradient, logVarianceGradient: logVarianceGradient)
}

/// Dispatches to `squaredErrorKernelBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func squaredErrorKernel<Scalar: NeuralScalar>(
    _ p: UnsafePointer<Scalar>, _ t: UnsafePointer<Scalar>, count: Int, scale: Double, gradient: UnsafeMutablePointer<Scalar>
) -> Double {
    if Scalar.self == Float.self {
        return squaredErrorKernelBody(p.cast(), t.cast(), count: count, scale: scale, gradient: gradient.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        return squaredErrorKernelBody(p.cast(), t.cast(), count: count, scale: scale, gradient: gradient.cast(), as: Double.self)
    } else {
        return squaredErrorKernelBody(p, t, count: count, scale: scale, gradient: gradient, as: Scalar.self)
    }
}

func squaredErrorKernelBody<Scalar: NeuralScalar>(
    _ p: UnsafePointer<Scalar>, _ t: UnsafePointer<Scalar>, count: Int, scale: Double, gradient: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) -> Double {
    let factor = Scalar(2 * scale)
    var total = 0.0
    var partial: Scalar = 0
    for i in 0..<count {
        let d = p[i] - t[i]
        partial += d * d
        gradient[i] = factor * d
        if i & 1023 == 1023 { total += Double(partial); partial = 0 }
    }
    return (total + Double(partial)) * scale
}

/// Dispatches to `binaryCrossEntropyKernelBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func binaryCrossEntropyKernel<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, _ t: UnsafePointer<Scalar>, count: Int, scale: Double, gradient: UnsafeMutablePointer<Scalar>
) -> Double {
    if Scalar.self == Float.self {
        return binaryCrossEntropyKernelBody(x.cast(), t.cast(), count: count, scale: scale, gradient: gradient.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        return binaryCrossEntropyKernelBody(x.cast(), t.cast(), count: count, scale: scale, gradient: gradient.cast(), as: Double.self)
    } else {
        return binaryCrossEntropyKernelBody(x, t, count: count, scale: scale, gradient: gradient, as: Scalar.self)
    }
}

func binaryCrossEntropyKernelBody<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, _ t: UnsafePointer<Scalar>, count: Int, scale: Double, gradient: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) -> Double {
    let factor = Scalar(scale)
    var total = 0.0
    var partial: Scalar = 0
    for i in 0..<count {
        let value = x[i]
        let magnitude = value < 0 ? -value : value
        let e = Scalar.exponential(-magnitude)
        partial += (value > 0 ? value : 0) - value * t[i] + Scalar.logarithmOnePlus(e)
        let sigma = value >= 0 ? 1 / (1 + e) : e / (1 + e)
        gradient[i] = factor * (sigma - t[i])
        if i & 1023 == 1023 { total += Double(partial); partial = 0 }
    }
    return (total + Double(partial)) * scale
}

/// Dispatches to `softmaxCrossEntropyKernelBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func softmaxCrossEntropyKernel<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, labels: UnsafePointer<Int>, batch: Int, classes: Int, scale: Double,
    gradient: UnsafeMutablePointer<Scalar>
) -> Double {
    if Scalar.self == Float.self {
        return softmaxCrossEntropyKernelBody(x.cast(), labels: labels, batch: batch, classes: classes, scale: scale, gradient: gradient.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        return softmaxCrossEntropyKernelBody(x.cast(), labels: labels, batch: batch, classes: classes, scale: scale, gradient: gradient.cast(), as: Double.self)
    } else {
        return softmaxCrossEntropyKernelBody(x, labels: labels, batch: batch, classes: classes, scale: scale, gradient: gradient, as: Scalar.self)
    }
}

func softmaxCrossEntropyKernelBody<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, labels: UnsafePointer<Int>, batch: Int, classes: Int, scale: Double,
    gradient: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) -> Double {
    let factor = Scalar(scale)
    var total = 0.0
    for n in 0..<batch {
        let row = x + n * classes
        let g = gradient + n * classes
        var maximum = row[0]
        for c in 1..<max(classes, 1) where row[c] > maximum { maximum = row[c] }
        var sum: Scalar = 0
        for c in 0..<classes {
            let e = Scalar.exponential(row[c] - maximum)
            g[c] = e
            sum += e
        }
        total += Double(Scalar.logarithm(sum) + maximum - row[labels[n]])
        for c in 0..<classes { g[c] = factor * g[c] / sum }
        g[labels[n]] -= factor
    }
    return total * scale
}

/// Dispatches to `klDivergenceKernelBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func klDivergenceKernel<Scalar: NeuralScalar>(
    _ m: UnsafePointer<Scalar>, _ lv: UnsafePointer<Scalar>, count: Int, scale: Double,
    meanGradient: UnsafeMutablePointer<Scalar>, logVarianceGradient: UnsafeMutablePointer<Scalar>
) -> Double {
    if Scalar.self == Float.self {
        return klDivergenceKernelBody(m.cast(), lv.cast(), count: count, scale: scale, meanGradient: meanGradient.cast(), logVarianceGradient: logVarianceGradient.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        return klDivergenceKernelBody(m.cast(), lv.cast(), count: count, scale: scale, meanGradient: meanGradient.cast(), logVarianceGradient: logVarianceGradient.cast(), as: Double.self)
    } else {
        return klDivergenceKernelBody(m, lv, count: count, scale: scale, meanGradient: meanGradient, logVarianceGradient: logVarianceGradient, as: Scalar.self)
    }
}

func klDivergenceKernelBody<Scalar: NeuralScalar>(
    _ m: UnsafePointer<Scalar>, _ lv: UnsafePointer<Scalar>, count: Int, scale: Double,
    meanGradient: UnsafeMutablePointer<Scalar>, logVarianceGradient: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) -> Double {
    let factor = Scalar(scale)
    var total = 0.0
    for i in 0..<count {
        let e = Scalar.exponential(lv[i])
        total += Double(1 + lv[i] - m[i] * m[i] - e)
        meanGradient[i] = factor * m[i]
        logVarianceGradient[i] = factor * (e - 1) / 2
    }
    return -0.5 * total * scale
}
