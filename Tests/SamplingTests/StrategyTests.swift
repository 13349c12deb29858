import Foundation
import Neural
import Testing
@testable import Sampling

/// The strategies beside the paper's: SI-data, SI-mix, SI-pool, core-set, QBC, SI-coreset and SI-QBC.
struct StrategyTests {
    static func options(seed: UInt64) -> SamplingOptions { ProgressiveSamplerTests.options(seed: seed) }

    static func run(_ strategy: SamplingStrategy, domain: PlaneDomain, seed: UInt64 = 3,
                    adjust: (inout SamplingOptions) -> Void = { _ in }) throws -> SamplingRun<Float> {
        var options = Self.options(seed: seed)
        adjust(&options)
        return try ProgressiveSampler(domain: domain, learner: DriftLearner(), options: options).run(strategy: strategy)
    }

    @Test func kCenterGreedyPicksTheFarthestPointFirst() {
        let points: [[Double]] = [[0], [1], [2], [10], [5], [-3]]
        // From the centre 0: 10 is farthest; then 5 (5 from both 0 and 10) beats -3 (3 from 0).
        #expect(kCenterGreedy(points: points, centers: [[0]], excluded: [true, false, false, false, false, false], count: 2) == [3, 4])
        // Excluded points are never picked, and without centres the first pick is index 0 (all infinitely far; lowest index).
        #expect(kCenterGreedy(points: points, centers: [], excluded: [false, false, false, true, false, false], count: 2) == [0, 4])
        #expect(kCenterGreedy(points: points, centers: [[0]], excluded: Array(repeating: true, count: 6), count: 2).isEmpty)
    }

    @Test func largestScoresBreakTiesByIndex() {
        #expect(largestScores([1, 5, 3, 5, 0], count: 3) == [1, 3, 2])
    }

    /// Core-set rounds after the first add exactly the k-center greedy picks over the pool codes
    /// with the train set as centres.
    @Test func coreSetRoundsAreKCenterGreedy() throws {
        let domain = PlaneDomain(poolSize: 120, seed: 5, threshold: .infinity)
        let run = try Self.run(.coreSet, domain: domain)
        let first = run.samples.filter { $0.round == 1 }
        var excluded = Array(repeating: false, count: domain.poolCount)
        for sample in first { excluded[sample.poolIndex!] = true }
        let expected = kCenterGreedy(points: domain.poolLatents, centers: first.map(\.latent), excluded: excluded, count: 8)
        #expect(run.samples.filter { $0.round == 2 }.map { $0.poolIndex! } == expected)
        let indices = run.samples.compactMap(\.poolIndex)
        #expect(indices.count == run.samples.count && Set(indices).count == indices.count)
    }

    /// QBC adds the unselected pool samples of largest disagreement (here: largest z1).
    @Test func committeePicksTheLargestDisagreement() throws {
        let domain = PlaneDomain(poolSize: 150, seed: 6, threshold: .infinity)
        let run = try Self.run(.committee, domain: domain)
        var selected = Set(run.samples.filter { $0.round == 1 }.compactMap(\.poolIndex))
        for round in 2...4 {
            let added = run.samples.filter { $0.round == round }.map { $0.poolIndex! }
            let remaining = (0..<domain.poolCount).filter { !selected.contains($0) }
            let best = remaining.sorted { domain.poolLatents[$0][1] > domain.poolLatents[$1][1] }.prefix(8)
            #expect(Set(added) == Set(best), "round \(round)")
            selected.formUnion(added)
        }
    }

    /// QBC scores only a seeded subset of `committeeCandidates` when the pool is larger; the
    /// picks are the best of that subset.
    @Test func committeeScoresASeededSubset() throws {
        let domain = PlaneDomain(poolSize: 400, seed: 7, threshold: .infinity)
        let small = try Self.run(.committee, domain: domain) { $0.committeeCandidates = 20 }
        let again = try Self.run(.committee, domain: domain) { $0.committeeCandidates = 20 }
        #expect(small.samples.map(\.poolIndex) == again.samples.map(\.poolIndex))
        let full = try Self.run(.committee, domain: domain)
        #expect(small.samples.map(\.poolIndex) != full.samples.map(\.poolIndex))
    }

    @Test func committeeWithoutACommitteeIsATypedError() throws {
        final class Plain: TaskLearner {
            func train(on samples: [SampleRecord<Float>], epochs: Int, seed: UInt64) throws(SamplingError) {}
            func latentGradients(latents: [[Double]], labels: [Float]) throws(SamplingError) -> [[Double]] { latents }
            func evaluate() throws(SamplingError) -> Double { 0 }
        }
        #expect(throws: SamplingError.self) {
            try ProgressiveSampler(domain: PlaneDomain(poolSize: 60, seed: 1), learner: Plain(), options: Self.options(seed: 1))
                .run(strategy: .committee)
        }
    }

    /// SI-data: round 1 from the pool, later rounds decoded from steps inside the ball matched to
    /// the pool codes.
    @Test func dataInterpolationStaysInTheMatchedBall() throws {
        let domain = PlaneDomain(poolSize: 200, seed: 8)
        let posterior = try AggregatePosterior(codes: domain.poolLatents, priorRadius: 1.2)
        let run = try Self.run(.dataInterpolation, domain: domain)
        #expect(run.samples.filter { $0.round == 1 }.allSatisfy { $0.origin == .pool })
        let later = run.samples.filter { $0.round > 1 }
        #expect(later.count == 24 && later.allSatisfy { $0.origin == .synthesized && $0.anchor != nil })
        for sample in later {
            let w = (0..<2).map { (sample.latent[$0] - posterior.mean[$0]) / posterior.standardDeviation[$0] }
            #expect((w[0] * w[0] + w[1] * w[1]).squareRoot() <= posterior.radius + 1e-9)
        }
    }

    /// SI-mix: with no failures, every later round is half random pool picks, half SI-data decodes.
    @Test func mixedInterpolationTakesItsShareAtRandom() throws {
        let domain = PlaneDomain(poolSize: 200, seed: 9, threshold: .infinity)
        let run = try Self.run(.mixedInterpolation, domain: domain) { $0.explorationShare = 0.25 }
        for round in 2...4 {
            let added = run.samples.filter { $0.round == round }
            #expect(added.filter { $0.origin == .pool && $0.anchor == nil }.count == 2)
            #expect(added.filter { $0.origin == .synthesized }.count == 6)
        }
    }

    /// SI-pool: later rounds add distinct pool samples, each the nearest unselected one to a step.
    @Test func poolInterpolationAddsDistinctPoolSamples() throws {
        let domain = PlaneDomain(poolSize: 200, seed: 10, threshold: .infinity)
        let run = try Self.run(.poolInterpolation, domain: domain)
        let indices = run.samples.compactMap(\.poolIndex)
        #expect(indices.count == run.samples.count && Set(indices).count == indices.count)
        #expect(run.samples.filter { $0.round > 1 }.allSatisfy { $0.anchor != nil && $0.origin == .pool })
    }

    /// Every strategy: same seed, same picks; another seed, other picks.
    @Test func everyStrategyIsDeterministicWithItsSeed() throws {
        let domain = PlaneDomain(poolSize: 200, seed: 11, threshold: .infinity)
        for strategy in SamplingStrategy.allCases {
            let a = try Self.run(strategy, domain: domain, seed: 4).samples.flatMap { $0.latent.map(\.bitPattern) }
            let b = try Self.run(strategy, domain: domain, seed: 4).samples.flatMap { $0.latent.map(\.bitPattern) }
            let c = try Self.run(strategy, domain: domain, seed: 5).samples.flatMap { $0.latent.map(\.bitPattern) }
            #expect(a == b, "\(strategy.rawValue)")
            #expect(a != c, "\(strategy.rawValue)")
        }
    }

    /// SI-coreset and SI-QBC: rounds 1...K are SI's, bit for bit (train set, rejected decodes,
    /// curve), with failing decodes replaced as SI replaces them; later rounds add pool samples,
    /// SI-coreset's the k-center greedy picks with the synthesized samples' encodings as centres.
    @Test func hybridsFollowSIThenTheirPoolStrategy() throws {
        let domain = PlaneDomain(poolSize: 200, seed: 12)
        let si = try Self.run(.interpolation, domain: domain)
        #expect(!si.rejected.isEmpty, "some SI decodes fail (z0 > 0.8) and are replaced")
        func bits(_ samples: [SampleRecord<Float>]) -> [UInt64] {
            samples.flatMap { $0.latent.map(\.bitPattern) + $0.image.map { UInt64($0.bitPattern) } + [UInt64($0.label.bitPattern)] }
                + samples.map { UInt64(($0.anchor ?? -1) + 1) }
        }
        for k in [1, 2] {
            for hybrid in [SamplingStrategy.interpolationThenCoreSet, .interpolationThenCommittee] {
                let run = try Self.run(hybrid, domain: domain) { $0.interpolationRounds = k }
                #expect(bits(run.samples.filter { $0.round <= k }) == bits(si.samples.filter { $0.round <= k }), "\(hybrid.rawValue), K = \(k)")
                #expect(run.rejected.filter { $0.round <= k }.flatMap { $0.latent.map(\.bitPattern) }
                    == si.rejected.filter { $0.round <= k }.flatMap { $0.latent.map(\.bitPattern) })
                #expect(run.curve.prefix(k).map(\.metric.bitPattern) == si.curve.prefix(k).map(\.metric.bitPattern))
                let later = run.samples.filter { $0.round > k }
                #expect(later.count == 8 * (4 - k) && later.allSatisfy { $0.origin == .pool && $0.anchor == nil })
                #expect(Set(later.map { $0.poolIndex! }).count == later.count)
            }
        }
        // Without failing pool samples (which core-set would replace by its next picks):
        let open = PlaneDomain(poolSize: 200, seed: 12, threshold: .infinity)
        let hybrid = try Self.run(.interpolationThenCoreSet, domain: open) { $0.interpolationRounds = 2 }
        let synthesized = hybrid.samples.filter { $0.round <= 2 }
        #expect(synthesized.count == 20 && synthesized.allSatisfy { $0.origin == .synthesized })
        let expected = kCenterGreedy(points: open.poolLatents, centers: synthesized.map { $0.image.map(Double.init) },
                                     excluded: Array(repeating: false, count: open.poolCount), count: 8)
        #expect(hybrid.samples.filter { $0.round == 3 }.map { $0.poolIndex! } == expected)
        #expect(throws: SamplingError.self) { try Self.run(.interpolationThenCoreSet, domain: domain) { $0.interpolationRounds = 0 } }
    }

    @Test func aggregatePosteriorMatchesThePriorBallsCoverage() throws {
        #expect(abs(AggregatePosterior.chiSquareCDF(9, degrees: 3) - 0.970_709) < 1e-5)
        #expect(abs(AggregatePosterior.chiSquareCDF(4, degrees: 2) - (1 - exp(-2))) < 1e-12)
        // Codes N(mu, diag(sigma^2)) give back mu, sigma and about the prior's radius in whitened units.
        var generator = SeededGenerator(seed: 3)
        let codes = (0..<4_000).map { _ in [1 + 2 * generator.nextStandardNormal(), -1 + 0.5 * generator.nextStandardNormal(),
                                            generator.nextStandardNormal()] }
        let posterior = try AggregatePosterior(codes: codes, priorRadius: 3)
        #expect(abs(posterior.mean[0] - 1) < 0.1 && abs(posterior.standardDeviation[1] - 0.5) < 0.03)
        #expect(abs(posterior.radius - 3) < 0.15)
        // A step moves alpha in whitened units and never leaves the ball.
        let moved = posterior.displaced(posterior.mean, along: [1, 0, 0], stepSize: 0.5)
        #expect(abs((moved[0] - posterior.mean[0]) / posterior.standardDeviation[0] - 0.5) < 1e-12)
        let far = posterior.displaced([100, 0, 0], along: [1, 0, 0], stepSize: 0.5)
        let w = (0..<3).map { (far[$0] - posterior.mean[$0]) / posterior.standardDeviation[$0] }
        #expect(abs(w.reduce(0) { $0 + $1 * $1 }.squareRoot() - posterior.radius) < 1e-9)
        #expect(throws: SamplingError.self) { try AggregatePosterior(codes: [[0, 0]], priorRadius: 3) }
    }

    @Test func strategyListsParse() throws {
        #expect(try SamplingStrategy.list("si, SI-pool,random,coreset,qbc") == [.interpolation, .poolInterpolation, .random, .coreSet, .committee])
        #expect(try SamplingStrategy.list("SI-coreset,si-qbc") == [.interpolationThenCoreSet, .interpolationThenCommittee])
        #expect(throws: SamplingError.self) { try SamplingStrategy.list("SI,bogus") }
        #expect(throws: SamplingError.self) { try SamplingStrategy.list(" , ") }
    }

    @Test func committeeVarianceIsTheMeanPixelVariance() {
        // Two members, two items of two pixels: variances (1, 0) and (0, 4) -> means 0.5 and 2.
        let scores = committeeVariance([[0, 5, 1, 2], [2, 5, 1, 6]], count: 2)
        #expect(scores == [0.5, 2])
    }
}
