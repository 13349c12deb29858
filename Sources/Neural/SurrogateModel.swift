/// Which image-to-image network a surrogate uses (the `surrogate_network` attribute of model
/// files and the `--network` option of the commands).
public enum SurrogateArchitecture: String, Sendable, Codable, CaseIterable {
    /// The paper's network (`SurrogateNetwork`), unchanged; output not masked by default.
    case paper
    /// The U-Net (`UNetSurrogate`, 4 levels, 16-128 channels); output masked by default.
    case unet

    /// Whether the output is multiplied by the input mask unless asked otherwise:
    /// false for `paper` (faithful to the paper), true for `unet`.
    public var masksOutputByDefault: Bool { self == .unet }
}

/// A surrogate network of a chosen architecture, optionally wall-aware (`MaskedOutput`).
///
/// Forward: y = f(x), or y = f(x) * m when `masksOutput`, m the wall mask of x (x a 0/1 mask
/// [N, 1, 64, 64], m = x, so the prediction is 0 outside the wall; or x one-hot channels per wall
/// class [N, C, 64, 64], m their sum, see `MaskedOutput`). Keys are the network's own `state_dict`
/// keys (the masking has no parameters).
public final class SurrogateModel<Scalar: NeuralScalar>: Layer {
    /// The architecture.
    public let architecture: SurrogateArchitecture
    /// Whether the output is multiplied by the input mask.
    public let masksOutput: Bool
    /// Input channels C (1: the paper's mask); only the network's first layer depends on it.
    public let inputChannels: Int
    /// The bare network f (a `SurrogateNetwork` or a `UNetSurrogate`).
    public let network: any Layer<Scalar>
    private let model: any Layer<Scalar>

    /// Image side length (64).
    public static var imageSize: Int { SurrogateNetwork<Scalar>.imageSize }

    /// Training or evaluation.
    public var mode: LayerMode {
        get { model.mode }
        set { model.mode = newValue }
    }

    /// Creates a seeded single-channel network (same seed, same weights).
    /// - Parameters:
    ///   - architecture: `.paper` or `.unet` (default levels and channels).
    ///   - masksOutput: Multiply the output by the mask; nil takes `architecture.masksOutputByDefault`.
    ///   - seed: Seed of the initialisation.
    public convenience init(architecture: SurrogateArchitecture, masksOutput: Bool? = nil, seed: UInt64) {
        // One channel and the default sizes are valid, so the throwing initialiser cannot fail.
        try! self.init(architecture: architecture, masksOutput: masksOutput, inputChannels: 1, seed: seed)
    }

    /// Creates a seeded network for `inputChannels` input channels (same seed and channels, same
    /// weights; with 1 channel those of `init(architecture:masksOutput:seed:)`).
    /// - Parameters:
    ///   - architecture: `.paper` or `.unet` (default levels and channels).
    ///   - masksOutput: Multiply the output by the wall mask (the channel sum); nil takes
    ///     `architecture.masksOutputByDefault`.
    ///   - inputChannels: Input channels C >= 1; only the first convolution depends on it.
    ///   - seed: Seed of the initialisation.
    /// - Throws: `NeuralError.invalidArgument` for fewer than 1 channel.
    public init(architecture: SurrogateArchitecture, masksOutput: Bool?, inputChannels: Int, seed: UInt64) throws {
        self.architecture = architecture
        let masks = masksOutput ?? architecture.masksOutputByDefault
        self.masksOutput = masks
        self.inputChannels = inputChannels
        switch architecture {
        case .paper:
            network = try SurrogateNetwork<Scalar>(inputChannels: inputChannels, seed: seed)
        case .unet:
            network = try UNetSurrogate<Scalar>(inputChannels: inputChannels, seed: seed)
        }
        model = masks ? MaskedOutput(network) : network
    }

    /// The prediction [N, 1, 64, 64] for inputs [N, C, 64, 64] (masks: C = 1).
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try input.checkShape([-1, inputChannels, Self.imageSize, Self.imageSize])
        return try model.forward(input)
    }

    /// Back-propagates through the masking (if any) and the network.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        try model.backward(outputGradient, computingParameterGradients: computingParameterGradients)
    }

    /// Accumulates the parameter gradients only (the network's first layer skips dL/dx where it can).
    public func accumulateParameterGradients(_ outputGradient: Tensor<Scalar>) throws {
        try model.accumulateParameterGradients(outputGradient)
    }

    /// The network's parameters.
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] { model.parameterReferences() }

    /// The network's buffers.
    public func bufferReferences() -> [(key: String, buffer: Buffer<Scalar>)] { model.bufferReferences() }
}
