import Foundation
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
    /// The trainer (network, Adam state, normalization); replaced by `reinitialize(seed:)`.
    public private(set) var trainer: SurrogateTrainer
    /// The VAE whose decoder G is differentiated through.
    public let autoencoder: VAETrainer
    /// Held-out masks (0/1).
    public let testMasks: ImageBatch
    /// Held-out stress maps (kPa).
    public let testStress: ImageBatch
    /// Further committee members for QBC (differently seeded surrogates trained on the same
    /// samples); empty for the other strategies. `trainer` is member 0 and alone gives the metric.
    public private(set) var committee: [SurrogateTrainer]

    /// Creates the learner; `committee` holds the extra members for QBC.
    public init(trainer: SurrogateTrainer, autoencoder: VAETrainer, testMasks: ImageBatch, testStress: ImageBatch,
                committee: [SurrogateTrainer] = []) {
        self.trainer = trainer
        self.autoencoder = autoencoder
        self.testMasks = testMasks
        self.testStress = testStress
        self.committee = committee
    }

    /// Trains `epochs` more epochs on all samples (every committee member too, member k with
    /// shuffle seed `seed + k`).
    public func train(on samples: [SampleRecord<[Float]>], epochs: Int, seed: UInt64) throws(SamplingError) {
        let side = SurrogateTrainer.imageSize
        let masks = try learning { try ImageBatch(count: samples.count, height: side, width: side, values: samples.flatMap(\.image)) }
        let stress = try learning { try ImageBatch(count: samples.count, height: side, width: side, values: samples.flatMap(\.label)) }
        try learning { try trainer.train(masks: masks, stress: stress, epochs: epochs, shuffleSeed: seed) }
        for (k, member) in committee.enumerated() {
            try learning { try member.train(masks: masks, stress: stress, epochs: epochs, shuffleSeed: seed &+ UInt64(k + 1)) }
        }
    }

    /// Fresh surrogates of the same architecture, output masking and options: the trainer seeded
    /// by `seed`, committee member k (1-based) by seed + 1000 k (as the experiment seeds them
    /// initially); the stress normalization fitted in round 1, if any, is kept.
    public func reinitialize(seed: UInt64) throws(SamplingError) {
        func fresh(_ old: SurrogateTrainer, seed: UInt64) throws(SamplingError) -> SurrogateTrainer {
            try learning {
                try SurrogateTrainer(seed: seed, architecture: old.architecture, masksOutput: old.network.masksOutput,
                                     options: old.options, normalization: old.normalization)
            }
        }
        trainer = try fresh(trainer, seed: seed)
        committee = try committee.enumerated().map { k, member throws(SamplingError) in
            try fresh(member, seed: seed &+ 1_000 &* UInt64(k + 1))
        }
    }

    /// Mini-batches of one epoch: ceil(n / batch size), less a trailing single sample (skipped).
    public func stepsPerEpoch(sampleCount: Int) -> Int {
        miniBatchCount(sampleCount, batchSize: trainer.options.batchSize, droppingSingletons: true)
    }

    /// Per mask: the variance over the committee (the trainer and `committee`) of the predicted
    /// stress (kPa), averaged over the 64 x 64 pixels (AL4PDE's ensemble variance).
    public func committeeDisagreement(images: [[Float]]) throws(SamplingError) -> [Double] {
        guard !committee.isEmpty else {
            throw .invalidOption(name: "strategies", reason: "QBC needs a committee of at least 2 surrogates")
        }
        let side = SurrogateTrainer.imageSize
        let masks = try learning { try ImageBatch(count: images.count, height: side, width: side, values: images.flatMap { $0 }) }
        let predictions = try ([trainer] + committee).map { member throws(SamplingError) in try learning { try member.predict(masks: masks).values } }
        return committeeVariance(predictions, count: images.count)
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

/// Per item, the mean over its `values.count / count` outputs of the variance across members
/// (population variance; `predictions` holds one flat array per member, all of one length).
func committeeVariance(_ predictions: [[Float]], count: Int) -> [Double] {
    guard let first = predictions.first, count > 0 else { return [] }
    let size = first.count / count
    let m = Double(predictions.count)
    return (0..<count).map { item in
        var total = 0.0
        for j in item * size..<(item + 1) * size {
            var sum = 0.0, squares = 0.0
            for member in predictions {
                let value = Double(member[j])
                sum += value
                squares += value * value
            }
            let mean = sum / m
            total += max(0, squares / m - mean * mean)
        }
        return total / Double(size)
    }
}

/// The number of mini-batches of one epoch over `count` samples, as the trainers split them: ceil(count / size),
/// less a trailing batch of one sample when `droppingSingletons` and there is an earlier batch.
func miniBatchCount(_ count: Int, batchSize: Int, droppingSingletons: Bool) -> Int {
    guard count > 0, batchSize > 0 else { return 0 }
    let batches = (count + batchSize - 1) / batchSize
    return droppingSingletons && count > batchSize && count % batchSize == 1 ? batches - 1 : batches
}

/// Row-wise softmax of `count` rows of logits.
func softmaxRows(_ logits: [Float], count: Int) -> [Float] {
    guard count > 0 else { return [] }
    let width = logits.count / count
    var out = logits
    for row in 0..<count {
        let range = row * width..<(row + 1) * width
        let largest = logits[range].max() ?? 0
        var sum: Float = 0
        for j in range { out[j] = exp(logits[j] - largest); sum += out[j] }
        for j in range { out[j] /= sum }
    }
    return out
}

/// The MNIST classifier as the task model of an MNIST run: cross-entropy through the frozen
/// 28 x 28 decoder and classifier for the latent step; the metric is test accuracy in percent.
public final class ClassifierLearner: TaskLearner {
    /// The trainer; replaced by `reinitialize(seed:)`.
    public private(set) var trainer: ClassifierTrainer
    /// The VAE of the digit pool.
    public let autoencoder: VAETrainer
    /// Held-out images in [0, 1].
    public let testImages: ImageBatch
    /// Held-out classes.
    public let testLabels: [Int]
    /// Further committee members for QBC; empty for the other strategies.
    public private(set) var committee: [ClassifierTrainer]

    /// Creates the learner; `committee` holds the extra members for QBC.
    public init(trainer: ClassifierTrainer, autoencoder: VAETrainer, testImages: ImageBatch, testLabels: [Int],
                committee: [ClassifierTrainer] = []) {
        self.trainer = trainer
        self.autoencoder = autoencoder
        self.testImages = testImages
        self.testLabels = testLabels
        self.committee = committee
    }

    /// Trains `epochs` more epochs on all samples (every committee member too, member k with
    /// shuffle seed `seed + k`).
    public func train(on samples: [SampleRecord<Int>], epochs: Int, seed: UInt64) throws(SamplingError) {
        let side = ClassifierTrainer.imageSize
        let images = try learning { try ImageBatch(count: samples.count, height: side, width: side, values: samples.flatMap(\.image)) }
        try learning { try trainer.train(images: images, labels: samples.map(\.label), epochs: epochs, shuffleSeed: seed) }
        for (k, member) in committee.enumerated() {
            try learning { try member.train(images: images, labels: samples.map(\.label), epochs: epochs, shuffleSeed: seed &+ UInt64(k + 1)) }
        }
    }

    /// Fresh classifiers with the same options: the trainer seeded by `seed`, committee member k
    /// (1-based) by seed + 1000 k.
    public func reinitialize(seed: UInt64) throws(SamplingError) {
        let options = trainer.options
        trainer = try learning { try ClassifierTrainer(seed: seed, options: options) }
        committee = try committee.indices.map { k throws(SamplingError) in
            try learning { try ClassifierTrainer(seed: seed &+ 1_000 &* UInt64(k + 1), options: options) }
        }
    }

    /// Mini-batches of one epoch: ceil(n / batch size).
    public func stepsPerEpoch(sampleCount: Int) -> Int {
        miniBatchCount(sampleCount, batchSize: trainer.options.batchSize, droppingSingletons: false)
    }

    /// Per image: the variance over the committee of the class probabilities (softmax), averaged
    /// over the classes.
    public func committeeDisagreement(images: [[Float]]) throws(SamplingError) -> [Double] {
        guard !committee.isEmpty else {
            throw .invalidOption(name: "strategies", reason: "QBC needs a committee of at least 2 classifiers")
        }
        let side = ClassifierTrainer.imageSize
        let batch = try learning { try ImageBatch(count: images.count, height: side, width: side, values: images.flatMap { $0 }) }
        let probabilities = try ([trainer] + committee).map { member throws(SamplingError) in
            softmaxRows(try learning { try member.logits(images: batch) }, count: images.count)
        }
        return committeeVariance(probabilities, count: images.count)
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
