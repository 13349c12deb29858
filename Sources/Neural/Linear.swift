/// A fully connected layer (PyTorch `nn.Linear`).
///
/// Forward: y = x W^T + b for x of shape [N, in], W of shape [out, in] ("weight"),
/// b of shape [out] ("bias"), y of shape [N, out].
/// Backward: dL/dx = dL/dy W, dL/dW += (dL/dy)^T x, dL/db += sum_n dL/dy[n, :].
public final class Linear<Scalar: NeuralScalar>: Layer {
    /// Number of input features.
    public let inputSize: Int
    /// Number of output features.
    public let outputSize: Int
    /// Weight of shape [out, in].
    public let weight: Parameter<Scalar>
    /// Bias of shape [out], or nil.
    public let bias: Parameter<Scalar>?
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    /// When false, `backward` skips dL/dx = dL/dy W (saving a GEMM) and returns zeros; set it
    /// for a first layer whose input needs no gradient.
    public var computesInputGradient = true
    private var cachedInput: Tensor<Scalar>?

    /// Creates a linear layer with PyTorch default initialisation: weight and bias uniform in
    /// [-1/sqrt(in), 1/sqrt(in)), drawn weight first, then bias.
    public init(inputSize: Int, outputSize: Int, bias: Bool = true, generator: inout SeededGenerator) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Parameter(Initialization.uniform(shape: [outputSize, inputSize], fanIn: inputSize, generator: &generator))
        self.bias = bias ? Parameter(Initialization.uniform(shape: [outputSize], fanIn: inputSize, generator: &generator)) : nil
    }

    /// y = x W^T + b.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try input.checkShape([-1, inputSize])
        let batch = input.shape[0]
        cachedInput = input
        let (inputSize, outputSize) = (self.inputSize, self.outputSize)
        var output: [Scalar] = zeroedArray(count: batch * outputSize)
        if let bias {
            bias.value.scalars.withBase { b in
                output.withMutableBase { y in
                    for n in 0..<batch { (y + n * outputSize).update(from: b, count: outputSize) }
                }
            }
        }
        input.scalars.withBase { x in
            weight.value.scalars.withBase { w in
                output.withMutableBase { y in
                    Scalar.generalMatrixMultiply(
                        transposeA: false, transposeB: true, m: batch, n: outputSize, k: inputSize,
                        alpha: 1, a: x, leadingDimensionA: inputSize, b: w, leadingDimensionB: inputSize,
                        beta: 1, c: y, leadingDimensionC: outputSize)
                }
            }
        }
        return Tensor(unchecked: [batch, outputSize], scalars: output)
    }

    /// dL/dx = dL/dy W; accumulates dL/dW = (dL/dy)^T x and dL/db = column sums of dL/dy.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let input = cachedInput else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        let batch = input.shape[0]
        try outputGradient.checkShape([batch, outputSize])
        let (inputSize, outputSize) = (self.inputSize, self.outputSize)
        if computingParameterGradients {
            outputGradient.scalars.withBase { dy in
                input.scalars.withBase { x in
                    weight.gradient.withUnsafeMutablePointer { dw in
                        Scalar.generalMatrixMultiply(
                            transposeA: true, transposeB: false, m: outputSize, n: inputSize, k: batch,
                            alpha: 1, a: dy, leadingDimensionA: outputSize, b: x, leadingDimensionB: inputSize,
                            beta: 1, c: dw, leadingDimensionC: inputSize)
                    }
                }
                bias?.gradient.withUnsafeMutablePointer { db in
                    accumulateChannelSums(dy, outer: batch, channels: outputSize, inner: 1, sums: db)
                }
            }
        }
        guard computesInputGradient else { return Tensor(zeros: [batch, inputSize]) }
        let inputGradient: [Scalar] = makeArray(count: batch * inputSize) { dx in
            outputGradient.scalars.withBase { dy in
                weight.value.scalars.withBase { w in
                    Scalar.generalMatrixMultiply(
                        transposeA: false, transposeB: false, m: batch, n: inputSize, k: outputSize,
                        alpha: 1, a: dy, leadingDimensionA: outputSize, b: w, leadingDimensionB: inputSize,
                        beta: 0, c: dx, leadingDimensionC: inputSize)
                }
            }
        }
        return Tensor(unchecked: [batch, inputSize], scalars: inputGradient)
    }

    /// "weight" and, if present, "bias".
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] {
        [(key: "weight", parameter: weight)] + (bias.map { [(key: "bias", parameter: $0)] } ?? [])
    }
}
