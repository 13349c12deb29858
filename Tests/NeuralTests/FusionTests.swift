import Testing
@testable import Neural

/// The fused paths of the training step: BatchNorm2d + ReLU as one pass in `Sequential`, checked
/// against central finite differences in Double and against the unfused layers run one by one
/// (the same scalars, bit for bit, in Float and Double).
struct FusionTests {
    /// Conv -> BatchNorm -> ReLU -> Conv, so that the fused pair sits inside a chain; positions
    /// 4 x 8 keep the SIMD loops and their scalar tails (width 8 plus 4 x 5 = 20 positions).
    static func chain<Scalar: NeuralScalar>(_ type: Scalar.Type, seed: UInt64) throws -> Sequential<Scalar> {
        var generator = SeededGenerator(seed: seed)
        return Sequential([
            try Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, generator: &generator),
            try BatchNorm2d(channels: 3), ReLU(),
            try Conv2d(inputChannels: 3, outputChannels: 2, kernelSize: 1, generator: &generator),
        ])
    }

    /// Finite differences through the fused pair, in training and in evaluation mode.
    @Test(arguments: [LayerMode.training, .evaluation])
    func fusedNormalizationAndReLUGradient(mode: LayerMode) throws {
        let layer = try Self.chain(Double.self, seed: 80)
        if mode == .evaluation {
            // Non-trivial running statistics and affine parameters.
            _ = try layer.forward(GradientCheck.random([3, 2, 4, 5], seed: 81))
            let normalization = layer.layers[1] as! BatchNorm2d<Double>
            normalization.weight.value = try Tensor(shape: [3], scalars: [1.5, -0.7, 0.9])
            normalization.bias.value = try Tensor(shape: [3], scalars: [0.2, 0.1, -0.3])
        }
        layer.mode = mode
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([3, 2, 4, 5], seed: 82))
    }

    /// The fused Sequential and the same layers called one by one give the same output, input
    /// gradient, parameter gradients and running statistics, bit for bit.
    @Test(arguments: [(3, 4, 5), (2, 8, 8), (1, 3, 3)])
    func fusedMatchesLayerByLayer(batch: Int, height: Int, width: Int) throws {
        try Self.expectIdentical(Float.self, shape: [batch, 2, height, width])
        try Self.expectIdentical(Double.self, shape: [batch, 2, height, width])
    }

    static func expectIdentical<Scalar: NeuralScalar>(_ type: Scalar.Type, shape: [Int]) throws {
        let (fused, separate) = (try chain(Scalar.self, seed: 83), try chain(Scalar.self, seed: 83))
        var generator = SeededGenerator(seed: 84)
        let input = Tensor<Scalar>.randomUniform(shape: shape, in: -1..<1, generator: &generator)
        for mode in [LayerMode.training, .evaluation] {
            fused.mode = mode
            separate.mode = mode
            fused.zeroGradients()
            separate.zeroGradients()
            let output = try fused.forward(input)
            var value = input
            for layer in separate.layers { value = try layer.forward(value) }
            #expect(output == value, "\(Scalar.self) \(mode) output")
            let projection = Tensor<Scalar>.randomUniform(shape: output.shape, in: -1..<1, generator: &generator)
            let inputGradient = try fused.backward(projection)
            var gradient = projection
            for layer in separate.layers.reversed() { gradient = try layer.backward(gradient) }
            #expect(inputGradient == gradient, "\(Scalar.self) \(mode) input gradient")
            for (a, b) in zip(fused.parameterReferences(), separate.parameterReferences()) {
                #expect(a.parameter.gradient == b.parameter.gradient, "\(Scalar.self) \(mode) \(a.key) gradient")
            }
            for (a, b) in zip(fused.bufferReferences(), separate.bufferReferences()) {
                #expect(a.buffer.value == b.buffer.value, "\(Scalar.self) \(mode) \(a.key)")
            }
        }
    }

    /// A ReLU that does not follow a BatchNorm2d, and a BatchNorm2d at the end, stay unfused.
    @Test func unfusedNeighbours() throws {
        var generator = SeededGenerator(seed: 85)
        let layer = Sequential<Double>([
            ReLU(), try Conv2d(inputChannels: 2, outputChannels: 2, kernelSize: 1, generator: &generator),
            try BatchNorm2d(channels: 2),
        ])
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([3, 2, 3, 4], seed: 86))
    }
}

/// `accumulateParameterGradients` (the training step's backward, without dL/dx of the input):
/// the same parameter gradients as `backward`, bit for bit, for the layers that skip work.
struct ParameterGradientOnlyTests {
    /// Forward, then the parameter gradients by `backward` and by `accumulateParameterGradients`.
    static func expectSameGradients(_ layer: some Layer<Double>, input: Tensor<Double>, seed: UInt64,
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        var generator = SeededGenerator(seed: seed)
        let output = try layer.forward(input)
        let projection = Tensor<Double>.randomUniform(shape: output.shape, in: -1..<1, generator: &generator)
        layer.zeroGradients()
        _ = try layer.backward(projection)
        let expected = layer.parameterReferences().map { ($0.key, $0.parameter.gradient) }
        _ = try layer.forward(input)
        layer.zeroGradients()
        try layer.accumulateParameterGradients(projection)
        for ((key, gradient), reference) in zip(expected, layer.parameterReferences()) {
            #expect(reference.parameter.gradient == gradient, "\(key) gradient", sourceLocation: sourceLocation)
            #expect(gradient.scalars.contains { $0 != 0 }, "\(key) gradient is zero", sourceLocation: sourceLocation)
        }
    }

    /// The U-Net's first convolution (one input channel, direct kernels) skips dL/dx.
    @Test func directConvolution() throws {
        var generator = SeededGenerator(seed: 90)
        let layer = try Conv2d<Double>(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, generator: &generator)
        try Self.expectSameGradients(layer, input: GradientCheck.random([2, 1, 4, 16], seed: 91), seed: 92)
    }

    /// A masked 2-level U-Net (fused BatchNorm + ReLU, direct convolutions down to 8 x 8).
    @Test func maskedUNet() throws {
        let layer = MaskedOutput<Double>(try UNetSurrogate(levels: 2, baseChannels: 4, seed: 93))
        let mask = GradientCheck.random([2, 1, 16, 16], seed: 94, in: 0..<1).scalars.map { $0 > 0.4 ? 1.0 : 0 }
        try Self.expectSameGradients(layer, input: try Tensor(shape: [2, 1, 16, 16], scalars: mask), seed: 95)
    }

    /// A masked U-Net on three one-hot component channels (the mask is their sum).
    @Test func maskedUNetWithComponentChannels() throws {
        let layer = MaskedOutput<Double>(try UNetSurrogate(levels: 2, baseChannels: 4, inputChannels: 3, seed: 99))
        let classes = GradientCheck.random([2, 1, 16, 16], seed: 100, in: 0..<4).scalars.map { Int($0) }
        var oneHot = [Double](repeating: 0, count: 2 * 3 * 16 * 16)
        for (pixel, code) in classes.enumerated() where code > 0 {
            let (n, p) = (pixel / 256, pixel % 256)
            oneHot[(n * 3 + code - 1) * 256 + p] = 1
        }
        try Self.expectSameGradients(layer, input: try Tensor(shape: [2, 3, 16, 16], scalars: oneHot), seed: 101)
    }

    /// The paper's network, masked (its first layer, a 2 x 2 convolution, falls back to `backward`).
    @Test func paperSurrogateModel() throws {
        let layer = SurrogateModel<Double>(architecture: .paper, masksOutput: true, seed: 96)
        let mask = GradientCheck.random([2, 1, 64, 64], seed: 97, in: 0..<1).scalars.map { $0 > 0.5 ? 1.0 : 0 }
        try Self.expectSameGradients(layer, input: try Tensor(shape: [2, 1, 64, 64], scalars: mask), seed: 98)
    }
}
