import Testing
@testable import Neural

/// Every loss's gradient against central finite differences in Double, plus stability.
struct LossTests {
    let tolerance = 1e-6

    @Test func meanSquaredErrorGradient() throws {
        let target = GradientCheck.random([3, 4], seed: 1)
        for reduction in [LossReduction.mean, .sum] {
            let prediction = GradientCheck.random([3, 4], seed: 2)
            let result = try meanSquaredError(prediction: prediction, target: target, reduction: reduction)
            let error = try GradientCheck.checkFunction(at: prediction, gradient: result.gradient) {
                try meanSquaredError(prediction: $0, target: target, reduction: reduction).value
            }
            #expect(error < tolerance)
        }
        let value = try meanSquaredError(
            prediction: Tensor<Double>(shape: [2], scalars: [1, 3]), target: Tensor(shape: [2], scalars: [0, 1])).value
        #expect(abs(value - 2.5) < 1e-12)
    }

    @Test func binaryCrossEntropyGradientAndStability() throws {
        let target = GradientCheck.random([2, 5], seed: 3, in: 0..<1)
        let logits = GradientCheck.random([2, 5], seed: 4, in: -4..<4)
        for reduction in [LossReduction.mean, .sum] {
            let result = try binaryCrossEntropyWithLogits(logits: logits, target: target, reduction: reduction)
            let error = try GradientCheck.checkFunction(at: logits, gradient: result.gradient) {
                try binaryCrossEntropyWithLogits(logits: $0, target: target, reduction: reduction).value
            }
            #expect(error < tolerance)
        }
        // Naive formula for a moderate logit.
        let x = 0.7, t = 0.3
        let sigma = 1 / (1 + (-x).exp)
        let naive = -(t * sigma.log + (1 - t) * (1 - sigma).log)
        let single = try binaryCrossEntropyWithLogits(logits: Tensor<Double>(shape: [1], scalars: [x]), target: Tensor(shape: [1], scalars: [t]))
        #expect(abs(single.value - naive) < 1e-12)
        // Huge logits stay finite: the loss is |x| for the wrong label.
        let extreme = try binaryCrossEntropyWithLogits(
            logits: Tensor<Float>(shape: [2], scalars: [200, -200]), target: Tensor(shape: [2], scalars: [0, 1]), reduction: .sum)
        #expect(abs(extreme.value - 400) < 1e-3)
        #expect(extreme.gradient.scalars == [1, -1])
    }

    @Test func softmaxCrossEntropyGradientAndStability() throws {
        let logits = GradientCheck.random([3, 4], seed: 5, in: -3..<3)
        let labels = [2, 0, 3]
        for reduction in [LossReduction.mean, .sum] {
            let result = try softmaxCrossEntropy(logits: logits, labels: labels, reduction: reduction)
            let error = try GradientCheck.checkFunction(at: logits, gradient: result.gradient) {
                try softmaxCrossEntropy(logits: $0, labels: labels, reduction: reduction).value
            }
            #expect(error < tolerance)
        }
        let uniform = try softmaxCrossEntropy(logits: Tensor<Double>(zeros: [1, 4]), labels: [1])
        #expect(abs(uniform.value - 4.0.log) < 1e-12)
        let extreme = try softmaxCrossEntropy(logits: Tensor<Float>(shape: [1, 2], scalars: [1000, 0]), labels: [1])
        #expect(abs(extreme.value - 1000) < 1e-2)
        #expect(throws: NeuralError.self) { try softmaxCrossEntropy(logits: logits, labels: [0, 1, 4]) }
    }

    @Test func klDivergenceGradient() throws {
        let mean = GradientCheck.random([3, 2], seed: 6)
        let logVariance = GradientCheck.random([3, 2], seed: 7)
        for reduction in [LossReduction.mean, .sum] {
            let result = try gaussianKLDivergence(mean: mean, logVariance: logVariance, reduction: reduction)
            let meanError = try GradientCheck.checkFunction(at: mean, gradient: result.meanGradient) {
                try gaussianKLDivergence(mean: $0, logVariance: logVariance, reduction: reduction).value
            }
            let logVarianceError = try GradientCheck.checkFunction(at: logVariance, gradient: result.logVarianceGradient) {
                try gaussianKLDivergence(mean: mean, logVariance: $0, reduction: reduction).value
            }
            #expect(meanError < tolerance)
            #expect(logVarianceError < tolerance)
        }
        let zero = try gaussianKLDivergence(mean: Tensor<Double>(zeros: [2, 3]), logVariance: Tensor(zeros: [2, 3]))
        #expect(zero.value == 0)
    }

    /// The VAE's combined loss: every parameter gradient against finite differences with fixed noise.
    @Test func variationalAutoencoderGradients() throws {
        let vae = VariationalAutoencoder<Double>(inputSize: 6, hiddenSize: 5, latentDimension: 2, seed: 8)
        let input = GradientCheck.random([3, 6], seed: 9, in: 0..<1)
        let noise = GradientCheck.random([3, 2], seed: 10)
        for reduction in [LossReduction.sum, .mean] {
            // One evaluation's gradients versus finite differences of the total loss.
            vae.zeroGradients()
            _ = try vae.accumulateGradients(input: input, noise: noise, reduction: reduction)
            let gradients = vae.parameterReferences().map { ($0.key, $0.parameter.gradient) }
            for (reference, (key, gradient)) in zip(vae.parameterReferences(), gradients) {
                let parameter = reference.parameter
                var analytic: [Double] = [], numeric: [Double] = []
                for i in GradientCheck.indices(count: parameter.value.count, limit: 12) {
                    let original = parameter.value[i]
                    parameter.value[i] = original + GradientCheck.step
                    let plus = try vae.accumulateGradients(input: input, noise: noise, reduction: reduction).total
                    parameter.value[i] = original - GradientCheck.step
                    let minus = try vae.accumulateGradients(input: input, noise: noise, reduction: reduction).total
                    parameter.value[i] = original
                    analytic.append(gradient[i])
                    numeric.append((plus - minus) / (2 * GradientCheck.step))
                }
                let error = GradientCheck.relativeError(analytic, numeric)
                #expect(error < tolerance, "\(key): \(error)")
            }
        }
    }
}

extension Double {
    fileprivate var exp: Double { Double.exponential(self) }
    fileprivate var log: Double { Double.logarithm(self) }
}
