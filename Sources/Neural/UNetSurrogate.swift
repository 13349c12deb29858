/// A U-Net image-to-image surrogate: mask [N, 1, H, W] -> normalised stress map [N, 1, H, W] in (0, 1).
///
/// With C input channels (e.g. one per plaque component) the input is [N, C, H, W] and only the
/// first convolution, `down.0.0`, changes shape (weight [w_0, C, 3, 3]); the default is C = 1.
///
/// With L levels and widths w_i = baseChannels 2^i (default L = 4, w = 16, 32, 64, 128):
///
/// - `down.i` (i < L): DoubleConv(in, w_i) = Conv2d 3x3 (padding 1) -> BatchNorm2d -> ReLU ->
///   Conv2d 3x3 (padding 1) -> BatchNorm2d -> ReLU, with in = C for i = 0, else w_{i-1}.
///   Levels i < L - 1 are followed by MaxPool2d(2); `down.(L-1)` is the bottleneck at H / 2^(L-1).
/// - `up.i` (i < L - 1): ConvTranspose2d(w_{i+1} -> w_i, kernel 2, stride 2), doubling the size.
/// - `decode.i`: DoubleConv(2 w_i, w_i) on torch.cat([up.i(...), skip_i], dim=1), skip_i the
///   output of `down.i`.
/// - `head`: Conv2d 1x1 (w_0 -> 1), then a sigmoid.
///
/// Forward: e_0 = down.0(x); e_i = down.i(pool(e_{i-1})); d_{L-1} = e_{L-1};
/// d_i = decode.i(cat(up.i(d_{i+1}), e_i)); y = sigmoid(head(d_0)).
/// Backward runs the same graph in reverse; the gradient reaching e_i is the sum of the path
/// through the pooling and the skip connection's share of decode.i's input gradient.
///
/// Why this design: 3x3 convolutions with padding 1 keep the 64 x 64 grid exact at every level
/// (no cropping, unlike the paper's 2x2 chain), the skip connections hand the decoder the
/// wall's position at full resolution (the stress map is sharp at the wall's edges), and the
/// 4-level, 16-128 channel configuration (483,153 parameters) is the classic U-Net scaled to
/// 64 x 64 inputs: its receptive field at the bottleneck (8 x 8) covers the whole artery.
/// Transposed 2x2 stride-2 convolutions upsample with learned weights at low cost.
///
/// PyTorch equivalent (`UNet` in docs/pytorch/models.py, same state_dict keys, e.g.
/// "down.0.0.weight", "down.0.1.running_mean", "up.2.weight", "decode.0.3.weight", "head.bias"):
/// ```
/// def block(i, o): return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(),
///                                       nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU())
/// self.down = nn.ModuleList([block(in_channels if i == 0 else w[i - 1], w[i]) for i in range(L)])
/// self.up = nn.ModuleList([nn.ConvTranspose2d(w[i + 1], w[i], 2, stride=2) for i in range(L - 1)])
/// self.decode = nn.ModuleList([block(2 * w[i], w[i]) for i in range(L - 1)])
/// self.head = nn.Conv2d(w[0], 1, 1)
/// ```
public final class UNetSurrogate<Scalar: NeuralScalar>: Layer {
    /// Number of resolution levels L (>= 2).
    public let levels: Int
    /// Channels w_i of level i.
    public let widths: [Int]
    /// Input channels C (1: a mask).
    public let inputChannels: Int
    /// Encoder blocks `down.i`.
    public let down: [Sequential<Scalar>]
    /// Upsampling transposed convolutions `up.i`.
    public let up: [ConvTranspose2d<Scalar>]
    /// Decoder blocks `decode.i`.
    public let decode: [Sequential<Scalar>]
    /// The 1x1 output convolution `head`.
    public let head: Conv2d<Scalar>
    private let pools: [MaxPool2d<Scalar>]
    private let sigmoid = Sigmoid<Scalar>()

    /// Training (batch statistics) or evaluation (running statistics).
    public var mode: LayerMode = .training {
        didSet {
            for block in down + decode { block.mode = mode }
        }
    }

    /// The default number of levels (4).
    public static var defaultLevels: Int { 4 }
    /// The default channels of the first level (16).
    public static var defaultBaseChannels: Int { 16 }

    /// Creates the U-Net with seeded PyTorch-default initialisation, drawn in `state_dict` key order.
    /// - Parameters:
    ///   - inputChannels: Input channels C (default 1, a mask); only `down.0.0` depends on it.
    /// - Throws: `NeuralError.invalidArgument` for fewer than 2 levels, a non-positive width or
    ///   fewer than 1 input channel.
    public init(
        levels: Int = UNetSurrogate.defaultLevels, baseChannels: Int = UNetSurrogate.defaultBaseChannels,
        inputChannels: Int = 1, seed: UInt64
    ) throws {
        guard levels >= 2, baseChannels >= 1, inputChannels >= 1 else {
            throw NeuralError.invalidArgument("UNetSurrogate levels/baseChannels/inputChannels")
        }
        var generator = SeededGenerator(seed: seed)
        self.levels = levels
        self.inputChannels = inputChannels
        let widths = (0..<levels).map { baseChannels << $0 }
        self.widths = widths
        func block(_ input: Int, _ output: Int) throws -> Sequential<Scalar> {
            Sequential([
                try Conv2d(inputChannels: input, outputChannels: output, kernelSize: 3, padding: 1, generator: &generator),
                try BatchNorm2d(channels: output), ReLU(),
                try Conv2d(inputChannels: output, outputChannels: output, kernelSize: 3, padding: 1, generator: &generator),
                try BatchNorm2d(channels: output), ReLU(),
            ])
        }
        down = try (0..<levels).map { try block($0 == 0 ? inputChannels : widths[$0 - 1], widths[$0]) }
        up = try (0..<(levels - 1)).map {
            try ConvTranspose2d(inputChannels: widths[$0 + 1], outputChannels: widths[$0], kernelSize: 2, stride: 2, generator: &generator)
        }
        decode = try (0..<(levels - 1)).map { try block(2 * widths[$0], widths[$0]) }
        head = try Conv2d(inputChannels: widths[0], outputChannels: 1, kernelSize: 1, generator: &generator)
        pools = try (0..<(levels - 1)).map { _ in try MaxPool2d(kernelSize: 2) }
    }

    /// The side lengths accepted: multiples of 2^(L-1).
    public var sizeMultiple: Int { 1 << (levels - 1) }

    /// y = sigmoid(head(d_0)) [N, 1, H, W]; input [N, C, H, W] with H and W multiples of 2^(L-1).
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try input.checkShape([-1, inputChannels, -1, -1])
        guard input.shape[2] % sizeMultiple == 0, input.shape[3] % sizeMultiple == 0, input.shape[2] > 0, input.shape[3] > 0 else {
            throw NeuralError.shapeMismatch(expected: [-1, inputChannels, sizeMultiple, sizeMultiple], actual: input.shape)
        }
        var skips: [Tensor<Scalar>] = []
        var value = input
        for level in 0..<(levels - 1) {
            let encoded = try down[level].forward(value)
            skips.append(encoded)
            value = try pools[level].forward(encoded)
        }
        value = try down[levels - 1].forward(value)
        for level in (0..<(levels - 1)).reversed() {
            let upsampled = try up[level].forward(value)
            value = try decode[level].forward(ChannelConcatenation.concatenate(upsampled, skips[level]))
        }
        return try sigmoid.forward(head.forward(value))
    }

    /// Back-propagates through head, decoder (splitting each concatenation) and encoder
    /// (adding each skip's gradient to the pooled path's).
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        try backward(outputGradient, computingParameterGradients: computingParameterGradients, computingInputGradient: true)
    }

    /// The parameter gradients of `backward` without dL/dx: `down.0` only accumulates its
    /// parameter gradients (its first convolution skips the gradient of the input mask).
    public func accumulateParameterGradients(_ outputGradient: Tensor<Scalar>) throws {
        _ = try backward(outputGradient, computingParameterGradients: true, computingInputGradient: false)
    }

    private func backward(
        _ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool, computingInputGradient: Bool
    ) throws -> Tensor<Scalar> {
        let p = computingParameterGradients
        var gradient = try head.backward(sigmoid.backward(outputGradient, computingParameterGradients: p), computingParameterGradients: p)
        var skipGradients: [Tensor<Scalar>?] = Array(repeating: nil, count: levels - 1)
        for level in 0..<(levels - 1) {
            let concatenated = try decode[level].backward(gradient, computingParameterGradients: p)
            let parts = try ChannelConcatenation.split(concatenated, firstChannels: widths[level])
            skipGradients[level] = parts.second
            gradient = try up[level].backward(parts.first, computingParameterGradients: p)
        }
        gradient = try down[levels - 1].backward(gradient, computingParameterGradients: p)
        for level in (0..<(levels - 1)).reversed() {
            var encoded = try pools[level].backward(gradient, computingParameterGradients: p)
            guard let skip = skipGradients[level] else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
            let count = encoded.count
            encoded.withUnsafeMutablePointer { g in skip.scalars.withBase { addInPlaceSpecialized(g, $0, count: count) } }
            if level == 0 && !computingInputGradient {
                try down[0].accumulateParameterGradients(encoded)
                return encoded
            }
            gradient = try down[level].backward(encoded, computingParameterGradients: p)
        }
        return gradient
    }

    /// "down.i.*", "up.i.*", "decode.i.*", "head.*", in that (PyTorch registration) order.
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] {
        prefixed(down, "down") { $0.parameterReferences() } + prefixed(up, "up") { $0.parameterReferences() }
            + prefixed(decode, "decode") { $0.parameterReferences() }
            + head.parameterReferences().map { (key: "head." + $0.key, parameter: $0.parameter) }
    }

    /// BatchNorm running statistics and batch counters of every block.
    public func bufferReferences() -> [(key: String, buffer: Buffer<Scalar>)] {
        prefixed(down, "down") { $0.bufferReferences() } + prefixed(decode, "decode") { $0.bufferReferences() }
    }

    private func prefixed<Child, Item>(
        _ children: [Child], _ name: String, _ references: (Child) -> [(key: String, Item)]
    ) -> [(key: String, Item)] {
        children.enumerated().flatMap { index, child in
            references(child).map { (key: "\(name).\(index)." + $0.key, $0.1) }
        }
    }
}
