import Foundation
import Labeling
import Learning
import Neural
import Raster

/// The options of `plaquefem experiment ivus`; stored as JSON with the results.
public struct IVUSExperimentOptions: Sendable, Codable, Equatable {
    /// Phantoms in the pool the VAE learns from and the random baseline draws from. Default 2,000.
    public var poolSize = 2_000
    /// Held-out phantoms, labeled once, for the test MSE. Default 210.
    public var testSize = 210
    /// Seed of the phantom pool; the test set uses the phantoms after the pool's indices. Default 1.
    public var phantomSeed: UInt64 = 1
    /// Epochs of VAE training on the pool. Default 40.
    public var autoencoderEpochs = 40
    /// Hidden width of the VAE (the paper's 400). Default 400.
    public var autoencoderHiddenSize = 400
    /// VAE training options (learning rate 1e-3, batch size 32 by default).
    public var autoencoder = VAETrainingOptions()
    /// Repeats per strategy (each with its own sampling seed and surrogate initialization,
    /// shared by the strategies of that repeat). Default 5.
    public var repeats = 5
    /// The strategies compared. Default SI (the paper's), SI-coreset (SI's first round, then
    /// core-set; chosen on a validation split of the pool among the new strategies by a rule fixed
    /// before the runs, docs/sampling.md) and random.
    public var strategies: [SamplingStrategy] = [.interpolation, .interpolationThenCoreSet, .random]
    /// Base seed; repeat r uses seed + r for sampling and the surrogate. Default 1.
    public var seed: UInt64 = 1
    /// The progressive-sampling options (rounds, increments, epochs, step).
    public var sampling = SamplingOptions()
    /// Surrogate training options (learning rate, batch size, normalization headroom).
    public var surrogate = SurrogateTrainingOptions()
    /// The surrogate network. Default `.paper` (the paper's network).
    public var network: SurrogateArchitecture = .paper
    /// Multiply the surrogate's output by the mask; nil takes the network's default (off for
    /// the paper's network, on for the U-Net).
    public var maskedOutput: Bool?
    /// Parallel FEM labeling jobs. Default: one per core.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// QBC: surrogates in the committee, the run's own included (>= 2). Default 3.
    public var committeeSize = 3
    /// When > 0, the last `validationSize` pool masks are held out, labeled once and used as
    /// the evaluation set instead of the test set (which is then neither built nor labeled):
    /// settings are tuned on this, never on the test set. Default 0.
    public var validationSize = 0

    /// The defaults (the full experiment).
    public init() {}

    /// A small configuration for the demo and tests: 300 phantoms, 40 test phantoms, 4 rounds
    /// of 20 labels, 2 repeats; the default strategies (SI, SI-coreset, random).
    public static var demo: IVUSExperimentOptions {
        var options = IVUSExperimentOptions()
        options.poolSize = 300
        options.testSize = 40
        options.autoencoderEpochs = 30
        options.repeats = 2
        options.sampling.rounds = 4
        options.sampling.initialCount = 20
        options.sampling.increment = 20
        options.sampling.anchorsPerRound = 20
        options.sampling.epochsPerRound = 15
        return options
    }

    /// Throws `SamplingError.invalidOption` for the first option out of range.
    public func validate() throws(SamplingError) {
        try sampling.validate()
        guard poolSize >= 2 else { throw .invalidOption(name: "poolSize", reason: "must be at least 2, got \(poolSize)") }
        guard testSize >= 1 else { throw .invalidOption(name: "testSize", reason: "must be at least 1, got \(testSize)") }
        guard autoencoderEpochs >= 1 else {
            throw .invalidOption(name: "autoencoderEpochs", reason: "must be at least 1, got \(autoencoderEpochs)")
        }
        guard autoencoderHiddenSize >= 1 else {
            throw .invalidOption(name: "autoencoderHiddenSize", reason: "must be at least 1, got \(autoencoderHiddenSize)")
        }
        guard repeats >= 1 else { throw .invalidOption(name: "repeats", reason: "must be at least 1, got \(repeats)") }
        guard !strategies.isEmpty else { throw .invalidOption(name: "strategies", reason: "no strategy given") }
        guard committeeSize >= 2 || !strategies.contains(where: \.usesCommittee) else {
            throw .invalidOption(name: "committeeSize", reason: "QBC needs at least 2 surrogates, got \(committeeSize)")
        }
        guard validationSize >= 0 else { throw .invalidOption(name: "validationSize", reason: "must be >= 0, got \(validationSize)") }
        guard (1...64).contains(jobs) else { throw .invalidOption(name: "jobs", reason: "must be in 1...64, got \(jobs)") }
        let needed = sampling.labelCount(afterRound: sampling.rounds)
        guard needed + validationSize <= poolSize else {
            throw .invalidOption(name: "poolSize", reason: "the random baseline needs \(needed) pool phantoms"
                                 + (validationSize > 0 ? " beside \(validationSize) for validation" : "") + ", the pool has \(poolSize)")
        }
        guard sampling.initialCount >= 2 else {
            throw .invalidOption(name: "initialCount", reason: "the surrogate needs at least 2 samples in round 1")
        }
    }
}

/// The user's own masks as the pool and the test set (instead of the built-in phantoms); all
/// masks 64 x 64 on one pixel grid. Pool masks are labeled on demand, test masks once.
public struct IVUSMaskData: Sendable {
    /// The pool (VAE training, candidates of every strategy).
    public var pool: [Mask]
    /// The held-out test masks.
    public var test: [Mask]
    /// Where the pool came from (for the report), e.g. the file name.
    public var poolName: String
    /// Where the test masks came from.
    public var testName: String

    /// Creates the data.
    public init(pool: [Mask], test: [Mask], poolName: String, testName: String) {
        self.pool = pool
        self.test = test
        self.poolName = poolName
        self.testName = testName
    }
}

/// What `IVUSExperiment.run` produced.
public struct IVUSExperimentResult: Sendable {
    /// The options.
    public var options: IVUSExperimentOptions
    /// Test MSE (kPa^2) after every round, for every strategy and repeat.
    public var curves: ExperimentCurves
    /// Every run (samples, rejected proposals, timings), in the order of `curves.curves`.
    public var runs: [SamplingRun<[Float]>]
    /// The held-out masks and their stress maps (kPa).
    public var testMasks: [Mask]
    /// The held-out stress maps (kPa).
    public var testStress: [[Float]]
    /// Test phantoms the FEM tool could not label (left out of the test set).
    public var testFailures: Int
    /// Dice of the VAE's binarized reconstruction of the pool.
    public var autoencoderDice: Double
    /// Fraction of prior draws z ~ N(0, I) whose decoded mask passes validation.
    public var priorValidFraction: Double
    /// Seconds spent: labeling the test set, training the VAE, and all runs together.
    public var testLabelingSeconds: Double
    /// Seconds of VAE training.
    public var autoencoderSeconds: Double
    /// Summed activity times of all runs.
    public var runTimings: SamplingTimings
    /// Pool phantoms labeled (each once, shared by the random runs).
    public var poolLabelsComputed: Int
    /// Pool masks used (after removing a validation split).
    public var poolCount: Int
    /// The user's pool and test sources, nil for the built-in phantoms.
    public var dataNames: (pool: String, test: String)?
    /// Whether the metric is on a validation split of the pool (`validationSize` > 0) rather
    /// than on the test set.
    public var isValidation: Bool { options.validationSize > 0 }
}

/// The IVUS experiment: SI against random sampling on synthetic phantoms with the FEM tool.
///
/// 1. Pool: `poolSize` phantoms (seed `phantomSeed`, indices 0..<poolSize); test set: the
///    next `testSize` phantoms, labeled once by the FEM tool.
/// 2. The VAE (3-d latent space) is trained on the pool masks, once for all runs.
/// 3. For every repeat r and strategy: a fresh surrogate (seed + r) is trained progressively
///    (`ProgressiveSampler`, sampling seed + r); the test MSE is recorded after every round.
public struct IVUSExperiment: Sendable {
    /// The options.
    public let options: IVUSExperimentOptions

    /// Creates the experiment after checking the options.
    public init(options: IVUSExperimentOptions) throws(SamplingError) {
        try options.validate()
        self.options = options
    }

    /// Runs everything with the FEM tool; `progress` receives one line per step (for stderr).
    public func run(progress: (String) -> Void = { _ in }) throws(SamplingError) -> IVUSExperimentResult {
        try run(labeler: FEMToolLabeler(), progress: progress)
    }

    /// Runs everything with the FEM tool on the user's masks (`IVUSMaskData`).
    public func run(data: IVUSMaskData, progress: (String) -> Void = { _ in }) throws(SamplingError) -> IVUSExperimentResult {
        try run(labeler: FEMToolLabeler(), data: data, progress: progress)
    }

    /// Runs everything with the given mask labeler (the FEM tool, or a cheap stand-in in tests),
    /// on the built-in phantoms or, when `data` is given, on the user's pool and test masks
    /// (`poolSize` and `testSize` are then ignored).
    public func run<MaskLabeler: Labeler>(
        labeler: MaskLabeler, data: IVUSMaskData? = nil, progress: (String) -> Void = { _ in }
    ) throws(SamplingError) -> IVUSExperimentResult where MaskLabeler.Input == Mask, MaskLabeler.Label == [Float] {
        var poolMasks: [Mask]
        var testCandidates: [Mask]
        if let data {
            poolMasks = data.pool
            testCandidates = options.validationSize > 0 ? [] : data.test
        } else {
            let generator: PhantomGenerator
            do { generator = try PhantomGenerator(seed: options.phantomSeed) } catch { throw .invalidOption(name: "phantoms", reason: "\(error)") }
            poolMasks = generator.phantoms(in: 0..<options.poolSize).map(\.mask.original)
            testCandidates = options.validationSize > 0
                ? [] : generator.phantoms(in: options.poolSize..<options.poolSize + options.testSize).map(\.mask.original)
        }
        if options.validationSize > 0 {
            guard poolMasks.count > options.validationSize else {
                throw .invalidOption(name: "validationSize", reason: "\(options.validationSize) of a pool of \(poolMasks.count)")
            }
            testCandidates = Array(poolMasks.suffix(options.validationSize))
            poolMasks.removeLast(options.validationSize)
        }
        let needed = options.sampling.labelCount(afterRound: options.sampling.rounds)
        guard needed <= poolMasks.count else {
            throw .invalidOption(name: "pool", reason: "the runs need \(needed) pool masks, the pool has \(poolMasks.count)")
        }
        guard !testCandidates.isEmpty else { throw .invalidOption(name: "test", reason: "no test masks") }
        let side = SurrogateTrainer.imageSize
        let grid0 = poolMasks[0].grid
        for mask in poolMasks + testCandidates where mask.rows != side || mask.columns != side || mask.grid != grid0 {
            throw .mismatch("every pool and test mask must be \(side) x \(side) on one pixel grid; got \(mask.rows) x \(mask.columns)")
        }
        let setName = options.validationSize > 0 ? "validation set" : "test set"

        var start = ContinuousClock.now
        let testResults = labeler.label(batch: testCandidates, jobs: options.jobs)
        var testMasks: [Mask] = []
        var testStress: [[Float]] = []
        for (mask, result) in zip(testCandidates, testResults) {
            if case .success(let stress) = result {
                testMasks.append(mask)
                testStress.append(stress)
            }
        }
        let testSeconds = seconds(since: start)
        guard !testMasks.isEmpty else { throw .tooManyFailures(round: 0, attempts: testCandidates.count, lastReason: setName) }
        progress(setName + String(format: ": %d of %d masks labeled in %.1f s", testMasks.count, testCandidates.count, testSeconds))

        start = ContinuousClock.now
        let grid = poolMasks[0].grid
        let autoencoder = try learning { try VAETrainer(seed: options.seed, imageHeight: grid.rows, imageWidth: grid.columns,
                                                             hiddenSize: options.autoencoderHiddenSize, options: options.autoencoder) }
        let poolBatch = try learning {
            try ImageBatch(masks: poolMasks.flatMap(\.pixels), count: poolMasks.count, height: grid.rows, width: grid.columns)
        }
        try learning {
            try autoencoder.train(images: poolBatch, epochs: options.autoencoderEpochs, shuffleSeed: options.seed) { record in
                if record.epoch % 10 == 0 || record.epoch == options.autoencoderEpochs {
                    progress(String(format: "VAE epoch %d: loss %.1f (reconstruction %.1f, KL %.2f)", record.epoch, record.loss,
                                    record.reconstructionLoss, record.klDivergence))
                }
            }
        }
        let autoencoderSeconds = seconds(since: start)
        let dice = try learning { try autoencoder.reconstructionDice(images: poolBatch) }
        let prior = try learning { try validMaskFraction(autoencoder.samplePrior(count: 200, seed: options.seed)) }
        progress(String(format: "VAE trained in %.1f s: reconstruction Dice %.3f, valid prior decodes %.0f %%", autoencoderSeconds,
                        dice, 100 * prior))

        let domain = try PhantomDomain(poolMasks: poolMasks, autoencoder: autoencoder, labeler: labeler, jobs: options.jobs)
        let testMaskBatch = try learning {
            try ImageBatch(masks: testMasks.flatMap(\.pixels), count: testMasks.count, height: side, width: side)
        }
        let testStressBatch = try learning {
            try ImageBatch(count: testMasks.count, height: side, width: side, values: testStress.flatMap { $0 })
        }
        let metricName = options.validationSize > 0 ? "validation MSE" : "test MSE"
        var curves = ExperimentCurves(metricName: options.validationSize > 0 ? "validation MSE" : "test MSE", metricUnit: "kPa^2",
                                      lowerIsBetter: true)
        var runs: [SamplingRun<[Float]>] = []
        var timings = SamplingTimings()
        for repeatIndex in 0..<options.repeats {
            for strategy in options.strategies {
                let seed = options.seed &+ UInt64(repeatIndex)
                let trainer = try learning {
                    try SurrogateTrainer(seed: seed, architecture: options.network, masksOutput: options.maskedOutput,
                                         options: options.surrogate)
                }
                let committee = strategy.usesCommittee ? try (1..<options.committeeSize).map { k throws(SamplingError) in
                    try learning {
                        try SurrogateTrainer(seed: seed &+ 1_000 &* UInt64(k), architecture: options.network,
                                             masksOutput: options.maskedOutput, options: options.surrogate)
                    }
                } : []
                let learner = SurrogateLearner(trainer: trainer, autoencoder: autoencoder, testMasks: testMaskBatch,
                                               testStress: testStressBatch, committee: committee)
                var sampling = options.sampling
                sampling.seed = seed
                let run = try ProgressiveSampler(domain: domain, learner: learner, options: sampling).run(strategy: strategy) { round, time in
                    let wall = learner.lastEvaluation.map { ", " + $0.mapErrors.summary } ?? ""
                    progress("\(strategy.rawValue) " + String(
                        format: "repeat %d round %d: %d labels, ", repeatIndex + 1, round.round,
                        round.labelCount) + metricName + String(format: " %.1f kPa^2", round.metric) + wall + String(format: ", %d failed decodes "
                            + "(labeling %.0f s, training %.0f s, gradients %.1f s)",
                        round.failures, time.labeling, time.training, time.latentGradients))
                }
                curves.curves.append(.init(strategy: strategy, repeatIndex: repeatIndex, rounds: run.curve))
                timings.add(run.timings)
                runs.append(run)
            }
        }
        return IVUSExperimentResult(
            options: options, curves: curves, runs: runs, testMasks: testMasks, testStress: testStress,
            testFailures: testCandidates.count - testMasks.count, autoencoderDice: dice, priorValidFraction: prior,
            testLabelingSeconds: testSeconds, autoencoderSeconds: autoencoderSeconds, runTimings: timings,
            poolLabelsComputed: domain.cachedLabelCount, poolCount: poolMasks.count,
            dataNames: data.map { ($0.poolName, $0.testName) })
    }
}
