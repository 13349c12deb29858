/// How new training samples are chosen each round.
public enum SamplingStrategy: String, Sendable, Codable, CaseIterable {
    /// Sampling by interpolation: displaced latent codes are decoded and labeled by the tool.
    case interpolation = "SI"
    /// Sampling by nearest neighbour: displaced codes snap to the nearest unselected pool sample.
    case nearestNeighbour = "SNN"
    /// Uniformly random unselected pool samples (the baseline).
    case random
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
    /// from the current weights (>= 1). Default 10.
    public var epochsPerRound = 10
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

    /// The defaults.
    public init() {}

    /// Total labels after `round` rounds: initialCount + (round - 1) increment.
    public func labelCount(afterRound round: Int) -> Int { initialCount + (round - 1) * increment }

    /// Throws `SamplingError.invalidOption` for the first option outside its range.
    public func validate() throws(SamplingError) {
        func require(_ condition: Bool, _ name: String, _ reason: String) throws(SamplingError) {
            if !condition { throw .invalidOption(name: name, reason: reason) }
        }
        try require(rounds >= 1, "rounds", "must be at least 1, got \(rounds)")
        try require(initialCount >= 1, "initialCount", "must be at least 1, got \(initialCount)")
        try require(increment >= 1, "increment", "must be at least 1, got \(increment)")
        try require(epochsPerRound >= 1, "epochsPerRound", "must be at least 1, got \(epochsPerRound)")
        try require(anchorsPerRound >= 1, "anchorsPerRound", "must be at least 1, got \(anchorsPerRound)")
        try require(step.stepSize > 0 && step.stepSize.isFinite, "stepSize", "must be positive and finite, got \(step.stepSize)")
        try require(step.priorRadius > 0 && step.priorRadius.isFinite, "priorRadius",
                    "must be positive and finite, got \(step.priorRadius)")
        try require(maximumFailureFactor >= 1, "maximumFailureFactor", "must be at least 1, got \(maximumFailureFactor)")
    }
}
