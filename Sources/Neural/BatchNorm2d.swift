/// Batch normalisation over the channels of NCHW images (PyTorch `nn.BatchNorm2d`).
///
/// Training forward, per channel c over the M = N H W values: mu = mean(x),
/// var = mean((x - mu)^2), x_hat = (x - mu) / sqrt(var + eps), y = gamma x_hat + beta;
/// running_mean = (1 - m) running_mean + m mu, running_var = (1 - m) running_var + m var M / (M - 1)
/// (unbiased, as PyTorch), num_batches_tracked += 1, with momentum m = 0.1.
/// Training backward: dL/dx = gamma / sqrt(var + eps) (dy - mean(dy) - x_hat mean(dy x_hat)),
/// dL/dgamma += sum dy x_hat, dL/dbeta += sum dy.
/// Evaluation: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta, nothing updated;
/// dL/dx = gamma dy / sqrt(running_var + eps).
public final class BatchNorm2d<Scalar: NeuralScalar>: Layer {
    /// Number of channels C.
    public let channels: Int
    /// The eps added to the variance (1e-5).
    public let epsilon: Double
    /// The momentum m of the running statistics (0.1).
    public let momentum: Double
    /// Scale gamma of shape [C] ("weight"), initialised to 1.
    public let weight: Parameter<Scalar>
    /// Shift beta of shape [C] ("bias"), initialised to 0.
    public let bias: Parameter<Scalar>
    /// Running mean of shape [C] ("running_mean"), initialised to 0.
    public let runningMean: Buffer<Scalar>
    /// Running unbiased variance of shape [C] ("running_var"), initialised to 1.
    public let runningVariance: Buffer<Scalar>
    /// Number of training batches seen, shape [] ("num_batches_tracked").
    public let batchesTracked: Buffer<Scalar>
    /// Training (batch statistics) or evaluation (running statistics).
    public var mode: LayerMode = .training
    /// The input of the last forward: backward recomputes x_hat = (x - mean) s from it (the same
    /// scalars as storing x_hat, one tensor fewer written per forward).
    private var cachedInput: Tensor<Scalar>?
    private var cachedMean: [Scalar] = []
    private var cachedInverseDeviation: [Scalar] = []
    private var cachedShape: [Int]?
    private var cachedMode: LayerMode = .training
    /// The output of the last forward when it applied the following ReLU (`forward(_:rectifying:)`):
    /// its positive entries are the ReLU's mask in backward. Nil after an unfused forward.
    private var cachedRectifiedOutput: Tensor<Scalar>?

    /// Creates a batch-norm layer with weight 1, bias 0, running mean 0 and running variance 1.
    /// - Throws: `NeuralError.invalidArgument` for non-positive channels or epsilon.
    public init(channels: Int, epsilon: Double = 1e-5, momentum: Double = 0.1) throws {
        guard channels > 0, epsilon > 0 else { throw NeuralError.invalidArgument("BatchNorm2d channels/epsilon") }
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
        weight = Parameter(Tensor(repeating: 1, shape: [channels]))
        bias = Parameter(Tensor(zeros: [channels]))
        runningMean = Buffer(Tensor(zeros: [channels]))
        runningVariance = Buffer(Tensor(repeating: 1, shape: [channels]))
        batchesTracked = Buffer(Tensor(zeros: []))
    }

    /// Normalises with batch statistics (training) or running statistics (evaluation).
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try forward(input, rectifying: false)
    }

    /// Forward of this layer and, with `rectifying`, of a ReLU after it in one pass:
    /// y = max(gamma x_hat + beta, 0), the same scalars as `ReLU().forward(forward(x))`. The next
    /// `backward` then takes dL/dy of the ReLU's output (`Sequential` fuses BatchNorm2d + ReLU so).
    public func forward(_ input: Tensor<Scalar>, rectifying: Bool) throws -> Tensor<Scalar> {
        try input.checkShape([-1, channels, -1, -1])
        let (batch, positions) = (input.shape[0], input.shape[2] * input.shape[3])
        let count = batch * positions
        let channels = self.channels
        var mean = [Scalar](repeating: 0, count: channels)
        var inverseDeviation = [Scalar](repeating: 0, count: channels)
        if mode == .training {
            guard count > 1 else { throw NeuralError.invalidArgument("BatchNorm2d needs more than one value per channel in training") }
            var variance = [Scalar](repeating: 0, count: channels)
            input.scalars.withBase { x in
                mean.withMutableBase { m in
                    variance.withMutableBase { v in
                        batchNormStatistics(x, batch: batch, channels: channels, positions: positions, mean: m, variance: v)
                    }
                }
            }
            let momentum = Scalar(self.momentum)
            let correction = Scalar(Double(count) / Double(count - 1))
            for c in 0..<channels {
                inverseDeviation[c] = 1 / (variance[c] + Scalar(epsilon)).squareRoot()
                runningMean.value[c] = (1 - momentum) * runningMean.value[c] + momentum * mean[c]
                runningVariance.value[c] = (1 - momentum) * runningVariance.value[c] + momentum * variance[c] * correction
            }
            batchesTracked.value[0] += 1
        } else {
            for c in 0..<channels {
                mean[c] = runningMean.value[c]
                inverseDeviation[c] = 1 / (runningVariance.value[c] + Scalar(epsilon)).squareRoot()
            }
        }
        let output = Tensor<Scalar>(shape: input.shape) { y in
            input.scalars.withBase { x in
                mean.withBase { m in
                    inverseDeviation.withBase { s in
                        weight.value.scalars.withBase { g in
                            bias.value.scalars.withBase { b in
                                batchNormApply(x, batch: batch, channels: channels, positions: positions,
                                               mean: m, inverseDeviation: s, gamma: g, beta: b, output: y, rectifying: rectifying)
                            }
                        }
                    }
                }
            }
        }
        cachedInput = input
        cachedMean = mean
        cachedInverseDeviation = inverseDeviation
        cachedShape = input.shape
        cachedMode = mode
        cachedRectifiedOutput = rectifying ? output : nil
        return output
    }

    /// Training: dL/dx = gamma s (dy - mean(dy) - x_hat mean(dy x_hat)); evaluation: gamma s dy,
    /// with s = 1 / sqrt(var + eps). Accumulates dL/dgamma = sum dy x_hat, dL/dbeta = sum dy.
    /// After a forward that applied the ReLU, dy is first masked by [y > 0] (the ReLU's backward).
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let shape = cachedShape, let input = cachedInput else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        try outputGradient.checkShape(shape)
        let (batch, positions) = (shape[0], shape[2] * shape[3])
        let channels = self.channels
        let rectified = cachedRectifiedOutput
        let training = cachedMode == .training
        let count = Scalar(batch * positions)
        return Tensor(shape: shape) { dx in
            var sumGradient = [Scalar](repeating: 0, count: channels)
            var sumGradientNormalized = [Scalar](repeating: 0, count: channels)
            outputGradient.scalars.withBase { dy in
                input.scalars.withBase { x in
                    cachedMean.withBase { m in
                        cachedInverseDeviation.withBase { s in
                            sumGradient.withMutableBase { s1 in
                                sumGradientNormalized.withMutableBase { s2 in
                                    withOptionalBase(rectified) { mask in
                                        batchNormGradientSums(dy, input: x, mean: m, inverseDeviation: s, mask: mask, maskedGradient: dx, batch: batch,
                                                              channels: channels, positions: positions, sumGradient: s1, sumGradientNormalized: s2)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if computingParameterGradients {
                for c in 0..<channels {
                    weight.gradient[c] += sumGradientNormalized[c]
                    bias.gradient[c] += sumGradient[c]
                }
            }
            var scale = [Scalar](repeating: 0, count: channels)
            var meanGradient = [Scalar](repeating: 0, count: channels)
            var meanGradientNormalized = [Scalar](repeating: 0, count: channels)
            for c in 0..<channels {
                scale[c] = weight.value[c] * cachedInverseDeviation[c]
                if training {
                    meanGradient[c] = sumGradient[c] / count
                    meanGradientNormalized[c] = sumGradientNormalized[c] / count
                }
            }
            // After a fused forward, dx already holds the masked dy, which the formula reads in place.
            outputGradient.scalars.withBase { dy in
                input.scalars.withBase { x in
                    cachedMean.withBase { m in
                        cachedInverseDeviation.withBase { d in
                            scale.withBase { s in
                                meanGradient.withBase { m1 in
                                    meanGradientNormalized.withBase { m2 in
                                        batchNormInputGradient(rectified == nil ? dy : UnsafePointer(dx), input: x, mean: m, inverseDeviation: d,
                                                               batch: batch, channels: channels, positions: positions, scale: s,
                                                               meanGradient: m1, meanGradientNormalized: m2, inputGradient: dx)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// "weight", "bias".
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] {
        [(key: "weight", parameter: weight), (key: "bias", parameter: bias)]
    }

    /// "running_mean", "running_var", "num_batches_tracked".
    public func bufferReferences() -> [(key: String, buffer: Buffer<Scalar>)] {
        [(key: "running_mean", buffer: runningMean), (key: "running_var", buffer: runningVariance),
         (key: "num_batches_tracked", buffer: batchesTracked)]
    }
}

/// Per-channel mean and biased variance (two passes, accumulated in Double).
/// Dispatches to `batchNormStatisticsBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func batchNormStatistics<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, batch: Int, channels: Int, positions: Int,
    mean: UnsafeMutablePointer<Scalar>, variance: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        batchNormStatisticsBody(x.cast(), batch: batch, channels: channels, positions: positions, mean: mean.cast(), variance: variance.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        batchNormStatisticsBody(x.cast(), batch: batch, channels: channels, positions: positions, mean: mean.cast(), variance: variance.cast(), as: Double.self)
    } else {
        batchNormStatisticsBody(x, batch: batch, channels: channels, positions: positions, mean: mean, variance: variance, as: Scalar.self)
    }
}

func batchNormStatisticsBody<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, batch: Int, channels: Int, positions: Int,
    mean: UnsafeMutablePointer<Scalar>, variance: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    let count = Double(batch * positions)
    for c in 0..<channels {
        var total = 0.0
        for n in 0..<batch {
            total += Double(vectorSum(x + (n * channels + c) * positions, count: positions))
        }
        let m = total / count
        let meanScalar = Scalar(m)
        var squares = 0.0
        for n in 0..<batch {
            let row = x + (n * channels + c) * positions
            let meanVector = SIMD8<Scalar>(repeating: meanScalar)
            var accumulator = SIMD8<Scalar>()
            var p = 0
            while p + 8 <= positions {
                let d = load8(row + p) - meanVector
                accumulator += d * d
                p += 8
            }
            var partial = accumulator.sum()
            while p < positions {
                let d = row[p] - meanScalar
                partial += d * d
                p += 1
            }
            squares += Double(partial)
        }
        mean[c] = meanScalar
        variance[c] = Scalar(squares / count)
    }
}

/// y = gamma x_hat + beta with x_hat = (x - mean) s, per channel; with `rectifying`, max(y, 0) as ReLU takes it.
/// Dispatches to `batchNormApplyBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func batchNormApply<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, batch: Int, channels: Int, positions: Int,
    mean: UnsafePointer<Scalar>, inverseDeviation: UnsafePointer<Scalar>, gamma: UnsafePointer<Scalar>, beta: UnsafePointer<Scalar>,
    output: UnsafeMutablePointer<Scalar>, rectifying: Bool
) {
    if Scalar.self == Float.self {
        batchNormApplyBody(x.cast(), batch: batch, channels: channels, positions: positions, mean: mean.cast(), inverseDeviation: inverseDeviation.cast(), gamma: gamma.cast(), beta: beta.cast(), output: output.cast(), rectifying: rectifying, as: Float.self)
    } else if Scalar.self == Double.self {
        batchNormApplyBody(x.cast(), batch: batch, channels: channels, positions: positions, mean: mean.cast(), inverseDeviation: inverseDeviation.cast(), gamma: gamma.cast(), beta: beta.cast(), output: output.cast(), rectifying: rectifying, as: Double.self)
    } else {
        batchNormApplyBody(x, batch: batch, channels: channels, positions: positions, mean: mean, inverseDeviation: inverseDeviation, gamma: gamma, beta: beta, output: output, rectifying: rectifying, as: Scalar.self)
    }
}

func batchNormApplyBody<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, batch: Int, channels: Int, positions: Int,
    mean: UnsafePointer<Scalar>, inverseDeviation: UnsafePointer<Scalar>, gamma: UnsafePointer<Scalar>, beta: UnsafePointer<Scalar>,
    output: UnsafeMutablePointer<Scalar>, rectifying: Bool,
    as type: Scalar.Type
) {
    for n in 0..<batch {
        for c in 0..<channels {
            let offset = (n * channels + c) * positions
            let (m, s, g, b) = (mean[c], inverseDeviation[c], gamma[c], beta[c])
            let source = x + offset
            let y = output + offset
            if rectifying {
                // ReLU's select (value > 0 ? value : 0) after the same operations as below: a scalar
                // loop with an unconditional store, which vectorises.
                for p in 0..<positions {
                    let value = g * ((source[p] - m) * s) + b
                    y[p] = value > 0 ? value : 0
                }
                continue
            }
            let (mv, sv, gv, bv) = (SIMD8(repeating: m), SIMD8(repeating: s), SIMD8(repeating: g), SIMD8(repeating: b))
            var p = 0
            while p + 8 <= positions {
                store8(gv * ((load8(source + p) - mv) * sv) + bv, y + p)
                p += 8
            }
            while p < positions {
                y[p] = g * ((source[p] - m) * s) + b
                p += 1
            }
        }
    }
}

/// Per-channel sums of dy and dy x_hat.
/// Dispatches to `batchNormGradientSumsBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func batchNormGradientSums<Scalar: NeuralScalar>(
    _ dy: UnsafePointer<Scalar>, input: UnsafePointer<Scalar>, mean: UnsafePointer<Scalar>, inverseDeviation: UnsafePointer<Scalar>,
    mask: UnsafePointer<Scalar>?, maskedGradient: UnsafeMutablePointer<Scalar>, batch: Int, channels: Int, positions: Int,
    sumGradient: UnsafeMutablePointer<Scalar>, sumGradientNormalized: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        batchNormGradientSumsBody(dy.cast(), input: input.cast(), mean: mean.cast(), inverseDeviation: inverseDeviation.cast(), mask: mask.map { $0.cast() }, maskedGradient: maskedGradient.cast(), batch: batch, channels: channels, positions: positions, sumGradient: sumGradient.cast(), sumGradientNormalized: sumGradientNormalized.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        batchNormGradientSumsBody(dy.cast(), input: input.cast(), mean: mean.cast(), inverseDeviation: inverseDeviation.cast(), mask: mask.map { $0.cast() }, maskedGradient: maskedGradient.cast(), batch: batch, channels: channels, positions: positions, sumGradient: sumGradient.cast(), sumGradientNormalized: sumGradientNormalized.cast(), as: Double.self)
    } else {
        batchNormGradientSumsBody(dy, input: input, mean: mean, inverseDeviation: inverseDeviation, mask: mask, maskedGradient: maskedGradient, batch: batch, channels: channels, positions: positions, sumGradient: sumGradient, sumGradientNormalized: sumGradientNormalized, as: Scalar.self)
    }
}

/// With `mask` (the fused ReLU's output), dy is first replaced by [mask > 0] dy, as ReLU's
/// backward gives it, written to `maskedGradient` row by row and summed while the row is in L1.
func batchNormGradientSumsBody<Scalar: NeuralScalar>(
    _ dy: UnsafePointer<Scalar>, input: UnsafePointer<Scalar>, mean: UnsafePointer<Scalar>, inverseDeviation: UnsafePointer<Scalar>,
    mask: UnsafePointer<Scalar>?, maskedGradient: UnsafeMutablePointer<Scalar>, batch: Int, channels: Int, positions: Int,
    sumGradient: UnsafeMutablePointer<Scalar>, sumGradientNormalized: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    let source = mask == nil ? dy : UnsafePointer(maskedGradient)
    for n in 0..<batch {
        for c in 0..<channels {
            let offset = (n * channels + c) * positions
            if let mask {
                // ReLU's backward select (a scalar loop with unconditional loads, which vectorises).
                for p in offset..<(offset + positions) {
                    let gradient = dy[p]
                    maskedGradient[p] = mask[p] > 0 ? gradient : 0
                }
            }
            let (m, d) = (mean[c], inverseDeviation[c])
            let (mv, dv) = (SIMD8(repeating: m), SIMD8(repeating: d))
            var a1 = SIMD8<Scalar>(), a2 = SIMD8<Scalar>()
            var p = 0
            while p + 8 <= positions {
                let g = load8(source + offset + p)
                a1 += g
                a2 += g * ((load8(input + offset + p) - mv) * dv)
                p += 8
            }
            var s1 = a1.sum(), s2 = a2.sum()
            while p < positions {
                let g = source[offset + p]
                s1 += g
                s2 += g * ((input[offset + p] - m) * d)
                p += 1
            }
            sumGradient[c] += s1
            sumGradientNormalized[c] += s2
        }
    }
}

/// dx = scale (dy - meanGradient - x_hat meanGradientNormalized), per channel.
/// Dispatches to `batchNormInputGradientBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func batchNormInputGradient<Scalar: NeuralScalar>(
    _ dy: UnsafePointer<Scalar>, input: UnsafePointer<Scalar>, mean: UnsafePointer<Scalar>, inverseDeviation: UnsafePointer<Scalar>,
    batch: Int, channels: Int, positions: Int,
    scale: UnsafePointer<Scalar>, meanGradient: UnsafePointer<Scalar>, meanGradientNormalized: UnsafePointer<Scalar>,
    inputGradient: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        batchNormInputGradientBody(dy.cast(), input: input.cast(), mean: mean.cast(), inverseDeviation: inverseDeviation.cast(), batch: batch, channels: channels, positions: positions, scale: scale.cast(), meanGradient: meanGradient.cast(), meanGradientNormalized: meanGradientNormalized.cast(), inputGradient: inputGradient.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        batchNormInputGradientBody(dy.cast(), input: input.cast(), mean: mean.cast(), inverseDeviation: inverseDeviation.cast(), batch: batch, channels: channels, positions: positions, scale: scale.cast(), meanGradient: meanGradient.cast(), meanGradientNormalized: meanGradientNormalized.cast(), inputGradient: inputGradient.cast(), as: Double.self)
    } else {
        batchNormInputGradientBody(dy, input: input, mean: mean, inverseDeviation: inverseDeviation, batch: batch, channels: channels, positions: positions, scale: scale, meanGradient: meanGradient, meanGradientNormalized: meanGradientNormalized, inputGradient: inputGradient, as: Scalar.self)
    }
}

/// `inputGradient` may be `dy` itself (updated in place).
func batchNormInputGradientBody<Scalar: NeuralScalar>(
    _ dy: UnsafePointer<Scalar>, input: UnsafePointer<Scalar>, mean: UnsafePointer<Scalar>, inverseDeviation: UnsafePointer<Scalar>,
    batch: Int, channels: Int, positions: Int,
    scale: UnsafePointer<Scalar>, meanGradient: UnsafePointer<Scalar>, meanGradientNormalized: UnsafePointer<Scalar>,
    inputGradient: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    for n in 0..<batch {
        for c in 0..<channels {
            let offset = (n * channels + c) * positions
            let (s, m1, m2) = (scale[c], meanGradient[c], meanGradientNormalized[c])
            let (m, d) = (mean[c], inverseDeviation[c])
            let (sv, m1v, m2v, mv, dv) = (SIMD8(repeating: s), SIMD8(repeating: m1), SIMD8(repeating: m2), SIMD8(repeating: m), SIMD8(repeating: d))
            var p = 0
            while p + 8 <= positions {
                let xHat = (load8(input + offset + p) - mv) * dv
                store8(sv * (load8(dy + offset + p) - m1v - xHat * m2v), inputGradient + offset + p)
                p += 8
            }
            while p < positions {
                let xHat = (input[offset + p] - m) * d
                inputGradient[offset + p] = s * (dy[offset + p] - m1 - xHat * m2)
                p += 1
            }
        }
    }
}

/// Calls `body` with the tensor's base address, or with nil when there is no tensor.
@inline(__always)
func withOptionalBase<Scalar: NeuralScalar, Result>(_ tensor: Tensor<Scalar>?, _ body: (UnsafePointer<Scalar>?) throws -> Result) rethrows -> Result {
    guard let tensor else { return try body(nil) }
    return try tensor.scalars.withBase { try body($0) }
}
