import Testing
@testable import Neural

/// Optimizers and training behaviour.
struct TrainingTests {
    /// Two Adam steps on p = (1, -2) with lr 0.1 and PyTorch defaults, numbers worked by hand:
    /// step 1, g = (0.5, 0.1): m = 0.1 g, v = 0.001 g^2, m / (1 - 0.9) = g, v / (1 - 0.999) = g^2,
    ///   p = p - 0.1 g / (|g| + 1e-8) = (0.900000002, -2.09999999);
    /// step 2, g = (-0.25, 0.3): m = (0.9 * 0.05 - 0.025, 0.9 * 0.01 + 0.03) = (0.02, 0.039),
    ///   v = (0.999 * 0.00025 + 0.001 * 0.0625, 0.999 * 0.00001 + 0.001 * 0.09) = (0.00031225, 0.00009999),
    ///   p -= 0.1 / 0.19 * m / (sqrt(v) / sqrt(0.001999) + 1e-8).
    @Test func adamStepsByHand() throws {
        let parameter = Parameter<Double>(try Tensor(shape: [2], scalars: [1, -2]))
        let adam = Adam(parameters: [parameter], learningRate: 0.1)
        parameter.gradient = try Tensor(shape: [2], scalars: [0.5, 0.1])
        adam.step()
        #expect(abs(parameter.value[0] - 0.900000002) < 1e-12)
        #expect(abs(parameter.value[1] - -2.09999999) < 1e-12)
        parameter.gradient = try Tensor(shape: [2], scalars: [-0.25, 0.3])
        adam.step()
        let expected0 = 0.900000002 - 0.1 / 0.19 * 0.02 / (0.00031225.squareRoot() / 0.001999.squareRoot() + 1e-8)
        let expected1 = -2.09999999 - 0.1 / 0.19 * 0.039 / (0.00009999.squareRoot() / 0.001999.squareRoot() + 1e-8)
        #expect(abs(expected0 - 0.8733662987) < 1e-9)
        #expect(abs(expected1 - -2.1917780978) < 1e-9)
        #expect(abs(parameter.value[0] - expected0) < 1e-12)
        #expect(abs(parameter.value[1] - expected1) < 1e-12)
        #expect(adam.stepCount == 2)
    }

    /// A parameter whose gradient stays 0 after one step: its moments decay (0.9^k, 0.999^k) and
    /// must reach exactly 0 instead of subnormal numbers (100x slower arithmetic on x86); tiny
    /// moments are flushed every `Adam.flushPeriod` steps.
    @Test func adamMomentsOfIdleParametersNeverTurnSubnormal() throws {
        let parameter = Parameter<Float>(try Tensor(shape: [11], scalars: Array(repeating: 1, count: 11)))
        let adam = Adam(parameters: [parameter], learningRate: 1e-3)
        parameter.gradient = try Tensor(shape: [11], scalars: Array(repeating: 1e-3, count: 11))
        adam.step()
        parameter.gradient = try Tensor(shape: [11], scalars: Array(repeating: 0, count: 11))
        var sawTiny = false
        for _ in 0..<1200 {
            adam.step()
            let moments = adam.firstMoments[0] + adam.secondMoments[0]
            #expect(moments.allSatisfy { $0 == 0 || $0.isNormal })
            sawTiny = sawTiny || adam.firstMoments[0].contains { $0 != 0 && $0 < 1e-18 }
        }
        #expect(sawTiny, "the first moment decayed below 1e-18 before it was flushed")
        #expect(adam.firstMoments[0].allSatisfy { $0 == 0 }, "0.9^1200 x 1e-4 is far below the smallest normal Float")
    }

    /// SGD with momentum 0.9, lr 0.1: b1 = g1, b2 = 0.9 b1 + g2.
    @Test func stochasticGradientDescentWithMomentum() throws {
        let parameter = Parameter<Double>(try Tensor(shape: [1], scalars: [1]))
        let optimizer = StochasticGradientDescent(parameters: [parameter], learningRate: 0.1, momentum: 0.9)
        parameter.gradient = try Tensor(shape: [1], scalars: [2])
        optimizer.step()
        #expect(abs(parameter.value[0] - 0.8) < 1e-15)
        parameter.gradient = try Tensor(shape: [1], scalars: [1])
        optimizer.step()
        #expect(abs(parameter.value[0] - (0.8 - 0.1 * (0.9 * 2 + 1))) < 1e-15)
    }

    /// A small CNN classifier memorises one batch (Float, Adam).
    @Test func convolutionalModelOverfitsOneBatch() throws {
        var generator = SeededGenerator(seed: 3)
        let model = Sequential<Float>([
            try Conv2d(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, generator: &generator),
            try BatchNorm2d(channels: 4), ReLU(), try MaxPool2d(kernelSize: 2),
            Flatten(), Linear(inputSize: 4 * 4 * 4, outputSize: 3, generator: &generator),
        ])
        let input = Tensor<Float>.randomNormal(shape: [6, 1, 8, 8], generator: &generator)
        let labels = [0, 1, 2, 0, 1, 2]
        let optimizer = Adam(parameters: model.parameters(), learningRate: 0.02)
        var first = 0.0, last = 0.0
        for step in 0..<150 {
            optimizer.zeroGradients()
            let loss = try softmaxCrossEntropy(logits: model.forward(input), labels: labels)
            _ = try model.backward(loss.gradient)
            optimizer.step()
            if step == 0 { first = loss.value }
            last = loss.value
        }
        #expect(last < first / 50, "loss \(first) -> \(last)")
    }

    /// A small VAE reduces its loss on one batch.
    @Test func variationalAutoencoderLearns() throws {
        let vae = VariationalAutoencoder<Float>(inputSize: 16, hiddenSize: 12, latentDimension: 2, seed: 4)
        var generator = SeededGenerator(seed: 5)
        let input = Tensor<Float>(shape: [4, 16]) { pointer in
            for i in 0..<64 { pointer[i] = (i / 16 + i % 16) % 3 == 0 ? 1 : 0 }
        }
        let optimizer = Adam(parameters: vae.parameters(), learningRate: 0.01)
        var first = 0.0, last = 0.0
        for step in 0..<200 {
            optimizer.zeroGradients()
            let loss = try vae.accumulateGradients(input: input, generator: &generator)
            optimizer.step()
            if step == 0 { first = loss.total }
            last = loss.total
        }
        #expect(last < first / 2, "loss \(first) -> \(last)")
    }
}
