import Foundation
import Neural

/// How new training samples are chosen each round.
public enum SamplingStrategy: String, Sendable, Codable, CaseIterable {
    /// Sampling by interpolation: displaced latent codes are decoded and labeled by the tool.
    case interpolation = "SI"
    /// Sampling by nearest neighbour: displaced codes snap to the nearest unselected pool sample.
    case nearestNeighbour = "SNN"
    /// Uniformly random unselected pool samples (the baseline).
    case random
    /// SI kept on the data distribution: round 1 takes random pool samples (their codes are
    /// encoder means), and the step and ball are matched to the encoder's aggregate posterior
    /// (`AggregatePosterior`) instead of N(0, I); displaced codes are decoded and labeled.
    case dataInterpolation = "SI-data"
    /// SI-data with exploration: a share `explorationShare` of every later round is random
    /// unselected pool samples, the rest SI-data proposals.
    case mixedInterpolation = "SI-mix"
    /// Gradient-guided pool selection: SI-data's step, then the nearest unselected pool sample,
    /// labeled by the tool (SNN with a labeling tool and the matched step; cf. ASAL).
    case poolInterpolation = "SI-pool"
    /// Core-set: k-center greedy on the pool's latent codes, the labeled samples as centres
    /// (Sener and Savarese 2018, in the VAE's latent space).
    case coreSet = "coreset"
    /// Query by committee: the unselected pool samples (a seeded random subset of
    /// `committeeCandidates`) on which a committee of task models disagrees most (variance).
    case committee = "QBC"
    /// SI first, then core-set: rounds 1...`SamplingOptions.interpolationRounds` take SI's
    /// proposals (prior draws, then the paper's latent steps; decoded and labeled by the tool),
    /// later rounds core-set's k-center greedy over the pool codes with every train sample as a
    /// centre, the synthesized ones at the VAE's encoding of their decoded masks. An engineering
    /// combination: SI's early rounds are its only clear gain on the IVUS benchmark.
    case interpolationThenCoreSet = "SI-coreset"
    /// SI first, then QBC: rounds 1...`SamplingOptions.interpolationRounds` take SI's proposals,
    /// later rounds the committee's picks (`committee`); the committee trains from round 1 on.
    case interpolationThenCommittee = "SI-QBC"

    /// Whether later rounds follow the latent gradient (SI, SNN and their variants).
    public var usesLatentGradient: Bool {
        switch self {
        case .interpolation, .nearestNeighbour, .dataInterpolation, .mixedInterpolation, .poolInterpolation,
             .interpolationThenCoreSet, .interpolationThenCommittee: true
        case .random, .coreSet, .committee: false
        }
    }

    /// Whether the strategy synthesizes samples (decoded codes) that need a labeling tool.
    public var synthesizes: Bool {
        switch self {
        case .interpolation, .dataInterpolation, .mixedInterpolation, .interpolationThenCoreSet, .interpolationThenCommittee: true
        default: false
        }
    }

    /// Whether the strategy needs a committee of task models (QBC, SI-QBC).
    public var usesCommittee: Bool { self == .committee || self == .interpolationThenCommittee }

    /// The strategy whose proposals fill `round`: for SI-coreset and SI-QBC, SI in rounds
    /// 1...`interpolationRounds` and core-set or QBC after; every other strategy itself.
    public func proposer(inRound round: Int, interpolationRounds: Int) -> SamplingStrategy {
        switch self {
        case .interpolationThenCoreSet: round <= interpolationRounds ? .interpolation : .coreSet
        case .interpolationThenCommittee: round <= interpolationRounds ? .interpolation : .committee
        default: self
        }
    }

    /// Parses a comma-separated list of strategy names ("SI,SI-pool,random"), case-insensitive.
    public static func list(_ text: String) throws(SamplingError) -> [SamplingStrategy] {
        var result: [SamplingStrategy] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let strategy = allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
                throw .invalidOption(name: "strategies", reason: "unknown strategy \"\(name)\" (known: "
                                     + allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            if !result.contains(strategy) { result.append(strategy) }
        }
        guard !result.isEmpty else { throw .invalidOption(name: "strategies", reason: "no strategy given") }
        return result
    }
}

/// How the task model is trained in every round (`SamplingOptions.training`).
///
/// Under `continuing` the model of round r has had r x `epochsPerRound` epochs, so a later
/// round's model differs from an earlier one in its training as well as in its labels; a gain
/// between rounds is then partly training time (the confound of AL evaluations that Munjal et
/// al. 2022 and Lüth et al. 2023 warn about). `fromScratch` removes it: every round's model
/// starts from fresh seeded weights and gets the same number of optimizer steps.
public enum TrainingSchedule: String, Sendable, Codable, CaseIterable {
    /// Train `epochsPerRound` more epochs from the current weights and optimizer state (the
    /// paper's protocol, the default).
    case continuing = "continue"
    /// Every round: re-initialize the model (and a QBC committee) with weights seeded by the
    /// run's seed and the round (`SamplingOptions.initializationSeed(round:)`) and fresh
    /// optimizer state, keep the stress normalization fitted in round 1, and train for
    /// ceil(`stepsPerRound` / steps per epoch) epochs on the whole train set, i.e. at least
    /// `stepsPerRound` optimizer steps and less than one epoch more.
    case fromScratch = "from-scratch"
}

/// The options of one progressive sampling run; stored as JSON next to every result.
public struct SamplingOptions: Sendable, Codable, Equatable {
    /// Rounds, including the first (>= 1). Default 10.
    public var rounds = 10
    /// Labeled samples added in round 1 (>= 1). Default 40.
    public var initialCount = 40
    /// Labeled samples added in every later round (>= 1). Default 40.
    public var increment = 40
    /// Epochs of task-model training per round on the whole current train set, continuing
    /// from the current weights (>= 1); used by the `continuing` schedule. Default 10.
    public var epochsPerRound = 10
    /// The training schedule. Default `.continuing` (the paper's protocol).
    public var training = TrainingSchedule.continuing
    /// Optimizer steps (mini-batches) of every round under the `fromScratch` schedule (>= 1);
    /// ignored by `continuing`. Default 200 (chosen on a validation split, docs/sampling.md).
    public var stepsPerRound = 200
    /// Anchors per round (>= 1): each anchor is stepped increment / anchors times along its
    /// trajectory (rounded up). Default 40, one step per anchor.
    public var anchorsPerRound = 40
    /// The latent step: alpha (default 0.5) and prior radius R (default 3).
    public var step = LatentStep(stepSize: 0.5, priorRadius: 3)
    /// Proposals that may fail to be labeled per round, as a multiple of the round's quota,
    /// before the run gives up (>= 1). Default 10.
    public var maximumFailureFactor = 10
    /// Seed of every random choice of the run (prior draws, anchors, random picks, training order).
    public var seed: UInt64 = 1
    /// SI-mix: share of every later round taken at random from the pool (0...1). Default 0.5.
    public var explorationShare = 0.5
    /// QBC: unselected pool samples scored per round (a seeded random subset; all when fewer
    /// remain). Default 500.
    public var committeeCandidates = 500
    /// SI-coreset, SI-QBC: the rounds (from round 1) that take SI's proposals before the pool
    /// strategy takes over (>= 1; `rounds` or more is SI throughout). Default 1 (chosen on a
    /// validation split of the pool, docs/sampling.md).
    public var interpolationRounds = 1

    /// The defaults.
    public init() {}

    /// Total labels after `round` rounds: initialCount + (round - 1) increment.
    public func labelCount(afterRound round: Int) -> Int { initialCount + (round - 1) * increment }

    /// The seed of the freshly initialized task model of `round` under the `fromScratch`
    /// schedule: the first output of a `SeededGenerator` seeded by seed XOR (round x the golden
    /// ratio constant); depends only on the run's seed and the round.
    public func initializationSeed(round: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed ^ (UInt64(round) &* 0x9E37_79B9_7F4A_7C15))
        return generator.next()
    }

    /// Epochs of a `fromScratch` round: the fewest whole epochs with at least `stepsPerRound`
    /// optimizer steps, for a learner with `stepsPerEpoch` steps per epoch on the current train set.
    public func fromScratchEpochs(stepsPerEpoch: Int) -> Int {
        let perEpoch = max(1, stepsPerEpoch)
        return (stepsPerRound + perEpoch - 1) / perEpoch
    }

    /// The training schedule in words, for reports: "10 surrogate epochs per round (continue)"
    /// or "from scratch every round, 200 optimizer steps per round (from-scratch)".
    public func trainingDescription(model: String) -> String {
        switch training {
        case .continuing:
            "\(epochsPerRound) \(model) epochs per round, continuing from the previous weights (`--training continue`)"
        case .fromScratch:
            "a fresh \(model) every round (weights seeded by the seed and the round), \(stepsPerRound) optimizer steps per round "
                + "(whole epochs, rounded up) (`--training from-scratch --steps-per-round \(stepsPerRound)`)"
        }
    }

    /// Throws `SamplingError.invalidOption` for the first option outside its range.
    public func validate() throws(SamplingError) {
        func require(_ condition: Bool, _ name: String, _ reason: String) throws(SamplingError) {
            if !condition { throw .invalidOption(name: name, reason: reason) }
        }
        try require(rounds >= 1, "rounds", "must be at least 1, got \(rounds)")
        try require(initialCount >= 1, "initialCount", "must be at least 1, got \(initialCount)")
        try require(increment >= 1, "increment", "must be at least 1, got \(increment)")
        try require(epochsPerRound >= 1, "epochsPerRound", "must be at least 1, got \(epochsPerRound)")
        try require(stepsPerRound >= 1, "stepsPerRound", "must be at least 1, got \(stepsPerRound)")
        try require(anchorsPerRound >= 1, "anchorsPerRound", "must be at least 1, got \(anchorsPerRound)")
        try require(step.stepSize > 0 && step.stepSize.isFinite, "stepSize", "must be positive and finite, got \(step.stepSize)")
        try require(step.priorRadius > 0 && step.priorRadius.isFinite, "priorRadius",
                    "must be positive and finite, got \(step.priorRadius)")
        try require(explorationShare >= 0 && explorationShare <= 1, "explorationShare", "must be in 0...1, got \(explorationShare)")
        try require(committeeCandidates >= 1, "committeeCandidates", "must be at least 1, got \(committeeCandidates)")
        try require(interpolationRounds >= 1, "interpolationRounds", "must be at least 1, got \(interpolationRounds)")
        try require(maximumFailureFactor >= 1, "maximumFailureFactor", "must be at least 1, got \(maximumFailureFactor)")
    }
}
