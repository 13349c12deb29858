import Testing
@testable import Neural

/// Gradients with respect to a model chain's input, through frozen models, in Double.
struct InputGradientTests {
    /// A small image-to-image CNN like the surrogate: conv, BN, ReLU, pool, upsample, convT, sigmoid.
    static func smallSurrogate(seed: UInt64) throws -> Sequential<Double> {
        var generator = SeededGenerator(seed: seed)
        return Sequential([
            try Conv2d(inputChannels: 1, outputChannels: 3, kernelSize: 2, generator: &generator),
            try BatchNorm2d(channels: 3), ReLU(), try MaxPool2d(kernelSize: 2),
            try Upsample(scaleFactor: 2),
            try ConvTranspose2d(inputChannels: 3, outputChannels: 1, kernelSize: 2, generator: &generator),
            Sigmoid(),
        ])
    }

    /// A small decoder: z (2) -> 16 -> 25 -> sigmoid -> [1, 5, 5].
    static func smallDecoder(seed: UInt64) -> Sequential<Double> {
        var generator = SeededGenerator(seed: seed)
        return Sequential([
            Linear(inputSize: 2, outputSize: 16, generator: &generator), ReLU(),
            Linear(inputSize: 16, outputSize: 25, generator: &generator), Sigmoid(), Reshape(sampleShape: [1, 5, 5]),
        ])
    }

    /// Trains one step so BatchNorm running statistics are not trivial.
    static func warmUp(_ model: Sequential<Double>, input: Tensor<Double>) throws {
        _ = try model.forward(input)
        _ = try model.forward(input)
    }

    /// Snapshot of all parameters, gradients and buffers.
    static func state(_ model: some ParameterContainer<Double>) -> [[Double]] {
        model.parameterReferences().flatMap { [$0.parameter.value.scalars, $0.parameter.gradient.scalars] }
            + model.bufferReferences().map(\.buffer.value.scalars)
    }

    @Test func throughFrozenModel() throws {
        let model = try Self.smallSurrogate(seed: 1)
        try Self.warmUp(model, input: GradientCheck.random([3, 1, 5, 5], seed: 2, in: 0..<1))
        let target = GradientCheck.random([2, 1, 5, 5], seed: 3, in: 0..<1)
        let input = GradientCheck.random([2, 1, 5, 5], seed: 4, in: 0..<1)
        let before = Self.state(model)
        let result = try inputGradient(of: model, at: input) { try meanSquaredError(prediction: $0, target: target) }
        #expect(Self.state(model) == before, "weights, gradients and running statistics untouched")
        #expect(model.mode == .training, "mode restored")
        model.mode = .evaluation
        let error = try GradientCheck.checkFunction(at: input, gradient: result.gradient) {
            try meanSquaredError(prediction: model.forward($0), target: target).value
        }
        #expect(error < 1e-6)
        #expect(abs(result.loss - (try meanSquaredError(prediction: model.forward(input), target: target).value)) < 1e-12)
    }

    /// d MSE(F(G(z)), y) / dz through a decoder G and a surrogate F.
    @Test func throughTwoModelsInSequence() throws {
        let decoder = Self.smallDecoder(seed: 5)
        let surrogate = try Self.smallSurrogate(seed: 6)
        try Self.warmUp(surrogate, input: GradientCheck.random([4, 1, 5, 5], seed: 7, in: 0..<1))
        let latent = GradientCheck.random([3, 2], seed: 8, in: -2..<2)
        let target = GradientCheck.random([3, 1, 5, 5], seed: 9, in: 0..<1)
        let before = Self.state(decoder) + Self.state(surrogate)
        let result = try inputGradient(through: [decoder, surrogate], at: latent) {
            try meanSquaredError(prediction: $0, target: target)
        }
        #expect(result.gradient.shape == [3, 2])
        #expect(Self.state(decoder) + Self.state(surrogate) == before)
        surrogate.mode = .evaluation
        let error = try GradientCheck.checkFunction(at: latent, gradient: result.gradient) {
            try meanSquaredError(prediction: surrogate.forward(decoder.forward($0)), target: target).value
        }
        #expect(error < 1e-6)
    }

    /// The VAE's generative model shares the decoder's weights and chains with a CNN.
    @Test func throughVariationalDecoder() throws {
        let vae = VariationalAutoencoder<Double>(inputSize: 25, hiddenSize: 6, latentDimension: 2, seed: 10)
        let generative = vae.generativeModel(imageShape: [1, 5, 5])
        let surrogate = try Self.smallSurrogate(seed: 11)
        let latent = GradientCheck.random([2, 2], seed: 12)
        let target = GradientCheck.random([2, 1, 5, 5], seed: 13, in: 0..<1)
        let result = try inputGradient(through: [generative, surrogate], at: latent) {
            try meanSquaredError(prediction: $0, target: target)
        }
        surrogate.mode = .evaluation
        let error = try GradientCheck.checkFunction(at: latent, gradient: result.gradient) {
            let images = try vae.decode($0).reshaped(to: [-1, 1, 5, 5])
            return try meanSquaredError(prediction: surrogate.forward(images), target: target).value
        }
        #expect(error < 1e-6)
    }
}
