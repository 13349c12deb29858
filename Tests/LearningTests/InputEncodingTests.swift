import Foundation
@testable import Learning
import Neural
import Storage
import Testing

/// Synthetic class maps: the rings of `syntheticRings` with a lipid arc (code 2) on the upper half
/// of the inner third of the wall and a calcium spot (code 3) on the right; the rest fibrous (1).
func syntheticClassMaps(count: Int) -> (classes: ImageBatch, stress: ImageBatch) {
    let rings = syntheticRings(count: count)
    var classes = rings.masks.values
    for n in 0..<count {
        for p in 0..<4096 where classes[n * 4096 + p] != 0 {
            let (row, column) = (p / 64, p % 64)
            if row < 28, (20..<44).contains(column), n % 2 == 0 { classes[n * 4096 + p] = 2 }
            if column > 40, (28..<36).contains(row) { classes[n * 4096 + p] = 3 }
        }
    }
    // Stress depends on the class, so that the channels carry information.
    let stress = zip(rings.stress.values, classes).map { s, c in c == 3 ? s * 0.2 : c == 2 ? s * 1.5 : s }
    return (try! ImageBatch(count: count, height: 64, width: 64, values: classes),
            try! ImageBatch(count: count, height: 64, width: 64, values: stress))
}

@Suite struct InputEncodingTests {
    /// The default single-channel path trains as main did before encodings existed: the loss
    /// history of this seeded run was recorded with main's code (04e2831); the tolerance covers
    /// BLAS summation order on other CPUs, not a changed initialisation or input.
    @Test func maskPathTrainsAsBefore() throws {
        let data = syntheticRings(count: 6)
        let trainer = try SurrogateTrainer(seed: 9, options: SurrogateTrainingOptions(batchSize: 3))
        #expect(trainer.inputEncoding == .mask && trainer.network.inputChannels == 1)
        let records = try trainer.train(masks: data.masks, stress: data.stress, epochs: 2, shuffleSeed: 4)
        let recorded = [1.1446332155e-01, 8.7886740298e-02]
        #expect(zip(records.map(\.trainingLoss), recorded).allSatisfy { abs($0 - $1) <= 1e-5 * $1 }, "\(records.map(\.trainingLoss))")
        let first = Array(trainer.network.namedParameters()[0].values.prefix(3))
        #expect(zip(first, [-0.50078243, -0.2473987, -0.36595598] as [Float]).allSatisfy { abs($0 - $1) <= 1e-5 })

        // train(masks:) is train(inputs: .masks(...)), bit for bit.
        let again = try SurrogateTrainer(seed: 9, options: SurrogateTrainingOptions(batchSize: 3))
        let records2 = try again.train(inputs: .masks(data.masks), stress: data.stress, epochs: 2, shuffleSeed: 4)
        #expect(records2 == records)
        #expect(again.network.namedParameters() == trainer.network.namedParameters())
        // A mask model given class maps sees their wall: the same prediction as from the masks.
        let classes = syntheticClassMaps(count: 6).classes
        #expect(try trainer.predict(inputs: .classMaps(classes)) == trainer.predict(masks: data.masks))
    }

    @Test func componentChannelsAreOneHot() throws {
        let classes = try SurrogateInputs.classMaps([0, 1, 2, 3, 1, 0], count: 1, height: 2, width: 3)
        let tensor = try classes.tensor(for: .components)
        #expect(tensor.shape == [1, 3, 2, 3])
        #expect(tensor.scalars == [0, 1, 0, 0, 1, 0, /* lipid */ 0, 0, 1, 0, 0, 0, /* calcium */ 0, 0, 0, 1, 0, 0])
        #expect(try classes.tensor(for: .mask).scalars == [0, 1, 1, 1, 1, 0])
        #expect(classes.wallMasks.values == [0, 1, 1, 1, 1, 0])
        let masks = try ImageBatch(count: 1, height: 2, width: 3, values: [0, 1, 0.5, 1, 1, 0])
        #expect(try SurrogateInputs.masks(masks).tensor(for: .mask) == masks.tensor())
        #expect(SurrogateInputEncoding.components.channelCount == 3 && SurrogateInputEncoding.mask.channelCount == 1)
        #expect(throws: LearningError.self) { try SurrogateInputs.classMaps([0, 4], count: 1, height: 1, width: 2) }
        #expect(throws: LearningError.self) { try SurrogateInputs.classMaps(masks) }
    }

    @Test func componentModelRoundTripsThroughItsFile() throws {
        let data = syntheticClassMaps(count: 4)
        for architecture in [SurrogateArchitecture.paper, .unet] {
            let trainer = try SurrogateTrainer(seed: 2, architecture: architecture, inputs: .components,
                                               options: SurrogateTrainingOptions(batchSize: 4))
            #expect(trainer.network.inputChannels == 3)
            let inputs = try SurrogateInputs.classMaps(data.classes)
            // The U-Net is slow in debug builds: its round trip fits the normalization only (0 epochs).
            try trainer.train(inputs: inputs, stress: data.stress, epochs: architecture == .paper ? 1 : 0, shuffleSeed: 1)
            let path = temporaryPath("components-\(architecture).h5")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try trainer.save(to: path, softwareVersion: "test")
            let file = try HDF5File.open(at: path)
            #expect(try file.attributes.string("surrogate_inputs") == "components")
            #expect(try file.attributes.scalar("architecture_input_channels", as: Int64.self) == 3)
            let firstLayer = architecture == .paper ? "encoder/0/weight" : "down/0/0/weight"
            #expect(try file.openDataset(firstLayer).shape == (architecture == .paper ? [8, 3, 2, 2] : [16, 3, 3, 3]))
            try file.close()

            let loaded = try SurrogateTrainer.load(path: path)
            #expect(loaded.inputEncoding == .components && loaded.architecture == architecture)
            #expect(loaded.network.namedParameters() == trainer.network.namedParameters())
            let predicted = try loaded.predict(inputs: inputs)
            #expect(predicted == (try trainer.predict(inputs: inputs)))
            if architecture == .unet {  // wall-aware by default: 0 where the class is 0
                #expect(zip(predicted.values, data.classes.values).allSatisfy { $1 != 0 || $0 == 0 })
            }
            let evaluation = try loaded.meanSquaredError(inputs: inputs, stress: data.stress)
            #expect(evaluation.count == 4 && evaluation.mapErrors.wallRelativeL2.count == 4)
        }
    }

    @Test func componentModelRefusesPlainMasks() throws {
        let data = syntheticClassMaps(count: 4)
        let masks = syntheticRings(count: 4).masks
        let trainer = try SurrogateTrainer(seed: 1, inputs: .components, options: SurrogateTrainingOptions(batchSize: 4))
        #expect { try trainer.train(masks: masks, stress: data.stress, epochs: 1, shuffleSeed: 0) } throws: { error in
            guard case LearningError.classMapsRequired = error else { return false }
            return "\(error)".contains("class maps") && "\(error)".contains("fibrous, lipid, calcium")
        }
        #expect(trainer.epochsCompleted == 0 && trainer.normalization == nil)
        try trainer.train(inputs: .classMaps(data.classes), stress: data.stress, epochs: 1, shuffleSeed: 0)
        #expect { try trainer.predict(masks: masks) } throws: { error in
            if case LearningError.classMapsRequired = error { return true }
            return false
        }
    }

    /// Files without the attributes (written before encodings) are single-channel mask models;
    /// contradicting attributes are refused.
    @Test func modelFilesWithoutInputAttributesAreMaskModels() throws {
        let data = syntheticRings(count: 4)
        let trainer = try SurrogateTrainer(seed: 4, options: SurrogateTrainingOptions(batchSize: 4))
        try trainer.train(masks: data.masks, stress: data.stress, epochs: 1, shuffleSeed: 0)
        let path = temporaryPath("old-mask.h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trainer.save(to: path, softwareVersion: "test")
        var file = try HDF5File.open(at: path, mode: .readWrite)
        #expect(try file.attributes.string("surrogate_inputs") == "mask")
        try file.attributes.remove("surrogate_inputs")
        try file.attributes.remove("architecture_input_channels")
        try file.close()
        let loaded = try SurrogateTrainer.load(path: path)
        #expect(loaded.inputEncoding == .mask)
        #expect(try loaded.predict(masks: data.masks) == trainer.predict(masks: data.masks))

        file = try HDF5File.open(at: path, mode: .readWrite)
        try file.attributes.set("surrogate_inputs", to: "components")
        try file.close()
        #expect { try SurrogateTrainer.load(path: path) } throws: { error in
            guard case LearningError.notAModelFile(let reason) = error else { return false }
            return reason.contains("architecture_input_channels")
        }
        file = try HDF5File.open(at: path, mode: .readWrite)
        try file.attributes.set("architecture_input_channels", to: Int64(3))
        try file.close()
        // Three channels claimed, one-channel weights stored.
        #expect { try SurrogateTrainer.load(path: path) } throws: { error in
            if case LearningError.shapeMismatch(let key, _, _) = error { return key == "encoder.0.weight" }
            return false
        }
        file = try HDF5File.open(at: path, mode: .readWrite)
        try file.attributes.set("surrogate_inputs", to: "colours")
        try file.close()
        #expect(throws: LearningError.self) { try SurrogateTrainer.load(path: path) }
    }
}
