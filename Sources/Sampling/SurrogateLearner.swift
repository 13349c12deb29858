import Learning
import Neural

/// The surrogate CNN (mask -> stress map) as the task model of an IVUS run.
///
/// Training continues from the current weights (`SurrogateTrainer.train`); the normalization
/// stress / scale is fitted to the first round's train set and then kept. The latent gradient
/// is d sum_i (F(G(z))_i - y_i / scale)^2 / dz through the frozen decoder G and surrogate F;
/// the metric is the test MSE in kPa^2 over all pixels of the held-out maps, with the wall
/// errors of `StressMapErrors` as details.
public final class SurrogateLearner: TaskLearner {
    /// The trainer (network, Adam state, normalization).
    public let trainer: SurrogateTrainer
    /// The VAE whose decoder G is differentiated through.
    public let autoencoder: VAETrainer
    /// Held-out masks (0/1).
    public let testMasks: ImageBatch
    /// Held-out stress maps (kPa).
    public let testStress: ImageBatch

    /// Creates the learner.
    public init(trainer: SurrogateTrainer, autoencoder: VAETrainer, testMasks: ImageBatch, testStress: ImageBatch) {
        self.trainer = trainer
        self.autoencoder = autoencoder
        self.testMasks = testMasks
        self.testStress = testStress
    }

    /// Trains `epochs` more epochs on all samples.
    public func train(on samples: [SampleRecord<[Float]>], epochs: Int, seed: UInt64) throws(SamplingError) {
        let side = SurrogateTrainer.imageSize
        let masks = try learning { try ImageBatch(count: samples.count, height: side, width: side, values: samples.flatMap(\.image)) }
        let stress = try learning { try ImageBatch(count: samples.count, height: side, width: side, values: samples.flatMap(\.label)) }
        try learning { try trainer.train(masks: masks, stress: stress, epochs: epochs, shuffleSeed: seed) }
    }

    /// Per-sample d squared error / dz, targets normalized as in training.
    public func latentGradients(latents: [[Double]], labels: [[Float]]) throws(SamplingError) -> [[Double]] {
        guard let normalization = trainer.normalization else {
            throw .invalidOption(name: "surrogate", reason: "latent gradients need a trained surrogate")
        }
        let side = SurrogateTrainer.imageSize
        return try squaredErrorLatentGradients(
            generator: autoencoder.model.generativeModel(imageShape: [1, side, side]), model: trainer.network,
            latents: latents, targets: labels.map { normalization.normalize($0) })
    }

    /// The full evaluation of the last `evaluate()` call (test MSE and wall errors).
    public private(set) var lastEvaluation: SurrogateEvaluation?

    /// Test MSE (kPa^2); also keeps the wall errors for `evaluationDetails()`.
    public func evaluate() throws(SamplingError) -> Double {
        let evaluation = try learning { try trainer.meanSquaredError(masks: testMasks, stress: testStress) }
        lastEvaluation = evaluation
        return evaluation.meanSquaredError
    }

    /// Median and 90th percentile over the test maps of the wall relative L2 error and of the
    /// peak-stress relative error (fractions), from the last `evaluate()`.
    public func evaluationDetails() -> [NamedMetric] {
        guard let errors = lastEvaluation?.mapErrors else { return [] }
        return [
            NamedMetric(name: "wall_rel_l2_median", value: errors.medianWallRelativeL2),
            NamedMetric(name: "wall_rel_l2_p90", value: errors.wallRelativeL2Percentile90),
            NamedMetric(name: "peak_error_median", value: errors.medianPeakRelativeError),
            NamedMetric(name: "peak_error_p90", value: errors.peakRelativeErrorPercentile90),
        ]
    }
}

/// The MNIST classifier as the task model of an MNIST run: cross-entropy through the frozen
/// 28 x 28 decoder and classifier for the latent step; the metric is test accuracy in percent.
public final class ClassifierLearner: TaskLearner {
    /// The trainer.
    public let trainer: ClassifierTrainer
    /// The VAE of the digit pool.
    public let autoencoder: VAETrainer
    /// Held-out images in [0, 1].
    public let testImages: ImageBatch
    /// Held-out classes.
    public let testLabels: [Int]

    /// Creates the learner.
    public init(trainer: ClassifierTrainer, autoencoder: VAETrainer, testImages: ImageBatch, testLabels: [Int]) {
        self.trainer = trainer
        self.autoencoder = autoencoder
        self.testImages = testImages
        self.testLabels = testLabels
    }

    /// Trains `epochs` more epochs on all samples.
    public func train(on samples: [SampleRecord<Int>], epochs: Int, seed: UInt64) throws(SamplingError) {
        let side = ClassifierTrainer.imageSize
        let images = try learning { try ImageBatch(count: samples.count, height: side, width: side, values: samples.flatMap(\.image)) }
        try learning { try trainer.train(images: images, labels: samples.map(\.label), epochs: epochs, shuffleSeed: seed) }
    }

    /// Per-sample d cross-entropy / dz.
    public func latentGradients(latents: [[Double]], labels: [Int]) throws(SamplingError) -> [[Double]] {
        let side = ClassifierTrainer.imageSize
        return try crossEntropyLatentGradients(
            generator: autoencoder.model.generativeModel(imageShape: [1, side, side]), model: trainer.network,
            latents: latents, classes: labels)
    }

    /// Test accuracy (%).
    public func evaluate() throws(SamplingError) -> Double {
        100 * (try learning { try trainer.accuracy(images: testImages, labels: testLabels) })
    }
}
