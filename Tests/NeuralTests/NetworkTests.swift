import Testing
@testable import Neural

/// The paper's three networks: shapes, PyTorch keys, seeding, one forward/backward.
struct NetworkTests {
    static func bytes(_ container: some ParameterContainer<Float>) -> [UInt32] {
        container.namedParameters().flatMap { $0.values.map(\.bitPattern) }
    }

    @Test func surrogateShapesAndKeys() throws {
        let surrogate = SurrogateNetwork<Float>(seed: 1)
        var generator = SeededGenerator(seed: 2)
        let input = Tensor<Float>.randomUniform(shape: [2, 1, 64, 64], generator: &generator)
        #expect(try surrogate.encoder.forward(input).shape == [2, 64, 1, 1])
        let output = try surrogate.forward(input)
        #expect(output.shape == [2, 1, 64, 64])
        #expect(output.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        let loss = try meanSquaredError(prediction: output, target: Tensor(repeating: 0.5, shape: [2, 1, 64, 64]))
        let gradient = try surrogate.backward(loss.gradient)
        #expect(gradient.shape == [2, 1, 64, 64])
        #expect(surrogate.parameters().allSatisfy { $0.gradient.scalars.contains { $0 != 0 } })

        let shapes = Dictionary(uniqueKeysWithValues: (surrogate.namedParameters() + surrogate.namedBuffers()).map { ($0.key, $0.shape) })
        #expect(shapes["encoder.0.weight"] == [8, 1, 2, 2])
        #expect(shapes["encoder.1.running_var"] == [8])
        #expect(shapes["encoder.1.num_batches_tracked"] == [])
        #expect(shapes["encoder.16.weight"] == [64, 64, 2, 2])
        #expect(shapes["decoder.1.weight"] == [64, 64, 2, 2])
        #expect(shapes["decoder.5.weight"] == [64, 32, 2, 2])
        #expect(shapes["decoder.17.weight"] == [8, 1, 3, 3])
        #expect(shapes["decoder.17.bias"] == [1])
        #expect(surrogate.namedParameters().count == 5 * 4 + 4 * 4 + 2)
        #expect(surrogate.namedBuffers().count == 9 * 3)

        surrogate.mode = .evaluation
        #expect(surrogate.encoder.layers[1].mode == .evaluation)
        #expect(throws: NeuralError.shapeMismatch(expected: [-1, 1, 64, 64], actual: [1, 1, 32, 32])) {
            try surrogate.forward(Tensor(zeros: [1, 1, 32, 32]))
        }
    }

    @Test func variationalAutoencoderShapesAndKeys() throws {
        let vae = VariationalAutoencoder<Float>(seed: 3)
        var generator = SeededGenerator(seed: 4)
        let input = Tensor<Float>.randomUniform(shape: [2, 4096], generator: &generator)
        let (mean, logVariance) = try vae.encode(input)
        #expect(mean.shape == [2, 3] && logVariance.shape == [2, 3])
        #expect(try vae.decode(mean).shape == [2, 4096])
        #expect(try vae.generativeModel(imageShape: [1, 64, 64]).forward(mean).shape == [2, 1, 64, 64])
        let loss = try vae.accumulateGradients(input: input, generator: &generator)
        #expect(loss.total.isFinite && loss.klDivergence >= 0)
        let keys = vae.namedParameters().map(\.key)
        #expect(keys == [
            "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
            "mean.weight", "mean.bias", "log_variance.weight", "log_variance.bias",
            "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias", "decoder.4.weight", "decoder.4.bias",
        ])
        #expect(vae.namedParameters()[0].shape == [400, 4096])
        #expect(vae.namedParameters()[12].shape == [4096, 400])
    }

    @Test func classifierShapesAndKeys() throws {
        let classifier = MNISTClassifier<Float>(seed: 5)
        var generator = SeededGenerator(seed: 6)
        let input = Tensor<Float>.randomUniform(shape: [2, 1, 28, 28], generator: &generator)
        let logits = try classifier.forward(input)
        #expect(logits.shape == [2, 10])
        let loss = try softmaxCrossEntropy(logits: logits, labels: [3, 7])
        #expect(try classifier.backward(loss.gradient).shape == [2, 1, 28, 28])
        let shapes = classifier.namedParameters().map { "\($0.key) \($0.shape)" }
        #expect(shapes == [
            "features.0.weight [20, 1, 5, 5]", "features.0.bias [20]", "features.2.weight [50, 20, 5, 5]",
            "features.2.bias [50]", "classifier.0.weight [500, 800]", "classifier.0.bias [500]",
            "classifier.2.weight [10, 500]", "classifier.2.bias [10]",
        ])
    }

    @Test func seededInitialisation() throws {
        #expect(Self.bytes(SurrogateNetwork<Float>(seed: 7)) == Self.bytes(SurrogateNetwork<Float>(seed: 7)))
        #expect(Self.bytes(SurrogateNetwork<Float>(seed: 7)) != Self.bytes(SurrogateNetwork<Float>(seed: 8)))
        #expect(Self.bytes(VariationalAutoencoder<Float>(seed: 7)) == Self.bytes(VariationalAutoencoder<Float>(seed: 7)))
        #expect(Self.bytes(VariationalAutoencoder<Float>(seed: 7)) != Self.bytes(VariationalAutoencoder<Float>(seed: 8)))
        #expect(Self.bytes(MNISTClassifier<Float>(seed: 7)) == Self.bytes(MNISTClassifier<Float>(seed: 7)))
        #expect(Self.bytes(MNISTClassifier<Float>(seed: 7)) != Self.bytes(MNISTClassifier<Float>(seed: 8)))
        // PyTorch default bounds: 1 / sqrt(fan in).
        let classifier = MNISTClassifier<Float>(seed: 9)
        let weight = classifier.namedParameters()[4].values
        #expect(weight.allSatisfy { abs($0) <= 1 / Float(800).squareRoot() })
        #expect(weight.contains { abs($0) > 0.9 / Float(800).squareRoot() })
        // The generator's first outputs are fixed forever.
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0x99EC_5F36_CB75_F2B4)
    }

    @Test func namedTensorsRoundTrip() throws {
        let source = SurrogateNetwork<Float>(seed: 10)
        let destination = SurrogateNetwork<Float>(seed: 11)
        var generator = SeededGenerator(seed: 12)
        let input = Tensor<Float>.randomUniform(shape: [3, 1, 64, 64], generator: &generator)
        _ = try source.forward(input)  // updates running statistics
        try destination.load(source.namedParameters() + source.namedBuffers())
        source.mode = .evaluation
        destination.mode = .evaluation
        #expect(try source.forward(input) == destination.forward(input))
        #expect(throws: NeuralError.missingKey("decoder.17.bias")) {
            try destination.load(source.namedParameters().filter { $0.key != "decoder.17.bias" })
        }
        #expect(throws: NeuralError.unknownKey("extra")) {
            try destination.load([NamedTensor(key: "extra", shape: [1], values: [0])], requiringAll: false)
        }
    }
}
