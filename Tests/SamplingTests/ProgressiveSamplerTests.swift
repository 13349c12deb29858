import Neural
import Testing
@testable import Sampling

/// A domain of 2-d codes: decoding z gives the image [z0, z1]; the labeler fails when z0 > 0.8
/// (a stand-in for masks that fail validation) and labels z0 + z1 otherwise.
final class PlaneDomain: SampleDomain {
    struct ThresholdLabeler: Labeler {
        var threshold: Float = 0.8
        func label(_ input: [Float]) throws(LabelerFailure) -> Float {
            if input[0] > threshold { throw .notInPool(index: -1, poolSize: 0) }
            return input[0] + input[1]
        }
    }

    let latentDimension = 2
    let poolLatents: [[Double]]
    var poolCount: Int { poolLatents.count }
    let labeler: ThresholdLabeler

    /// `threshold`: decodes and pool samples with z0 above it fail labeling (infinity: none fail).
    init(poolSize: Int, seed: UInt64, threshold: Float = 0.8) {
        labeler = ThresholdLabeler(threshold: threshold)
        var generator = SeededGenerator(seed: seed)
        poolLatents = (0..<poolSize).map { _ in [generator.nextUnitDouble() * 2 - 1, generator.nextUnitDouble() * 2 - 1] }
    }

    func poolCandidate(_ index: Int) -> SampleCandidate<[Float]> {
        let image = poolLatents[index].map(Float.init)
        return SampleCandidate(latent: poolLatents[index], origin: .pool, poolIndex: index, anchor: nil, image: image, labelerInput: image)
    }

    func decode(_ latents: [[Double]]) throws(SamplingError) -> [SampleCandidate<[Float]>] {
        latents.map { z in
            let image = z.map(Float.init)
            return SampleCandidate(latent: z, origin: .synthesized, poolIndex: nil, anchor: nil, image: image, labelerInput: image)
        }
    }

    func label(_ inputs: [[Float]]) -> [Result<Float, LabelerFailure>] { labeler.label(batch: inputs, jobs: 2) }

    /// The "encoder" of a plane image is the image itself (in Double).
    func encode(_ images: [[Float]]) throws(SamplingError) -> [[Double]] { images.map { $0.map(Double.init) } }
}

/// A learner whose loss gradient points along +z0 (towards the failing region) and whose
/// metric is the mean label of the train set.
final class DriftLearner: TaskLearner {
    var trainedCounts: [Int] = []
    var mean = 0.0

    func train(on samples: [SampleRecord<Float>], epochs: Int, seed: UInt64) throws(SamplingError) {
        trainedCounts.append(samples.count)
        mean = samples.reduce(0.0) { $0 + Double($1.label) } / Double(samples.count)
    }

    func latentGradients(latents: [[Double]], labels: [Float]) throws(SamplingError) -> [[Double]] {
        latents.map { _ in [2, 0] }
    }

    func evaluate() throws(SamplingError) -> Double { mean }

    /// A stand-in committee that disagrees most where the image's second value is largest.
    func committeeDisagreement(images: [[Float]]) throws(SamplingError) -> [Double] { images.map { Double($0[1]) } }
}

struct ProgressiveSamplerTests {
    static func options(seed: UInt64) -> SamplingOptions {
        var options = SamplingOptions()
        options.rounds = 4
        options.initialCount = 12
        options.increment = 8
        options.anchorsPerRound = 4
        options.epochsPerRound = 1
        options.step = LatentStep(stepSize: 0.3, priorRadius: 1.2)
        options.seed = seed
        return options
    }

    /// Decodes that fail labeling are stored with their reason and replaced: every round adds
    /// exactly its quota, and no accepted sample lies in the failing region.
    @Test func invalidDecodesAreReplaced() throws {
        let learner = DriftLearner()
        let run = try ProgressiveSampler(domain: PlaneDomain(poolSize: 10, seed: 1), learner: learner, options: Self.options(seed: 4))
            .run(strategy: .interpolation)
        #expect(run.samples.count == 12 + 3 * 8)
        #expect(learner.trainedCounts == [12, 20, 28, 36])
        for round in 1...4 {
            #expect(run.samples.filter { $0.round == round }.count == (round == 1 ? 12 : 8))
        }
        #expect(!run.rejected.isEmpty, "the drift towards z0 > 0.8 produces failures")
        #expect(run.rejected.allSatisfy { $0.latent[0] > 0.8 && $0.code == 400 && !$0.reason.isEmpty })
        #expect(run.samples.allSatisfy { $0.latent[0] <= 0.8 && $0.origin == .synthesized })
        #expect(run.curve.map(\.failures).reduce(0, +) == run.rejected.count)
        #expect(run.samples.allSatisfy { $0.latent.reduce(0) { $0 + $1 * $1 } <= 1.2 * 1.2 + 1e-12 }, "inside the prior ball")
        #expect(run.samples.filter { $0.round > 1 }.allSatisfy { $0.anchor != nil })
    }

    /// The same seed gives the same run, byte for byte; another seed does not.
    @Test func sameSeedSameBytes() throws {
        func run(_ seed: UInt64, _ strategy: SamplingStrategy) throws -> [UInt64] {
            let result = try ProgressiveSampler(domain: PlaneDomain(poolSize: 200, seed: 1), learner: DriftLearner(),
                                                options: Self.options(seed: seed)).run(strategy: strategy)
            return result.samples.flatMap { $0.latent.map(\.bitPattern) + [UInt64($0.poolIndex ?? -1 & 0xFFFF)] }
                + result.curve.map(\.metric.bitPattern)
        }
        for strategy in SamplingStrategy.allCases {
            #expect(try run(7, strategy) == run(7, strategy))
            #expect(try run(7, strategy) != run(8, strategy))
        }
    }

    /// SNN adds each displaced code's nearest unselected pool sample; random adds distinct pool samples.
    @Test func nearestNeighbourAndRandomUseDistinctPoolSamples() throws {
        let domain = PlaneDomain(poolSize: 300, seed: 2)
        for strategy in [SamplingStrategy.nearestNeighbour, .random] {
            let run = try ProgressiveSampler(domain: domain, learner: DriftLearner(), options: Self.options(seed: 3)).run(strategy: strategy)
            let indices = run.samples.compactMap(\.poolIndex)
            #expect(indices.count == run.samples.count && Set(indices).count == indices.count)
            #expect(run.samples.allSatisfy { $0.origin == .pool && $0.latent == domain.poolLatents[$0.poolIndex!] })
        }
    }

    @Test func poolTooSmallIsATypedError() {
        #expect(throws: SamplingError.poolExhausted(requested: 12, remaining: 5)) {
            try ProgressiveSampler(domain: PlaneDomain(poolSize: 5, seed: 1), learner: DriftLearner(), options: Self.options(seed: 1))
                .run(strategy: .random)
        }
    }

    @Test func invalidOptionsAreRejected() {
        var options = Self.options(seed: 1)
        options.step.stepSize = 0
        #expect(throws: SamplingError.self) {
            try ProgressiveSampler(domain: PlaneDomain(poolSize: 50, seed: 1), learner: DriftLearner(), options: options).run(strategy: .random)
        }
    }
}
