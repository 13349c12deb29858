import Foundation
import Neural

/// Wall-clock seconds a run spent per activity.
public struct SamplingTimings: Sendable, Codable, Equatable {
    /// Labeling proposals (the FEM tool, or pool look-ups).
    public var labeling = 0.0
    /// Training the task model.
    public var training = 0.0
    /// Latent gradients through decoder and model.
    public var latentGradients = 0.0
    /// Decoding latent codes and nearest-neighbour search.
    public var proposing = 0.0
    /// Evaluating on the test set.
    public var evaluation = 0.0

    /// Sum of the activities.
    public var total: Double { labeling + training + latentGradients + proposing + evaluation }

    /// Adds another run's timings.
    public mutating func add(_ other: SamplingTimings) {
        labeling += other.labeling
        training += other.training
        latentGradients += other.latentGradients
        proposing += other.proposing
        evaluation += other.evaluation
    }
}

/// One point of a learning curve.
public struct RoundResult: Sendable, Codable, Equatable {
    /// Round (1-based).
    public var round: Int
    /// Labeled training samples after the round.
    public var labelCount: Int
    /// The test metric after training in this round.
    public var metric: Double
    /// Proposals of this round whose labeling failed (and were replaced).
    public var failures: Int
    /// Further test metrics of the round, in a fixed order (e.g. the surrogate's wall errors);
    /// empty for learners that report only `metric`.
    public var details: [NamedMetric]

    /// Creates a round result.
    public init(round: Int, labelCount: Int, metric: Double, failures: Int, details: [NamedMetric] = []) {
        self.round = round
        self.labelCount = labelCount
        self.metric = metric
        self.failures = failures
        self.details = details
    }
}

/// A named test metric beside the main one, e.g. ("wall_rel_l2_median", 0.08).
public struct NamedMetric: Sendable, Codable, Equatable {
    /// Name, usable as a CSV column (no spaces or commas).
    public var name: String
    /// Value.
    public var value: Double

    /// Creates a named metric.
    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }
}

/// Everything one progressive run produced.
public struct SamplingRun<Label: Sendable>: Sendable {
    /// The strategy.
    public var strategy: SamplingStrategy
    /// The options.
    public var options: SamplingOptions
    /// The train set in the order added.
    public var samples: [SampleRecord<Label>]
    /// Failed proposals, with their reasons.
    public var rejected: [RejectedProposal]
    /// The metric after every round.
    public var curve: [RoundResult]
    /// Where the time went.
    public var timings: SamplingTimings
}

/// Progressive training with adaptive latent-space sampling (SI, SNN) or random sampling.
///
/// Round 1 adds `initialCount` samples (SI: prior draws decoded; SNN, random: random pool
/// samples). Every round then trains the task model on the current train set and evaluates it:
/// `epochsPerRound` epochs continuing from its weights (`TrainingSchedule.continuing`), or
/// `stepsPerRound` steps from freshly seeded weights (`TrainingSchedule.fromScratch`). Each later round first chooses
/// anchors at random among the labeled samples (re-selected every round), moves their codes
/// along the normalized loss gradient (`LatentStep`), and adds the results: decoded and labeled
/// by the tool (SI) or snapped to the nearest unselected pool sample (SNN). Proposals whose
/// labeling fails are stored with their reason and replaced by new proposals from the same
/// seeded stream, so every round adds exactly its quota. SI-coreset and SI-QBC are SI in rounds
/// 1...`interpolationRounds` and core-set or QBC after (`SamplingStrategy.proposer`); the other
/// strategies beside the paper's are described in `SamplingStrategy`. Same options, same bytes.
public struct ProgressiveSampler<Domain: SampleDomain, Learner: TaskLearner> where Domain.Label == Learner.Label {
    /// The data side.
    public let domain: Domain
    /// The task model.
    public let learner: Learner
    /// The options.
    public let options: SamplingOptions

    /// Creates a sampler.
    public init(domain: Domain, learner: Learner, options: SamplingOptions) {
        self.domain = domain
        self.learner = learner
        self.options = options
    }

    /// Runs all rounds with `strategy`; `progress` is called after every round.
    public func run(
        strategy: SamplingStrategy, progress: (RoundResult, SamplingTimings) -> Void = { _, _ in }
    ) throws(SamplingError) -> SamplingRun<Domain.Label> {
        try options.validate()
        var state = RunState<Domain>(domain: domain, options: options, strategy: strategy)
        switch strategy {
        case .dataInterpolation, .mixedInterpolation, .poolInterpolation:
            state.posterior = try AggregatePosterior(codes: domain.poolLatents, priorRadius: options.step.priorRadius)
        default:
            break
        }
        var curve: [RoundResult] = []
        for round in 1...options.rounds {
            let quota = round == 1 ? options.initialCount : options.increment
            let failuresBefore = state.rejected.count
            try fill(quota: quota, round: round, state: &state)
            let seed = state.generator.next()
            let trainStart = ContinuousClock.now
            switch options.training {
            case .continuing:
                try learner.train(on: state.samples, epochs: options.epochsPerRound, seed: seed)
            case .fromScratch:
                // The proposals of this round came from the previous round's model; the model
                // of this round starts afresh and gets the same number of steps as every other.
                try learner.reinitialize(seed: options.initializationSeed(round: round))
                let epochs = options.fromScratchEpochs(stepsPerEpoch: learner.stepsPerEpoch(sampleCount: state.samples.count))
                try learner.train(on: state.samples, epochs: epochs, seed: seed)
            }
            state.timings.training += seconds(since: trainStart)
            let evaluationStart = ContinuousClock.now
            let metric = try learner.evaluate()
            state.timings.evaluation += seconds(since: evaluationStart)
            let result = RoundResult(round: round, labelCount: state.samples.count, metric: metric,
                                     failures: state.rejected.count - failuresBefore, details: learner.evaluationDetails())
            curve.append(result)
            progress(result, state.timings)
        }
        return SamplingRun(strategy: strategy, options: options, samples: state.samples, rejected: state.rejected,
                           curve: curve, timings: state.timings)
    }

    /// Adds exactly `quota` labeled samples: proposes, labels in a batch, keeps successes in
    /// proposal order, stores failures and proposes replacements until the quota is met.
    private func fill(quota: Int, round: Int, state: inout RunState<Domain>) throws(SamplingError) {
        var added = 0
        var attempts = 0
        if state.strategy == .mixedInterpolation, round > 1 {
            state.explorationRemaining = min(quota, Int((Double(quota) * options.explorationShare).rounded()))
        }
        while added < quota {
            let candidates = try propose(count: quota - added, round: round, state: &state)
            attempts += candidates.count
            let start = ContinuousClock.now
            let results = domain.label(candidates.map(\.labelerInput))
            state.timings.labeling += seconds(since: start)
            var lastReason = ""
            for (candidate, result) in zip(candidates, results) {
                switch result {
                case .success(let label) where added < quota:
                    state.samples.append(SampleRecord(
                        latent: candidate.latent, round: round, origin: candidate.origin, poolIndex: candidate.poolIndex,
                        anchor: candidate.anchor, image: candidate.image, label: label))
                    added += 1
                case .success:
                    break
                case .failure(let failure):
                    lastReason = failure.description
                    state.rejected.append(RejectedProposal(latent: candidate.latent, round: round, image: candidate.image,
                                                           code: failure.code, reason: failure.description))
                }
            }
            if added < quota, attempts >= quota * (1 + options.maximumFailureFactor) {
                throw .tooManyFailures(round: round, attempts: attempts, lastReason: lastReason)
            }
        }
    }

    /// `count` new candidates of `round` for the strategy.
    private func propose(count: Int, round: Int, state: inout RunState<Domain>) throws(SamplingError) -> [SampleCandidate<Domain.LabelerInput>] {
        let strategy = state.strategy.proposer(inRound: round, interpolationRounds: options.interpolationRounds)
        if round == 1 {
            guard strategy == .interpolation else { return try state.randomPoolCandidates(count: count) }
            let latents = (0..<count).map { _ in
                priorDraw(dimension: domain.latentDimension, radius: options.step.priorRadius, generator: &state.generator)
            }
            let start = ContinuousClock.now
            defer { state.timings.proposing += seconds(since: start) }
            return try domain.decode(latents)
        }
        switch strategy {
        case .random:
            return try state.randomPoolCandidates(count: count)
        case .coreSet, .interpolationThenCoreSet:
            let start = ContinuousClock.now
            defer { state.timings.proposing += seconds(since: start) }
            return try state.coreSetCandidates(count: count)
        case .committee, .interpolationThenCommittee:
            return try committeeCandidates(count: count, state: &state)
        case .mixedInterpolation:
            let randomCount = min(count, state.explorationRemaining)
            state.explorationRemaining -= randomCount
            var candidates = try state.randomPoolCandidates(count: randomCount)
            if count > randomCount { candidates += try gradientCandidates(count: count - randomCount, state: &state) }
            return candidates
        case .interpolation, .nearestNeighbour, .dataInterpolation, .poolInterpolation:
            return try gradientCandidates(count: count, state: &state)
        }
    }

    /// Candidates from latent steps: decoded (SI, SI-data, SI-mix) or snapped to the nearest
    /// unselected pool sample (SNN, SI-pool).
    private func gradientCandidates(count: Int, state: inout RunState<Domain>) throws(SamplingError) -> [SampleCandidate<Domain.LabelerInput>] {
        let (points, anchors) = try displacedPoints(count: count, state: &state)
        let start = ContinuousClock.now
        defer { state.timings.proposing += seconds(since: start) }
        if state.strategy.synthesizes {
            var candidates = try domain.decode(points)
            for k in candidates.indices { candidates[k].anchor = anchors[k] }
            return candidates
        }
        return try state.nearestPoolCandidates(to: points, anchors: anchors)
    }

    /// QBC: scores a seeded random subset of the unselected pool (all of it when small) by the
    /// committee's disagreement and takes the `count` largest.
    private func committeeCandidates(count: Int, state: inout RunState<Domain>) throws(SamplingError) -> [SampleCandidate<Domain.LabelerInput>] {
        let start = ContinuousClock.now
        defer { state.timings.proposing += seconds(since: start) }
        let unselected = state.unselectedPoolIndices()
        guard unselected.count >= count else { throw .poolExhausted(requested: count, remaining: unselected.count) }
        let subsetSize = max(options.committeeCandidates, count)
        let scored = unselected.count > subsetSize
            ? randomSubset(of: unselected.count, count: subsetSize, generator: &state.generator).sorted().map { unselected[$0] }
            : unselected
        let scores = try learner.committeeDisagreement(images: scored.map { domain.poolCandidate($0).image })
        guard scores.count == scored.count else {
            throw .mismatch("\(scores.count) committee scores for \(scored.count) candidates")
        }
        let picked = largestScores(scores.map { $0.isFinite ? $0 : -.infinity }, count: count).map { scored[$0] }
        return state.take(picked)
    }

    /// Chooses anchors at random among the labeled samples and steps each along its trajectory:
    /// z_{j+1} = step(z_j, dL(F(G(z_j)), y_anchor)/dz), one new point per step (the prior step
    /// for SI and SNN, the step matched to the aggregate posterior for the SI-* variants).
    private func displacedPoints(count: Int, state: inout RunState<Domain>) throws(SamplingError) -> (points: [[Double]], anchors: [Int]) {
        let samples = state.samples
        let anchorCount = min(count, options.anchorsPerRound, samples.count)
        let anchors = randomSubset(of: samples.count, count: anchorCount, generator: &state.generator)
        let stepsPerAnchor = (count + anchorCount - 1) / anchorCount
        var current = anchors.map { samples[$0].latent }
        let labels = anchors.map { samples[$0].label }
        var points: [[Double]] = []
        var pointAnchors: [Int] = []
        for _ in 0..<stepsPerAnchor where points.count < count {
            let start = ContinuousClock.now
            let gradients = try learner.latentGradients(latents: current, labels: labels)
            state.timings.latentGradients += seconds(since: start)
            for k in current.indices {
                if let posterior = state.posterior {
                    current[k] = posterior.displaced(current[k], along: gradients[k], stepSize: options.step.stepSize)
                } else {
                    current[k] = options.step.displaced(current[k], along: gradients[k])
                }
                if points.count < count {
                    points.append(current[k])
                    pointAnchors.append(anchors[k])
                }
            }
        }
        return (points, pointAnchors)
    }
}

/// The mutable state of one run: train set, rejected proposals, pool selection, generator.
struct RunState<Domain: SampleDomain> {
    let domain: Domain
    let options: SamplingOptions
    let strategy: SamplingStrategy
    var generator: SeededGenerator
    var samples: [SampleRecord<Domain.Label>] = []
    var rejected: [RejectedProposal] = []
    var timings = SamplingTimings()
    /// The step matched to the pool codes (SI-data, SI-mix, SI-pool); nil for the prior's step.
    var posterior: AggregatePosterior?
    /// SI-mix: random pool picks still to make in the current round.
    var explorationRemaining = 0
    /// Pool indices in a seeded random order; random picks take the next unselected one.
    private var poolOrder: [Int]
    private var poolCursor = 0
    private var search: NearestNeighbourSearch?
    private var poolSelected: [Bool]
    /// Core-set centres of the train samples so far (`coreSetCentres()`).
    private var encodedCentres: [[Double]] = []

    init(domain: Domain, options: SamplingOptions, strategy: SamplingStrategy) {
        self.domain = domain
        self.options = options
        self.strategy = strategy
        generator = SeededGenerator(seed: options.seed)
        var order = Array(0..<domain.poolCount)
        order.shuffle(using: &generator)
        poolOrder = order
        poolSelected = Array(repeating: false, count: domain.poolCount)
    }

    mutating func randomPoolCandidates(count: Int) throws(SamplingError) -> [SampleCandidate<Domain.LabelerInput>] {
        var picked: [Int] = []
        while picked.count < count, poolCursor < poolOrder.count {
            let index = poolOrder[poolCursor]
            poolCursor += 1
            if !poolSelected[index] { picked.append(index) }
        }
        guard picked.count == count else { throw .poolExhausted(requested: count, remaining: picked.count) }
        for index in picked { markSelected(index) }
        return picked.map { domain.poolCandidate($0) }
    }

    mutating func nearestPoolCandidates(to points: [[Double]], anchors: [Int]) throws(SamplingError) -> [SampleCandidate<Domain.LabelerInput>] {
        if search == nil {
            search = try NearestNeighbourSearch(points: domain.poolLatents)
            for index in poolSelected.indices where poolSelected[index] { search!.markSelected(index) }
        }
        var candidates: [SampleCandidate<Domain.LabelerInput>] = []
        for (point, anchor) in zip(points, anchors) {
            guard let index = search!.nearestUnselected(to: point) else {
                throw .poolExhausted(requested: points.count, remaining: candidates.count)
            }
            markSelected(index)
            var candidate = domain.poolCandidate(index)
            candidate.anchor = anchor
            candidates.append(candidate)
        }
        return candidates
    }

    /// Core-set: k-center greedy on the pool codes with every train sample as a centre
    /// (`coreSetCentres()`).
    mutating func coreSetCandidates(count: Int) throws(SamplingError) -> [SampleCandidate<Domain.LabelerInput>] {
        let picked = kCenterGreedy(points: domain.poolLatents, centers: try coreSetCentres(), excluded: poolSelected, count: count)
        guard picked.count == count else { throw .poolExhausted(requested: count, remaining: picked.count) }
        return take(picked)
    }

    /// One core-set centre per train sample, in train-set order: a pool sample's code (its
    /// encoder mean, as the pool codes), a synthesized sample's decoded mask encoded by the VAE
    /// (`SampleDomain.encode`), so that every centre is where the encoder puts a mask. The
    /// encodings are computed once per sample and kept.
    mutating func coreSetCentres() throws(SamplingError) -> [[Double]] {
        let new = samples[encodedCentres.count...]
        let synthesized = new.filter { $0.origin == .synthesized }
        var encoded: [[Double]] = []
        if !synthesized.isEmpty { encoded = try domain.encode(synthesized.map(\.image)) }
        guard encoded.count == synthesized.count else {
            throw .mismatch("\(encoded.count) encodings for \(synthesized.count) synthesized samples")
        }
        encoded.reverse()
        for sample in new { encodedCentres.append(sample.origin == .synthesized ? encoded.removeLast() : sample.latent) }
        return encodedCentres
    }

    /// Pool indices not selected yet, ascending.
    func unselectedPoolIndices() -> [Int] { poolSelected.indices.filter { !poolSelected[$0] } }

    /// Marks the pool samples selected and returns their candidates.
    mutating func take(_ indices: [Int]) -> [SampleCandidate<Domain.LabelerInput>] {
        for index in indices { markSelected(index) }
        return indices.map { domain.poolCandidate($0) }
    }

    private mutating func markSelected(_ index: Int) {
        poolSelected[index] = true
        search?.markSelected(index)
    }
}

/// `count` distinct indices of 0..<n in a seeded random order (partial Fisher-Yates).
func randomSubset(of n: Int, count: Int, generator: inout SeededGenerator) -> [Int] {
    var indices = Array(0..<n)
    for i in 0..<min(count, n) {
        let j = i + Int(generator.next() % UInt64(n - i))
        indices.swapAt(i, j)
    }
    return Array(indices.prefix(count))
}

/// Seconds elapsed since `start`.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let (whole, atto) = (ContinuousClock.now - start).components
    return Double(whole) + Double(atto) * 1e-18
}
