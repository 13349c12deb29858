/// The paper's image-to-image surrogate CNN: a 64 x 64 mask -> a 64 x 64 normalised stress map.
///
/// Input channels: 1 (the paper's wall mask) by default; with C > 1 (e.g. one channel per plaque
/// component) only the first convolution changes shape, to Conv2d(C, 8, 2 x 2): each of its 8
/// filters sees all C channels at each of its 4 taps (PyTorch's `nn.Conv2d(C, 8, 2)`, weight
/// [8, C, 2, 2], initialised with fan-in 4 C). Everything after it is unchanged.
///
/// Encoder: five blocks Conv2d(2 x 2, stride 1, no padding) -> BatchNorm2d -> ReLU -> MaxPool2d(2)
/// with channels 8, 16, 32, 64, 64; spatial sizes 64 -> 63 -> 31 -> 30 -> 15 -> 14 -> 7 -> 6 -> 3 -> 2 -> 1.
/// Decoder: five blocks Upsample(x2, nearest) -> ConvTranspose2d(2 x 2, stride 1) -> BatchNorm2d -> ReLU
/// with channels 64, 32, 16, 8, 1; sizes 1 -> 2 -> 3 -> 6 -> 7 -> 14 -> 15 -> 30 -> 31 -> 62 -> 64,
/// and a sigmoid output.
///
/// Deviation from the appendix (the smallest change that closes the shapes at 64 x 64): with
/// 2 x 2 stride-1 transposed convolutions every block ends at an odd size, so 64 cannot be reached.
/// The last transposed convolution (8 -> 1) uses a 3 x 3 kernel (62 -> 64), and the last block has
/// no BatchNorm / ReLU (a ReLU before the sigmoid would confine the output to [0.5, 1)).
///
/// PyTorch equivalent (state_dict keys "encoder.0.weight", "encoder.1.running_mean", ...,
/// "decoder.17.weight"):
/// ```
/// enc, c = [], in_channels  # 1 = the paper
/// for k in [8, 16, 32, 64, 64]:
///     enc += [nn.Conv2d(c, k, 2), nn.BatchNorm2d(k), nn.ReLU(), nn.MaxPool2d(2)]; c = k
/// dec = []
/// for i, k in enumerate([64, 32, 16, 8]):
///     dec += [nn.Upsample(scale_factor=2), nn.ConvTranspose2d(c, k, 2), nn.BatchNorm2d(k), nn.ReLU()]; c = k
/// dec += [nn.Upsample(scale_factor=2), nn.ConvTranspose2d(8, 1, 3), nn.Sigmoid()]
/// self.encoder, self.decoder = nn.Sequential(*enc), nn.Sequential(*dec)
/// ```
public final class SurrogateNetwork<Scalar: NeuralScalar>: Layer {
    /// Input [N, C, 64, 64] -> code [N, 64, 1, 1].
    public let encoder: Sequential<Scalar>
    /// Code [N, 64, 1, 1] -> stress map [N, 1, 64, 64] in (0, 1).
    public let decoder: Sequential<Scalar>
    private let body: Sequential<Scalar>

    /// Training (batch statistics) or evaluation (running statistics).
    public var mode: LayerMode {
        get { body.mode }
        set { body.mode = newValue }
    }

    /// Input channels C (1: the paper's mask).
    public let inputChannels: Int

    /// Image side length (64).
    public static var imageSize: Int { 64 }

    /// Creates the paper's surrogate (one input channel) with seeded PyTorch-default
    /// initialisation, layers drawn in key order.
    public convenience init(seed: UInt64) {
        // One channel is valid, so the throwing initialiser cannot fail.
        try! self.init(inputChannels: 1, seed: seed)
    }

    /// Creates the surrogate for `inputChannels` input channels (only the first convolution
    /// depends on it) with seeded PyTorch-default initialisation, layers drawn in key order;
    /// with 1 channel the weights are those of `init(seed:)`.
    /// - Throws: `NeuralError.invalidArgument` for fewer than 1 channel.
    public init(inputChannels: Int, seed: UInt64) throws {
        guard inputChannels >= 1 else { throw NeuralError.invalidArgument("SurrogateNetwork inputChannels \(inputChannels)") }
        self.inputChannels = inputChannels
        var generator = SeededGenerator(seed: seed)
        var encoderLayers: [any Layer<Scalar>] = []
        var channels = inputChannels
        // The sizes below are valid constants, so the throwing initialisers cannot fail.
        for width in [8, 16, 32, 64, 64] {
            encoderLayers += [
                try! Conv2d(inputChannels: channels, outputChannels: width, kernelSize: 2, generator: &generator),
                try! BatchNorm2d(channels: width), ReLU(), try! MaxPool2d(kernelSize: 2),
            ]
            channels = width
        }
        var decoderLayers: [any Layer<Scalar>] = []
        for width in [64, 32, 16, 8] {
            decoderLayers += [
                try! Upsample(scaleFactor: 2),
                try! ConvTranspose2d(inputChannels: channels, outputChannels: width, kernelSize: 2, generator: &generator),
                try! BatchNorm2d(channels: width), ReLU(),
            ]
            channels = width
        }
        decoderLayers += [
            try! Upsample(scaleFactor: 2),
            try! ConvTranspose2d(inputChannels: channels, outputChannels: 1, kernelSize: 3, generator: &generator),
            Sigmoid(),
        ]
        encoder = Sequential(encoderLayers)
        decoder = Sequential(decoderLayers)
        body = Sequential(named: [(name: "encoder", layer: encoder), (name: "decoder", layer: decoder)])
    }

    /// Stress map [N, 1, 64, 64] = decoder(encoder(x)); input x [N, C, 64, 64].
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try input.checkShape([-1, inputChannels, Self.imageSize, Self.imageSize])
        return try body.forward(input)
    }

    /// Back-propagates through decoder then encoder.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        try body.backward(outputGradient, computingParameterGradients: computingParameterGradients)
    }

    /// The parameter gradients of `backward`, without dL/dx where the first layer can skip it.
    public func accumulateParameterGradients(_ outputGradient: Tensor<Scalar>) throws {
        try body.accumulateParameterGradients(outputGradient)
    }

    /// "encoder.<i>.*" and "decoder.<i>.*".
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] { body.parameterReferences() }

    /// BatchNorm running statistics and batch counters.
    public func bufferReferences() -> [(key: String, buffer: Buffer<Scalar>)] { body.bufferReferences() }
}
