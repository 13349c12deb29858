import Foundation
import Learning

/// The options of `plaquefem experiment mnist`; stored as JSON with the results.
public struct MNISTExperimentOptions: Sendable, Codable, Equatable {
    /// Training images used as the pool (the first N of the 60,000). Default 60,000.
    public var poolSize = 60_000
    /// Test images used for the accuracy (the first N of the 10,000). Default 2,000.
    public var testSize = 2_000
    /// Epochs of VAE training on the pool. Default 10.
    public var autoencoderEpochs = 10
    /// Repeats per strategy. Default 5.
    public var repeats = 5
    /// The strategies compared. Default SNN and random.
    public var strategies: [SamplingStrategy] = [.nearestNeighbour, .random]
    /// Base seed; repeat r uses seed + r. Default 1.
    public var seed: UInt64 = 1
    /// Progressive sampling: 10 rounds of 100 labels, 10 epochs per round by default.
    public var sampling: SamplingOptions = {
        var options = SamplingOptions()
        options.initialCount = 100
        options.increment = 100
        options.anchorsPerRound = 100
        options.epochsPerRound = 10
        return options
    }()
    /// Classifier training options.
    public var classifier = ClassifierTrainingOptions()
    /// QBC: classifiers in the committee, the run's own included (>= 2). Default 3.
    public var committeeSize = 3

    /// The defaults (the full experiment).
    public init() {}

    /// A small configuration for tests and a quick look: 5,000 pool images, 1,000 test images,
    /// 4 rounds of 50 labels, 2 repeats.
    public static var quick: MNISTExperimentOptions {
        var options = MNISTExperimentOptions()
        options.poolSize = 5_000
        options.testSize = 1_000
        options.autoencoderEpochs = 5
        options.repeats = 2
        options.sampling.rounds = 4
        options.sampling.initialCount = 50
        options.sampling.increment = 50
        options.sampling.anchorsPerRound = 50
        options.sampling.epochsPerRound = 8
        return options
    }

    /// Throws `SamplingError.invalidOption` for the first option out of range.
    public func validate() throws(SamplingError) {
        try sampling.validate()
        guard poolSize >= 1 else { throw .invalidOption(name: "poolSize", reason: "must be positive, got \(poolSize)") }
        guard testSize >= 1 else { throw .invalidOption(name: "testSize", reason: "must be positive, got \(testSize)") }
        guard autoencoderEpochs >= 1 else {
            throw .invalidOption(name: "autoencoderEpochs", reason: "must be at least 1, got \(autoencoderEpochs)")
        }
        guard repeats >= 1 else { throw .invalidOption(name: "repeats", reason: "must be at least 1, got \(repeats)") }
        guard !strategies.isEmpty, !strategies.contains(where: \.synthesizes) else {
            throw .invalidOption(name: "strategies", reason: "MNIST has no labeling tool: SNN, SI-pool, coreset, QBC and random only")
        }
        guard committeeSize >= 2 || !strategies.contains(.committee) else {
            throw .invalidOption(name: "committeeSize", reason: "QBC needs at least 2 classifiers, got \(committeeSize)")
        }
        let needed = sampling.labelCount(afterRound: sampling.rounds)
        guard needed <= poolSize else {
            throw .invalidOption(name: "poolSize", reason: "the runs need \(needed) pool images, the pool has \(poolSize)")
        }
    }
}

/// What `MNISTExperiment.run` produced.
public struct MNISTExperimentResult: Sendable {
    /// The options.
    public var options: MNISTExperimentOptions
    /// Test accuracy (%) after every round, for every strategy and repeat.
    public var curves: ExperimentCurves
    /// Every run, in the order of `curves.curves`.
    public var runs: [SamplingRun<Int>]
    /// Dice of the VAE's binarized reconstruction of the first 1,000 pool images (> 0.5 = ink).
    public var autoencoderDice: Double
    /// Seconds of VAE training.
    public var autoencoderSeconds: Double
    /// Summed activity times of all runs.
    public var runTimings: SamplingTimings
}

/// The MNIST experiment: SNN against random sampling from the labeled pool of training images,
/// with the paper's small CNN classifier; test accuracy after every round.
public struct MNISTExperiment: Sendable {
    /// The options.
    public let options: MNISTExperimentOptions

    /// Creates the experiment after checking the options.
    public init(options: MNISTExperimentOptions) throws(SamplingError) {
        try options.validate()
        self.options = options
    }

    /// Runs everything on `dataset`; `progress` receives one line per step.
    public func run(dataset: MNISTDataset, progress: (String) -> Void = { _ in }) throws(SamplingError) -> MNISTExperimentResult {
        let poolCount = min(options.poolSize, dataset.training.count)
        let testCount = min(options.testSize, dataset.test.count)
        let side = dataset.training.rows
        let pool = DigitImages(rows: side, columns: dataset.training.columns,
                               pixels: Array(dataset.training.pixels.prefix(poolCount * side * dataset.training.columns)),
                               labels: Array(dataset.training.labels.prefix(poolCount)))
        let testImages = try learning {
            try ImageBatch(count: testCount, height: side, width: side,
                           values: dataset.test.pixels.prefix(testCount * side * side).map { Float($0) / 255 })
        }
        let testLabels = Array(dataset.test.labels.prefix(testCount))

        let start = ContinuousClock.now
        let autoencoder = try learning { try VAETrainer(seed: options.seed, imageHeight: side, imageWidth: side) }
        let poolImages = try learning {
            try ImageBatch(count: poolCount, height: side, width: side, values: pool.pixels.map { Float($0) / 255 })
        }
        try learning {
            try autoencoder.train(images: poolImages, epochs: options.autoencoderEpochs, shuffleSeed: options.seed) { record in
                progress(String(format: "VAE epoch %d: loss %.1f (reconstruction %.1f, KL %.2f)", record.epoch, record.loss,
                                record.reconstructionLoss, record.klDivergence))
            }
        }
        let autoencoderSeconds = seconds(since: start)
        let dice = try learning { try autoencoder.reconstructionDice(images: poolImages.slice(0..<min(1_000, poolCount))) }
        progress(String(format: "VAE trained in %.1f s: reconstruction Dice %.3f", autoencoderSeconds, dice))
        let domain = try DigitDomain(pool: pool, autoencoder: autoencoder)

        var curves = ExperimentCurves(metricName: "test accuracy", metricUnit: "%", lowerIsBetter: false)
        var runs: [SamplingRun<Int>] = []
        var timings = SamplingTimings()
        for repeatIndex in 0..<options.repeats {
            for strategy in options.strategies {
                let seed = options.seed &+ UInt64(repeatIndex)
                let trainer = try learning { try ClassifierTrainer(seed: seed, options: options.classifier) }
                let committee = strategy == .committee ? try (1..<options.committeeSize).map { k throws(SamplingError) in
                    try learning { try ClassifierTrainer(seed: seed &+ 1_000 &* UInt64(k), options: options.classifier) }
                } : []
                let learner = ClassifierLearner(trainer: trainer, autoencoder: autoencoder, testImages: testImages, testLabels: testLabels,
                                                committee: committee)
                var sampling = options.sampling
                sampling.seed = seed
                let run = try ProgressiveSampler(domain: domain, learner: learner, options: sampling).run(strategy: strategy) { round, time in
                    progress("\(strategy.rawValue) " + String(
                        format: "repeat %d round %d: %d labels, test accuracy %.2f %% (training %.0f s, gradients %.1f s)",
                        repeatIndex + 1, round.round, round.labelCount, round.metric, time.training, time.latentGradients))
                }
                curves.curves.append(.init(strategy: strategy, repeatIndex: repeatIndex, rounds: run.curve))
                timings.add(run.timings)
                runs.append(run)
            }
        }
        return MNISTExperimentResult(options: options, curves: curves, runs: runs, autoencoderDice: dice,
                                     autoencoderSeconds: autoencoderSeconds, runTimings: timings)
    }
}

extension MNISTExperimentResult {
    /// Where the time went, one line per activity.
    public var timingLines: [String] {
        let items: [(String, Double)] = [
            ("VAE training", autoencoderSeconds), ("classifier training", runTimings.training),
            ("latent gradients", runTimings.latentGradients), ("nearest-neighbour search / proposing", runTimings.proposing),
            ("test evaluation", runTimings.evaluation), ("pool look-ups", runTimings.labeling),
        ]
        let total = autoencoderSeconds + runTimings.total
        return items.map { "\($0.0): " + String(format: "%.1f s (%.0f %%)", $0.1, 100 * $0.1 / max(total, 1e-9)) }
            + [String(format: "total: %.1f s", total)]
    }

    /// Writes curves (CSV, Markdown, SVG), `experiment.h5` (with each run's pool indices,
    /// latent codes, rounds and classes) and `README.md` into `files.directory`.
    public func writeReport(to files: ExperimentFiles, title: String, command: String) throws(SamplingError) {
        try files.writeCurves(curves, title: title, preface: "Command: `\(command)`")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let optionsJSON = (try? encoder.encode(options)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let summaryJSON = (try? encoder.encode(["autoencoder_dice": autoencoderDice, "autoencoder_seconds": autoencoderSeconds,
                                                "training_seconds": runTimings.training]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try files.writeExperimentFile(curves: curves, runs: runs, optionsJSON: optionsJSON, summaryJSON: summaryJSON,
                                      classLabels: { $0 })
        var readme = "# \(title)\n\nProduced by `\(command)`.\n\n![curves](curves.svg)\n\n" + curves.markdownTable() + "\n"
        let s = options.sampling
        readme += "Pool: the first \(options.poolSize) MNIST training images; test: the first \(options.testSize) test images. "
        readme += String(format: "VAE (3-d) trained %d epochs, reconstruction Dice %.3f. ", options.autoencoderEpochs, autoencoderDice)
        readme += "\(s.rounds) rounds: \(s.initialCount) labels, then \(s.increment) per round; training "
        readme += s.trainingDescription(model: "classifier") + "; alpha = \(s.step.stepSize), \(s.anchorsPerRound) anchors per round.\n\n## Where the time went\n\n"
        readme += timingLines.map { "- " + $0 }.joined(separator: "\n") + "\n"
        try files.write(readme, to: "README.md")
    }
}
