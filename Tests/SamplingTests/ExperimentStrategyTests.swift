import Foundation
import Raster
import Testing
@testable import Sampling

/// The new strategies, the validation split and the user's masks through the IVUS experiment.
struct ExperimentStrategyTests {
    /// Every new strategy runs end to end (tiny), pool strategies only add pool masks, and the
    /// report names every strategy.
    @Test func tinyIVUSExperimentWithEveryNewStrategy() throws {
        var options = ExperimentTests.tinyOptions
        options.strategies = [.dataInterpolation, .mixedInterpolation, .poolInterpolation, .coreSet, .committee, .random]
        options.committeeSize = 2
        let result = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        #expect(result.curves.strategies == options.strategies)
        for (curve, run) in zip(result.curves.curves, result.runs) {
            #expect(curve.rounds.map(\.labelCount) == [4, 8])
            #expect(curve.rounds.allSatisfy { $0.metric.isFinite && $0.metric > 0 })
            #expect(run.samples.filter { $0.round == 1 }.allSatisfy { $0.origin == .pool }, "\(run.strategy.rawValue)")
            if !run.strategy.synthesizes { #expect(run.samples.allSatisfy { $0.origin == .pool }, "\(run.strategy.rawValue)") }
        }
        // Round 1 of every strategy but SI is the same seeded random pick.
        let firstRounds = result.runs.map { $0.samples.filter { $0.round == 1 }.compactMap(\.poolIndex) }
        #expect(Set(firstRounds.map { $0 }).count == 1)
        let table = result.curves.markdownTable()
        for strategy in options.strategies { #expect(table.contains(strategy.rawValue)) }
        #expect(table.contains("Paired difference against random") && table.contains("Labels needed to reach random's final"))
    }

    /// SI-coreset and SI-QBC through the experiment: their rows and train sets of rounds
    /// 1...K are SI's, bit for bit; later rounds add pool masks; same seed, same bytes.
    @Test func hybridsStartAsSIAndAreReproducible() throws {
        var options = ExperimentTests.tinyOptions
        options.strategies = [.interpolation, .interpolationThenCoreSet, .interpolationThenCommittee]
        options.committeeSize = 2
        options.sampling.rounds = 3
        options.sampling.interpolationRounds = 2
        let first = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        let si = first.runs[0]
        func bits(_ run: SamplingRun<[Float]>) -> [UInt64] {
            run.samples.filter { $0.round <= 2 }.flatMap { $0.latent.map(\.bitPattern) + ($0.image + $0.label).map { UInt64($0.bitPattern) } }
        }
        for (curve, run) in zip(first.curves.curves, first.runs).dropFirst() {
            #expect(bits(run) == bits(si), "\(run.strategy.rawValue)")
            #expect(curve.rounds.prefix(2) == first.curves.curves[0].rounds.prefix(2), "\(run.strategy.rawValue)")
            #expect(run.samples.filter { $0.round == 3 }.allSatisfy { $0.origin == .pool }, "\(run.strategy.rawValue)")
        }
        let second = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        #expect(ExperimentTests.bytes(first) == ExperimentTests.bytes(second))
        let table = first.curves.markdownTable()
        #expect(table.contains("| round | labels | SI | SI-coreset | SI-QBC |"), "\(table)")
    }

    /// --validation-size: the last pool masks become the evaluation set; the pool shrinks.
    @Test func validationSplitReplacesTheTestSet() throws {
        var options = ExperimentTests.tinyOptions
        options.strategies = [.random]
        options.validationSize = 8
        let result = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        #expect(result.poolCount == 40 && result.testMasks.count + result.testFailures == 8)
        #expect(result.curves.metricName == "validation MSE")
        let generator = try PhantomGenerator(seed: options.phantomSeed)
        #expect(result.testMasks.first == generator.phantoms(in: 40..<48).map(\.mask.original).first { (try? $0.validated()) != nil })
        #expect(result.runs[0].samples.allSatisfy { $0.poolIndex! < 40 })
    }

    /// The user's masks as pool and test set (`--pool`, `--test`).
    @Test func userMasksAsPoolAndTestSet() throws {
        var options = ExperimentTests.tinyOptions
        options.strategies = [.coreSet, .random]
        let generator = try PhantomGenerator(seed: 9)
        let masks = generator.phantoms(in: 0..<30).map(\.mask.original)
        let data = IVUSMaskData(pool: Array(masks.prefix(24)), test: Array(masks.suffix(6)), poolName: "pool.h5", testName: "test.h5")
        let result = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler(), data: data)
        #expect(result.poolCount == 24 && result.dataNames?.pool == "pool.h5")
        #expect(result.testMasks.count + result.testFailures == 6)
        #expect(result.runs.allSatisfy { $0.samples.allSatisfy { $0.poolIndex! < 24 } })
        var small = data
        small.pool = Array(masks.prefix(5))
        #expect(throws: SamplingError.self) { try IVUSExperiment(options: options).run(labeler: RowGradientLabeler(), data: small) }
    }
}
