/// The data side of a run: the pool, the VAE decoder and the labeler.
public protocol SampleDomain<Label>: AnyObject {
    /// The label type (a stress map, a class).
    associatedtype Label: Sendable
    /// What the labeler labels.
    associatedtype LabelerInput: Sendable

    /// d, the latent dimension.
    var latentDimension: Int { get }
    /// Number of real samples in the pool.
    var poolCount: Int { get }
    /// Encoder means of the pool samples (N codes of dimension d).
    var poolLatents: [[Double]] { get }

    /// Candidate for pool sample `index`.
    func poolCandidate(_ index: Int) -> SampleCandidate<LabelerInput>
    /// Decodes latent codes into synthesized candidates (binarized for masks).
    func decode(_ latents: [[Double]]) throws(SamplingError) -> [SampleCandidate<LabelerInput>]
    /// Labels a batch; results in input order.
    func label(_ inputs: [LabelerInput]) -> [Result<Label, LabelerFailure>]
    /// Encoder means of images (flattened, as `SampleCandidate.image`), in the coordinates of
    /// `poolLatents`: where the VAE puts a decoded mask (the core-set centres of SI-coreset).
    func encode(_ images: [[Float]]) throws(SamplingError) -> [[Double]]
}

extension SampleDomain {
    /// Default: no encoder at hand (`SamplingError.invalidOption`).
    public func encode(_ images: [[Float]]) throws(SamplingError) -> [[Double]] {
        throw .invalidOption(name: "strategies", reason: "this domain cannot encode images (SI-coreset needs it)")
    }
}

/// The task model trained round by round (the surrogate, the classifier).
public protocol TaskLearner<Label>: AnyObject {
    /// The label type it learns.
    associatedtype Label: Sendable

    /// Trains for `epochs` on the whole train set, continuing from the current weights.
    func train(on samples: [SampleRecord<Label>], epochs: Int, seed: UInt64) throws(SamplingError)
    /// Replaces the model (and every committee member) by a freshly initialized one, weights
    /// seeded by `seed`, with fresh optimizer state and no epochs trained; a normalization of
    /// the labels fitted before is kept. For the `fromScratch` schedule.
    func reinitialize(seed: UInt64) throws(SamplingError)
    /// Optimizer steps (mini-batches) in one epoch over `sampleCount` samples.
    func stepsPerEpoch(sampleCount: Int) -> Int
    /// d loss(F(G(z_n)), y_n) / d z_n per sample, through the frozen decoder and model.
    func latentGradients(latents: [[Double]], labels: [Label]) throws(SamplingError) -> [[Double]]
    /// The test metric after the current round (test MSE in kPa^2, or test accuracy).
    func evaluate() throws(SamplingError) -> Double
    /// Further metrics of the last `evaluate()` (same names in every round), reported beside it.
    func evaluationDetails() -> [NamedMetric]
    /// Query by committee: per input image (flattened, as `SampleRecord.image`), the
    /// disagreement of the learner's committee (larger = more uncertain); throws
    /// `SamplingError.invalidOption` when the learner has no committee.
    func committeeDisagreement(images: [[Float]]) throws(SamplingError) -> [Double]
}

extension TaskLearner {
    /// Default: no re-initialization (the `fromScratch` schedule is refused).
    public func reinitialize(seed: UInt64) throws(SamplingError) {
        throw .invalidOption(name: "training", reason: "this task model cannot be re-initialized (from-scratch training)")
    }

    /// Default: one step per epoch (full-batch training).
    public func stepsPerEpoch(sampleCount: Int) -> Int { 1 }

    /// Default: no further metrics.
    public func evaluationDetails() -> [NamedMetric] { [] }

    /// Default: no committee.
    public func committeeDisagreement(images: [[Float]]) throws(SamplingError) -> [Double] {
        throw .invalidOption(name: "strategies", reason: "QBC needs a task model with a committee (committee size >= 2)")
    }
}
