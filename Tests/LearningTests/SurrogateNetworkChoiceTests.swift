import Foundation
@testable import Learning
import Neural
import Storage
import Testing

/// The trainer with the U-Net and the wall-aware output: model files name the network, loading
/// builds the right one, and the learning-rate schedule.
@Suite struct SurrogateNetworkChoiceTests {
    @Test func unetModelFileRoundTripsAndNamesItsNetwork() throws {
        let data = syntheticRings(count: 4)
        let trainer = try SurrogateTrainer(seed: 3, architecture: .unet, options: SurrogateTrainingOptions(batchSize: 4))
        #expect(trainer.network.masksOutput)
        try trainer.train(masks: data.masks, stress: data.stress, epochs: 1, shuffleSeed: 1)
        let path = temporaryPath("unet.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trainer.save(to: path, softwareVersion: "test")
        let file = try HDF5File.open(at: path)
        #expect(try file.attributes.string("surrogate_network") == "unet")
        #expect(try file.attributes.scalar("architecture_masked_output", as: Int64.self) == 1)
        #expect(try file.attributes.scalar("architecture_levels", as: Int64.self) == 4)
        #expect(try file.attributes.scalar("architecture_base_channels", as: Int64.self) == 16)
        #expect(try file.openDataset("down/0/0/weight").shape == [16, 1, 3, 3])
        #expect(try file.openDataset("decode/0/4/num_batches_tracked").read(as: Int64.self) == [1])
        try file.close()

        let loaded = try SurrogateTrainer.load(path: path)
        #expect(loaded.architecture == .unet && loaded.network.masksOutput)
        #expect(loaded.network.namedParameters() == trainer.network.namedParameters())
        let predicted = try loaded.predict(masks: data.masks)
        #expect(predicted == (try trainer.predict(masks: data.masks)))
        // Wall-aware: exactly 0 outside the wall.
        #expect(zip(predicted.values, data.masks.values).allSatisfy { $1 != 0 || $0 == 0 })
    }

    @Test func paperNetworkStaysUnmaskedByDefaultAndCanBeMasked() throws {
        let data = syntheticRings(count: 4)
        let plain = try SurrogateTrainer(seed: 5, options: SurrogateTrainingOptions(batchSize: 4))
        let masked = try SurrogateTrainer(seed: 5, masksOutput: true, options: SurrogateTrainingOptions(batchSize: 4))
        #expect(plain.architecture == .paper && !plain.network.masksOutput && masked.network.masksOutput)
        try plain.train(masks: data.masks, stress: data.stress, epochs: 1, shuffleSeed: 2)
        try masked.train(masks: data.masks, stress: data.stress, epochs: 1, shuffleSeed: 2)
        #expect(try plain.predict(masks: data.masks).values.contains { $0 != 0 })
        let path = temporaryPath("masked-paper.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try masked.save(to: path, softwareVersion: "test")
        let loaded = try SurrogateTrainer.load(path: path)
        #expect(loaded.architecture == .paper && loaded.network.masksOutput)
        let predicted = try loaded.predict(masks: data.masks)
        #expect(predicted == (try masked.predict(masks: data.masks)))
        #expect(zip(predicted.values, data.masks.values).allSatisfy { $1 != 0 || $0 == 0 })
    }

    @Test func unetWeightsDoNotLoadAsThePaperNetwork() throws {
        let data = syntheticRings(count: 2)
        let trainer = try SurrogateTrainer(seed: 1, architecture: .unet)
        try trainer.train(masks: data.masks, stress: data.stress, epochs: 0, shuffleSeed: 0)
        let path = temporaryPath("unet-as-paper.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trainer.save(to: path, softwareVersion: "test")
        let file = try HDF5File.open(at: path, mode: .readWrite)
        try file.attributes.set("surrogate_network", to: "paper")
        try file.close()
        #expect(throws: LearningError.self) { try SurrogateTrainer.load(path: path) }
    }

    @Test func cosineDecaySchedule() throws {
        let constant = SurrogateTrainingOptions(learningRate: 1e-3)
        #expect(constant.learningRate(atEpoch: 7) == 1e-3)
        let cosine = SurrogateTrainingOptions(learningRate: 1e-3, cosineDecayEpochs: 4)
        let rates = (1...6).map { cosine.learningRate(atEpoch: $0) }
        // (1 + cos(pi k / 4)) / 2 for k = 0, 1, 2, 3, then the rate of epoch 4 is kept.
        let expected = [1.0, 0.853553390593, 0.5, 0.146446609407, 0.146446609407, 0.146446609407].map { $0 * 1e-3 }
        #expect(zip(rates, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(throws: LearningError.self) { try SurrogateTrainingOptions(cosineDecayEpochs: 0).validate() }
    }
}
