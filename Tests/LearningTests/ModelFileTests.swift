import Foundation
@testable import Learning
import Neural
import Storage
import Testing

@Suite struct ModelFileTests {
    @Test func surrogateWeightsRoundTripBitExact() throws {
        let data = syntheticRings(count: 4)
        let trainer = try SurrogateTrainer(seed: 3, options: SurrogateTrainingOptions(batchSize: 4))
        try trainer.train(masks: data.masks, stress: data.stress, epochs: 1, shuffleSeed: 1)
        let path = temporaryPath("surrogate.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trainer.save(to: path, softwareVersion: "test")
        let loaded = try SurrogateTrainer.load(path: path)
        #expect(loaded.network.namedParameters() == trainer.network.namedParameters())
        #expect(loaded.network.namedBuffers() == trainer.network.namedBuffers())
        #expect(loaded.normalization == trainer.normalization)
        #expect(loaded.epochsCompleted == 1)
        // BatchNorm counters really went through the file (one step was taken).
        #expect(loaded.network.namedBuffers().first { $0.key.hasSuffix("num_batches_tracked") }?.values == [1])
        #expect(try loaded.predict(masks: data.masks) == trainer.predict(masks: data.masks))
    }

    @Test func layoutFollowsPyTorchKeysAndShapes() throws {
        let trainer = try SurrogateTrainer(seed: 1)
        try trainer.train(masks: syntheticRings(count: 2).masks, stress: syntheticRings(count: 2).stress, epochs: 0, shuffleSeed: 0)
        let path = temporaryPath("layout.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trainer.save(to: path, softwareVersion: "test")
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        #expect(try file.attributes.string("model_kind") == "surrogate")
        #expect(try file.attributes.string("format") == "plaquefem-model")
        #expect(try file.attributes.scalar("stress_scale_kpa", as: Double.self) == trainer.normalization?.scale)
        let conv = try file.openDataset("encoder/0/weight")
        #expect(try conv.shape == [8, 1, 2, 2])
        #expect(conv.elementType == .float32)
        let transposed = try file.openDataset("decoder/1/weight")
        #expect(try transposed.shape == [64, 64, 2, 2])
        let last = try file.openDataset("decoder/17/weight")
        #expect(try last.shape == [8, 1, 3, 3])
        let counter = try file.openDataset("encoder/1/num_batches_tracked")
        #expect(counter.elementType == .int64)
        #expect(try counter.shape == [1])
        #expect(try file.openDataset("encoder/1/running_var").read(as: Float.self) == [Float](repeating: 1, count: 8))
    }

    @Test func vaeAndClassifierRoundTrip() throws {
        let vae = try VAETrainer(seed: 5, imageHeight: 8, imageWidth: 8, latentDimension: 2, hiddenSize: 16)
        let vaePath = temporaryPath("vae.h5")
        let classifier = try ClassifierTrainer(seed: 6)
        let classifierPath = temporaryPath("classifier.h5")
        defer {
            try? FileManager.default.removeItem(atPath: vaePath)
            try? FileManager.default.removeItem(atPath: classifierPath)
        }
        try vae.save(to: vaePath, softwareVersion: "test")
        let loadedVAE = try VAETrainer.load(path: vaePath)
        #expect(loadedVAE.model.namedParameters() == vae.model.namedParameters())
        #expect(loadedVAE.latentDimension == 2 && loadedVAE.imageHeight == 8 && loadedVAE.model.hiddenSize == 16)
        try classifier.save(to: classifierPath, softwareVersion: "test")
        let loadedClassifier = try ClassifierTrainer.load(path: classifierPath)
        #expect(loadedClassifier.network.namedParameters() == classifier.network.namedParameters())
    }

    @Test func loadingRejectsWrongKind() throws {
        let path = temporaryPath("kind.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ClassifierTrainer(seed: 1).save(to: path, softwareVersion: "test")
        #expect(throws: LearningError.wrongModelKind(expected: "surrogate", found: "mnist-classifier")) {
            _ = try SurrogateTrainer.load(path: path)
        }
        #expect(throws: LearningError.wrongModelKind(expected: "vae", found: "mnist-classifier")) {
            _ = try VAETrainer.load(path: path)
        }
    }

    @Test func loadingRejectsMissingUnexpectedAndMisshapenKeys() throws {
        let path = temporaryPath("keys.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        func freshFile() throws -> HDF5File {
            try ClassifierTrainer(seed: 1).save(to: path, softwareVersion: "test")
            return try HDF5File.open(at: path, mode: .readWrite)
        }
        var file = try freshFile()
        try file.removeChild("classifier/2/bias")
        try file.close()
        #expect(throws: LearningError.missingKey("classifier.2.bias")) { _ = try ClassifierTrainer.load(path: path) }

        file = try freshFile()
        try file.createDataset("classifier/5/weight", elementType: Float.self, shape: [1]).close()
        try file.close()
        #expect(throws: LearningError.unexpectedKey("classifier.5.weight")) { _ = try ClassifierTrainer.load(path: path) }

        file = try freshFile()
        try file.removeChild("features/0/weight")
        try file.createDataset("features/0/weight", elementType: Float.self, shape: [20, 1, 4, 4]).close()
        try file.close()
        #expect(throws: LearningError.shapeMismatch(key: "features.0.weight", expected: [20, 1, 5, 5], found: [20, 1, 4, 4])) {
            _ = try ClassifierTrainer.load(path: path)
        }

        file = try freshFile()
        try file.removeChild("features/0/bias")
        try file.createDataset("features/0/bias", elementType: Double.self, shape: [20]).close()
        try file.close()
        #expect(throws: LearningError.elementTypeMismatch(key: "features.0.bias", expected: "float32", found: "float64")) {
            _ = try ClassifierTrainer.load(path: path)
        }
    }

    @Test func loadingRejectsFilesOfOtherFormats() throws {
        let path = temporaryPath("other.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try HDF5File.create(at: path)
        try file.attributes.set("format", to: "plaquefem-labels")
        try file.close()
        #expect {
            _ = try SurrogateTrainer.load(path: path)
        } throws: { error in
            if case .notAModelFile = error as? LearningError { return true }
            return false
        }
    }

    @Test func sameSeedGivesSameFileBytes() throws {
        let data = syntheticRings(count: 3)
        var contents: [Data] = []
        for _ in 0..<2 {
            let trainer = try SurrogateTrainer(seed: 11, options: SurrogateTrainingOptions(batchSize: 3))
            try trainer.train(masks: data.masks, stress: data.stress, epochs: 1, shuffleSeed: 4)
            let path = temporaryPath("bytes.h5")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try trainer.save(to: path, softwareVersion: "test")
            contents.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(contents[0] == contents[1])
    }
}
