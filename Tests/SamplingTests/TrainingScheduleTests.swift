import Foundation
import Datasets
import Learning
import Neural
import Storage
import Testing
@testable import Sampling

/// A learner that records how the sampler trains it: the epochs of every `train` call and the
/// seeds of every `reinitialize` call (its metric is the mean label, as `DriftLearner`'s).
final class ScheduleSpyLearner: TaskLearner {
    var epochs: [Int] = []
    var counts: [Int] = []
    var reinitializations: [UInt64] = []
    var mean = 0.0

    func train(on samples: [SampleRecord<Float>], epochs: Int, seed: UInt64) throws(SamplingError) {
        self.epochs.append(epochs)
        counts.append(samples.count)
        mean = samples.reduce(0.0) { $0 + Double($1.label) } / Double(samples.count)
    }

    func reinitialize(seed: UInt64) throws(SamplingError) { reinitializations.append(seed) }

    /// Batches of 5 samples.
    func stepsPerEpoch(sampleCount: Int) -> Int { (sampleCount + 4) / 5 }

    func latentGradients(latents: [[Double]], labels: [Float]) throws(SamplingError) -> [[Double]] { latents.map { _ in [2, 0] } }

    func evaluate() throws(SamplingError) -> Double { mean }

    func committeeDisagreement(images: [[Float]]) throws(SamplingError) -> [Double] { images.map { Double($0[1]) } }
}

struct TrainingScheduleTests {
    @Test func theDefaultIsTheContinuingSchedule() {
        #expect(SamplingOptions().training == .continuing)
        #expect(IVUSExperimentOptions().sampling.training == .continuing)
        #expect(IVUSExperimentOptions.demo.sampling.training == .continuing)
        #expect(TrainingSchedule(rawValue: "continue") == .continuing)
        #expect(TrainingSchedule(rawValue: "from-scratch") == .fromScratch)
    }

    /// `continue` trains `epochsPerRound` more epochs every round and never re-initializes.
    @Test func continuingTrainsEpochsPerRoundWithoutReinitializing() throws {
        let learner = ScheduleSpyLearner()
        let options = ProgressiveSamplerTests.options(seed: 3)
        _ = try ProgressiveSampler(domain: PlaneDomain(poolSize: 100, seed: 1), learner: learner, options: options).run(strategy: .random)
        #expect(learner.epochs == [1, 1, 1, 1])
        #expect(learner.reinitializations.isEmpty)
    }

    /// `from-scratch` re-initializes before every round's training with a seed of (seed, round)
    /// and trains whole epochs of at least `stepsPerRound` steps; the samples chosen are those
    /// of `continue` (the schedule changes the training only).
    @Test func fromScratchReinitializesEveryRoundAndEqualizesSteps() throws {
        var options = ProgressiveSamplerTests.options(seed: 3)
        options.training = .fromScratch
        options.stepsPerRound = 7
        let learner = ScheduleSpyLearner()
        let domain = PlaneDomain(poolSize: 100, seed: 1)
        let run = try ProgressiveSampler(domain: domain, learner: learner, options: options).run(strategy: .random)
        #expect(learner.counts == [12, 20, 28, 36])
        // 12 samples: 3 steps per epoch -> 3 epochs (9 steps); 20: 4 -> 2 (8); 28: 6 -> 2 (12); 36: 8 -> 1 (8).
        #expect(learner.epochs == [3, 2, 2, 1])
        #expect(learner.reinitializations == (1...4).map { options.initializationSeed(round: $0) })
        #expect(Set(learner.reinitializations).count == 4)
        var other = options
        other.seed = 4
        #expect(other.initializationSeed(round: 2) != options.initializationSeed(round: 2))

        let continuing = try ProgressiveSampler(domain: domain, learner: ScheduleSpyLearner(),
                                                options: ProgressiveSamplerTests.options(seed: 3)).run(strategy: .random)
        #expect(run.samples.map(\.poolIndex) == continuing.samples.map(\.poolIndex))
    }

    @Test func stepsPerRoundMustBePositive() {
        var options = SamplingOptions()
        options.stepsPerRound = 0
        #expect(throws: SamplingError.invalidOption(name: "stepsPerRound", reason: "must be at least 1, got 0")) { try options.validate() }
    }

    /// The learners count the mini-batches of an epoch as the trainers make them.
    @Test func miniBatchCountMatchesTheTrainers() {
        #expect((1...100).map { miniBatchCount($0, batchSize: 32, droppingSingletons: true) }
            == (1...100).map { n in n <= 32 ? 1 : (n + 31) / 32 - (n % 32 == 1 ? 1 : 0) })
        #expect(miniBatchCount(33, batchSize: 32, droppingSingletons: true) == 1)
        #expect(miniBatchCount(33, batchSize: 32, droppingSingletons: false) == 2)
        #expect(miniBatchCount(400, batchSize: 32, droppingSingletons: true) == 13)
        #expect(miniBatchCount(40, batchSize: 32, droppingSingletons: true) == 2)
    }

    /// Ring masks with a stress of 40 kPa + 1 kPa per row + `offset` on the wall, as train records.
    static func rings(_ count: Int, offset: Float) -> [SampleRecord<[Float]>] {
        let side = SurrogateTrainer.imageSize
        return (0..<count).map { k in
            let inner = Double(6 + k % 5), outer = Double(12 + k % 7)
            var image = [Float](repeating: 0, count: side * side)
            var label = image
            for row in 0..<side {
                for column in 0..<side {
                    let r = ((Double(row) - 31.5) * (Double(row) - 31.5) + (Double(column) - 31.5) * (Double(column) - 31.5)).squareRoot()
                    if r >= inner && r <= outer {
                        image[row * side + column] = 1
                        label[row * side + column] = 40 + Float(row) + offset
                    }
                }
            }
            return SampleRecord(latent: [0, 0, 0], round: 1, origin: .pool, poolIndex: k, anchor: nil, image: image, label: label)
        }
    }

    static func learner(seed: UInt64, committee: Int = 0) throws -> SurrogateLearner {
        let side = SurrogateTrainer.imageSize
        let test = rings(3, offset: 5)
        let masks = try ImageBatch(count: test.count, height: side, width: side, values: test.flatMap(\.image))
        let stress = try ImageBatch(count: test.count, height: side, width: side, values: test.flatMap(\.label))
        let members = try (0..<committee).map { k in try SurrogateTrainer(seed: seed &+ 1_000 &* UInt64(k + 1)) }
        return SurrogateLearner(trainer: try SurrogateTrainer(seed: seed), autoencoder: try VAETrainer(seed: 1, hiddenSize: 8),
                                testMasks: masks, testStress: stress, committee: members)
    }

    /// After `reinitialize(seed:)` the surrogate's next training does not depend on what it was
    /// trained on before (only on the kept normalization): two learners with different initial
    /// weights and different earlier training give the same weights, bit for bit; a
    /// continuing learner does not. The committee is re-initialized too.
    @Test func reinitializedSurrogateForgetsEarlierTraining() throws {
        let first = try Self.learner(seed: 1, committee: 1)
        let firstRound = Self.rings(4, offset: 0)
        try first.train(on: firstRound, epochs: 2, seed: 11)
        let normalization = try #require(first.trainer.normalization)

        let second = try Self.learner(seed: 2, committee: 1)
        try second.train(on: firstRound, epochs: 1, seed: 12)
        #expect(second.trainer.normalization == normalization, "fitted to the same round-1 set")
        try second.train(on: Self.rings(5, offset: 9), epochs: 1, seed: 13)

        let nextRound = Self.rings(6, offset: 2)
        for learner in [first, second] {
            try learner.reinitialize(seed: 77)
            #expect(learner.trainer.epochsCompleted == 0 && learner.trainer.normalization == normalization)
            try learner.train(on: nextRound, epochs: 2, seed: 21)
        }
        #expect(try first.evaluate().bitPattern == second.evaluate().bitPattern)
        let masks = first.testMasks
        #expect(try first.trainer.predict(masks: masks).values == second.trainer.predict(masks: masks).values)
        #expect(try first.committee[0].predict(masks: masks).values == second.committee[0].predict(masks: masks).values)

        let continuing = try Self.learner(seed: 1)
        try continuing.train(on: firstRound, epochs: 2, seed: 11)
        try continuing.train(on: nextRound, epochs: 2, seed: 21)
        #expect(try continuing.trainer.predict(masks: masks).values != first.trainer.predict(masks: masks).values)
        #expect(first.stepsPerEpoch(sampleCount: 6) == 1 && first.stepsPerEpoch(sampleCount: 400) == 13)
    }

    /// A tiny IVUS experiment from scratch: same seed, same bytes; the schedule is in the
    /// README and in experiment.h5's options.
    @Test func tinyIVUSExperimentFromScratchIsReproducibleAndRecorded() throws {
        var options = ExperimentTests.tinyOptions
        options.strategies = [.interpolation, .random]
        options.sampling.training = .fromScratch
        options.sampling.stepsPerRound = 3
        let first = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        let second = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        #expect(ExperimentTests.bytes(first) == ExperimentTests.bytes(second))
        options.sampling.training = .continuing
        let continuing = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        #expect(continuing.curves.curves.map { $0.rounds.map(\.metric) } != first.curves.curves.map { $0.rounds.map(\.metric) })

        let directory = NSTemporaryDirectory() + "plaquefem-schedule-\(ProcessInfo.processInfo.processIdentifier)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try ExperimentFiles(directory: directory, provenance: Provenance(softwareVersion: "test", commandLine: "test"))
        try first.writeReport(to: files, title: "tiny", command: "test")
        let readme = try String(contentsOfFile: files.path("README.md"), encoding: .utf8)
        #expect(readme.contains("--training from-scratch --steps-per-round 3"), "\(readme)")
        let file = try HDF5File.open(at: files.path("experiment.h5"))
        let json = try file.attributes.string("options_json")
        try file.close()
        #expect(json.contains("\"training\":\"from-scratch\"") && json.contains("\"stepsPerRound\":3"), "\(json)")
    }
}
