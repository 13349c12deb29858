/// The paper's variational autoencoder for flattened 64 x 64 masks.
///
/// Encoder: x (4096) -> Linear 400 -> ReLU -> Linear 400 -> ReLU -> h; mu = Linear(h) and
/// logvar = Linear(h), each of dimension 3. Reparameterisation: z = mu + eps e^{logvar / 2},
/// eps ~ N(0, 1). Decoder: z -> Linear 400 -> ReLU -> Linear 400 -> ReLU -> Linear 4096 -> logits,
/// image = sigmoid(logits). Loss: BCE(logits, x) + KL(mu, logvar), summed over elements (and,
/// with `.mean`, divided by the batch size); BCE is computed on the logits for stability.
///
/// PyTorch equivalent (state_dict keys):
/// ```
/// self.encoder = nn.Sequential(nn.Linear(4096, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU())
/// self.mean = nn.Linear(400, 3)
/// self.log_variance = nn.Linear(400, 3)
/// self.decoder = nn.Sequential(nn.Linear(3, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 4096))
/// ```
/// giving "encoder.0.weight", "encoder.2.bias", "mean.weight", "log_variance.bias", "decoder.4.weight", ...
public final class VariationalAutoencoder<Scalar: NeuralScalar>: ParameterContainer {
    /// The loss terms of one VAE evaluation.
    public struct Loss: Sendable {
        /// reconstruction + klDivergence.
        public var total: Double
        /// The BCE reconstruction term.
        public var reconstruction: Double
        /// The KL term.
        public var klDivergence: Double
    }

    /// Input features (4096 for 64 x 64 masks).
    public let inputSize: Int
    /// Hidden layer width (400).
    public let hiddenSize: Int
    /// Latent dimension (3).
    public let latentDimension: Int
    /// x -> h.
    public let encoder: Sequential<Scalar>
    /// h -> mu.
    public let meanHead: Linear<Scalar>
    /// h -> logvar.
    public let logVarianceHead: Linear<Scalar>
    /// z -> logits.
    public let decoder: Sequential<Scalar>
    /// Training or evaluation (no layer of the VAE depends on it).
    public var mode: LayerMode = .training {
        didSet { for part in [encoder, decoder] { part.mode = mode }; meanHead.mode = mode; logVarianceHead.mode = mode }
    }

    /// Creates the VAE with seeded PyTorch-default initialisation, layers drawn in key order.
    public init(inputSize: Int = 4096, hiddenSize: Int = 400, latentDimension: Int = 3, seed: UInt64) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.latentDimension = latentDimension
        var generator = SeededGenerator(seed: seed)
        encoder = Sequential([
            Linear(inputSize: inputSize, outputSize: hiddenSize, generator: &generator), ReLU(),
            Linear(inputSize: hiddenSize, outputSize: hiddenSize, generator: &generator), ReLU(),
        ])
        meanHead = Linear(inputSize: hiddenSize, outputSize: latentDimension, generator: &generator)
        logVarianceHead = Linear(inputSize: hiddenSize, outputSize: latentDimension, generator: &generator)
        decoder = Sequential([
            Linear(inputSize: latentDimension, outputSize: hiddenSize, generator: &generator), ReLU(),
            Linear(inputSize: hiddenSize, outputSize: hiddenSize, generator: &generator), ReLU(),
            Linear(inputSize: hiddenSize, outputSize: inputSize, generator: &generator),
        ])
        // The data needs no gradient: skip the largest GEMM of the backward pass.
        (encoder.layers[0] as? Linear<Scalar>)?.computesInputGradient = false
    }

    /// Returns (mu, logvar), each [N, latent], for x of shape [N, inputSize].
    public func encode(_ input: Tensor<Scalar>) throws -> (mean: Tensor<Scalar>, logVariance: Tensor<Scalar>) {
        let hidden = try encoder.forward(input)
        return (try meanHead.forward(hidden), try logVarianceHead.forward(hidden))
    }

    /// Returns the decoder logits [N, inputSize] for z of shape [N, latent].
    public func decodeLogits(_ latent: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try decoder.forward(latent)
    }

    /// Returns sigmoid(decoder logits), the reconstructed image probabilities.
    public func decode(_ latent: Tensor<Scalar>) throws -> Tensor<Scalar> {
        activationLayerForward(.sigmoid, try decoder.forward(latent))
    }

    /// A model G(z) = reshape(sigmoid(decoder(z))) sharing this VAE's decoder weights, for
    /// chaining with a surrogate in `inputGradient(through:at:loss:)`.
    /// - Parameter imageShape: Per-sample output shape, e.g. [1, 64, 64].
    public func generativeModel(imageShape: [Int]) -> Sequential<Scalar> {
        Sequential([decoder, Sigmoid(), Reshape(sampleShape: imageShape)])
    }

    /// Evaluates the loss for input x with given noise eps and accumulates every parameter's gradient.
    ///
    /// Backward: dL/dz = decoder^T dBCE/dlogits; dL/dmu = dL/dz + dKL/dmu;
    /// dL/dlogvar = dL/dz eps e^{logvar/2} / 2 + dKL/dlogvar; dL/dh from both heads, then the encoder.
    /// - Parameters:
    ///   - input: x, [N, inputSize], values in [0, 1].
    ///   - noise: eps, [N, latent].
    ///   - reduction: `.sum` (PyTorch VAE example) or `.mean` (divided by N).
    public func accumulateGradients(
        input: Tensor<Scalar>, noise: Tensor<Scalar>, reduction: LossReduction = .sum
    ) throws -> Loss {
        try input.checkShape([-1, inputSize])
        let batch = input.shape[0]
        try noise.checkShape([batch, latentDimension])
        let (mean, logVariance) = try encode(input)
        var latent = mean
        var deviation = logVariance
        for i in 0..<latent.count {
            deviation[i] = Scalar.exponential(logVariance[i] / 2)
            latent[i] = mean[i] + noise[i] * deviation[i]
        }
        let logits = try decoder.forward(latent)
        var reconstruction = try binaryCrossEntropyWithLogits(logits: logits, target: input, reduction: .sum)
        var divergence = try gaussianKLDivergence(mean: mean, logVariance: logVariance, reduction: .sum)
        var scale = 1.0
        if reduction == .mean {
            scale = 1 / Double(batch)
            let factor = Scalar(scale)
            let count = reconstruction.gradient.count
            reconstruction.gradient.withUnsafeMutablePointer { g in
                for i in 0..<count { g[i] *= factor }
            }
            for i in 0..<divergence.meanGradient.count {
                divergence.meanGradient[i] *= factor
                divergence.logVarianceGradient[i] *= factor
            }
        }
        let latentGradient = try decoder.backward(reconstruction.gradient)
        var meanGradient = divergence.meanGradient
        var logVarianceGradient = divergence.logVarianceGradient
        for i in 0..<latentGradient.count {
            meanGradient[i] += latentGradient[i]
            logVarianceGradient[i] += latentGradient[i] * noise[i] * deviation[i] / 2
        }
        var hiddenGradient = try meanHead.backward(meanGradient)
        let fromLogVariance = try logVarianceHead.backward(logVarianceGradient)
        hiddenGradient.withUnsafeMutablePointer { h in
            fromLogVariance.scalars.withBase { l in
                for i in 0..<fromLogVariance.count { h[i] += l[i] }
            }
        }
        _ = try encoder.backward(hiddenGradient)
        let reconstructionValue = reconstruction.value * scale
        let divergenceValue = divergence.value * scale
        return Loss(total: reconstructionValue + divergenceValue, reconstruction: reconstructionValue, klDivergence: divergenceValue)
    }

    /// As `accumulateGradients(input:noise:reduction:)`, drawing eps ~ N(0, 1) from `generator`.
    public func accumulateGradients(
        input: Tensor<Scalar>, generator: inout SeededGenerator, reduction: LossReduction = .sum
    ) throws -> Loss {
        let batch = input.rank > 0 ? input.shape[0] : 0
        let noise = Tensor<Scalar>.randomNormal(shape: [batch, latentDimension], generator: &generator)
        return try accumulateGradients(input: input, noise: noise, reduction: reduction)
    }

    /// "encoder.*", "mean.*", "log_variance.*", "decoder.*".
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] {
        func prefix(_ name: String, _ part: some ParameterContainer<Scalar>) -> [(key: String, parameter: Parameter<Scalar>)] {
            part.parameterReferences().map { (key: name + "." + $0.key, parameter: $0.parameter) }
        }
        return prefix("encoder", encoder) + prefix("mean", meanHead) + prefix("log_variance", logVarianceHead)
            + prefix("decoder", decoder)
    }

    /// No buffers.
    public func bufferReferences() -> [(key: String, buffer: Buffer<Scalar>)] { [] }
}
