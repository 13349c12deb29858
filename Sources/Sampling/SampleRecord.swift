import Datasets

/// One labeled sample of a run's train set, with enough to follow its trajectory.
public struct SampleRecord<Label: Sendable>: Sendable {
    /// Its latent code (the decoded code for synthesized samples, the encoder mean for pool samples).
    public var latent: [Double]
    /// The round that added it (1-based).
    public var round: Int
    /// Pool or synthesized.
    public var origin: SampleOrigin
    /// The pool index, for pool samples.
    public var poolIndex: Int?
    /// The train-set index of the anchor it was stepped from (nil for round 1 and random picks).
    public var anchor: Int?
    /// The task model's input, flattened (a 0/1 mask, or grey levels in [0, 1]).
    public var image: [Float]
    /// Its label.
    public var label: Label
}

/// A proposal whose labeling failed; stored with its reason and replaced by a new proposal.
public struct RejectedProposal: Sendable {
    /// Its latent code.
    public var latent: [Double]
    /// The round that proposed it.
    public var round: Int
    /// The decoded input that failed.
    public var image: [Float]
    /// The status code (as in label files: 100 + mask error, 200 meshing, 300 solve).
    public var code: Int32
    /// The reason, in words.
    public var reason: String
}

/// A candidate before labeling.
public struct SampleCandidate<Input: Sendable>: Sendable {
    /// Latent code.
    public var latent: [Double]
    /// Pool or synthesized.
    public var origin: SampleOrigin
    /// Pool index, for pool candidates.
    public var poolIndex: Int?
    /// Train-set index of the anchor, for displaced candidates.
    public var anchor: Int?
    /// The task model's input.
    public var image: [Float]
    /// What the labeler labels.
    public var labelerInput: Input

    /// Creates a candidate.
    public init(latent: [Double], origin: SampleOrigin, poolIndex: Int?, anchor: Int?, image: [Float], labelerInput: Input) {
        self.latent = latent
        self.origin = origin
        self.poolIndex = poolIndex
        self.anchor = anchor
        self.image = image
        self.labelerInput = labelerInput
    }
}
