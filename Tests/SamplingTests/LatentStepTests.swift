import Neural
import Testing
@testable import Sampling

/// The SI latent step: gradients through the decoder and the task model, the step and the ball.
struct LatentStepTests {
    /// Central differences of `loss` at every coordinate of every code.
    static func finiteDifferences(_ latents: [[Double]], h: Double = 1e-5, loss: ([[Double]]) throws -> Double) rethrows -> [[Double]] {
        var result = latents.map { $0.map { _ in 0.0 } }
        for n in latents.indices {
            for k in latents[n].indices {
                var plus = latents, minus = latents
                plus[n][k] += h
                minus[n][k] -= h
                result[n][k] = (try loss(plus) - loss(minus)) / (2 * h)
            }
        }
        return result
    }

    static func maximumRelativeError(_ a: [[Double]], _ b: [[Double]]) -> Double {
        let scale = max(1e-12, b.flatMap { $0 }.map(abs).max()!)
        return zip(a.flatMap { $0 }, b.flatMap { $0 }).map { abs($0 - $1) }.max()! / scale
    }

    /// d sum_i (F(G(z))_i - y_i)^2 / dz through the paper's decoder and surrogate (Double, frozen).
    @Test func squaredErrorGradientMatchesFiniteDifferences() throws {
        let vae = VariationalAutoencoder<Double>(inputSize: 4096, hiddenSize: 16, latentDimension: 3, seed: 11)
        let generator = vae.generativeModel(imageShape: [1, 64, 64])
        let surrogate = SurrogateNetwork<Double>(seed: 12)
        var random = SeededGenerator(seed: 13)
        let latents = (0..<2).map { _ in (0..<3).map { _ in random.nextStandardNormal() } }
        let targets = (0..<2).map { _ in (0..<4096).map { _ in Float(random.nextUnitDouble()) } }
        let gradients = try squaredErrorLatentGradients(generator: generator, model: surrogate, latents: latents, targets: targets)
        #expect(surrogate.mode == .training, "mode restored")
        surrogate.mode = .evaluation
        let numeric = try Self.finiteDifferences(latents) { codes in
            let output = try surrogate.forward(generator.forward(Tensor(shape: [2, 3], scalars: codes.flatMap { $0 })))
            let target = try Tensor<Double>(shape: output.shape, scalars: targets.flatMap { $0.map(Double.init) })
            return try meanSquaredError(prediction: output, target: target, reduction: .sum).value
        }
        #expect(Self.maximumRelativeError(gradients, numeric) < 1e-5)
        #expect(gradients.flatMap { $0 }.contains { abs($0) > 1e-8 }, "the gradient is not trivially zero")
    }

    /// d CE(F(G(z)), c) / dz through a 28 x 28 decoder and the MNIST classifier (Double, frozen).
    @Test func crossEntropyGradientMatchesFiniteDifferences() throws {
        let vae = VariationalAutoencoder<Double>(inputSize: 784, hiddenSize: 16, latentDimension: 3, seed: 21)
        let generator = vae.generativeModel(imageShape: [1, 28, 28])
        let classifier = MNISTClassifier<Double>(seed: 22)
        let latents = [[0.3, -0.7, 1.1], [-1.2, 0.4, 0.2], [0.0, 0.9, -0.5]]
        let classes = [3, 7, 0]
        let gradients = try crossEntropyLatentGradients(generator: generator, model: classifier, latents: latents,
                                                        classes: classes, chunkSize: 2)
        let numeric = try Self.finiteDifferences(latents) { codes in
            let logits = try classifier.forward(generator.forward(Tensor(shape: [3, 3], scalars: codes.flatMap { $0 })))
            return try softmaxCrossEntropy(logits: logits, labels: classes, reduction: .sum).value
        }
        #expect(Self.maximumRelativeError(gradients, numeric) < 1e-5)
    }

    @Test func stepHasLengthAlphaAndStaysInTheBall() {
        let step = LatentStep(stepSize: 0.5, priorRadius: 2)
        let moved = step.displaced([0.1, 0.2, -0.3], along: [3, 0, 4])
        let expected = [0.1 + 0.3, 0.2, -0.3 + 0.4]
        #expect(zip(moved, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        let outside = step.displaced([1.9, 0, 0], along: [1, 0, 0])
        #expect(abs(outside[0] - 2) < 1e-12 && outside[1] == 0)
        #expect(step.displaced([0.5, 0.5, 0], along: [0, 0, 0]) == [0.5, 0.5, 0], "zero gradient: no move")
    }

    @Test func priorDrawsStayInTheBall() {
        var generator = SeededGenerator(seed: 5)
        let draws = (0..<500).map { _ in priorDraw(dimension: 3, radius: 1.5, generator: &generator) }
        #expect(draws.allSatisfy { $0.reduce(0) { $0 + $1 * $1 } <= 1.5 * 1.5 })
        #expect(draws.contains { $0.reduce(0) { $0 + $1 * $1 } > 1 }, "not confined to a smaller ball")
    }
}
