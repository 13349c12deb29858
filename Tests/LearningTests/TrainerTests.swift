import Foundation
@testable import Learning
import Neural
import Testing

@Suite struct SurrogateTrainerTests {
    @Test func trainingReducesTheLoss() throws {
        let data = syntheticRings(count: 8)
        let trainer = try SurrogateTrainer(seed: 2, options: SurrogateTrainingOptions(learningRate: 3e-3, batchSize: 4))
        // Zero epochs only fit the normalization.
        try trainer.train(masks: data.masks, stress: data.stress, epochs: 0, shuffleSeed: 9)
        let before = try trainer.meanSquaredError(masks: data.masks, stress: data.stress)
        let records = try trainer.train(masks: data.masks, stress: data.stress, epochs: 6, shuffleSeed: 9)
        #expect(records.map(\.epoch) == Array(1...6))
        #expect(records.last!.trainingLoss < records.first!.trainingLoss)
        let after = try trainer.meanSquaredError(masks: data.masks, stress: data.stress)
        #expect(after.normalizedMeanSquaredError < before.normalizedMeanSquaredError)
    }

    @Test func twoCallsOfOneEpochEqualOneCallOfTwo() throws {
        let data = syntheticRings(count: 5)
        let options = SurrogateTrainingOptions(batchSize: 2)
        let split = try SurrogateTrainer(seed: 7, options: options)
        try split.train(masks: data.masks, stress: data.stress, epochs: 1, shuffleSeed: 3)
        try split.train(masks: data.masks, stress: data.stress, epochs: 1, shuffleSeed: 3)
        let whole = try SurrogateTrainer(seed: 7, options: options)
        try whole.train(masks: data.masks, stress: data.stress, epochs: 2, shuffleSeed: 3)
        #expect(split.network.namedParameters() == whole.network.namedParameters())
        #expect(split.network.namedBuffers() == whole.network.namedBuffers())
        #expect(split.epochsCompleted == 2)
    }

    @Test func normalizationIsFittedOnceAndMapsKilopascals() throws {
        let data = syntheticRings(count: 3)
        let trainer = try SurrogateTrainer(seed: 1)
        try trainer.train(masks: data.masks, stress: data.stress, epochs: 0, shuffleSeed: 0)
        let maximum = Double(data.stress.values.max()!)
        #expect(trainer.normalization?.scale == maximum * 1.2)
        let doubled = try ImageBatch(count: 3, height: 64, width: 64, values: data.stress.values.map { $0 * 2 })
        try trainer.train(masks: data.masks, stress: doubled, epochs: 0, shuffleSeed: 0)
        #expect(trainer.normalization?.scale == maximum * 1.2)
        let normalized = try trainer.predictNormalized(masks: data.masks)
        let kilopascals = try trainer.predict(masks: data.masks)
        #expect(zip(normalized.values, kilopascals.values).allSatisfy { abs($0 * Float(maximum * 1.2) - $1) <= 1e-4 * $1 })
        let evaluation = try trainer.meanSquaredError(masks: data.masks, stress: data.stress)
        let scale = maximum * 1.2
        #expect(abs(evaluation.meanSquaredError - evaluation.normalizedMeanSquaredError * scale * scale) <= 1e-9 * evaluation.meanSquaredError)
    }

    @Test func validationLossIsReportedPerEpoch() throws {
        let data = syntheticRings(count: 6)
        let trainer = try SurrogateTrainer(seed: 4, options: SurrogateTrainingOptions(batchSize: 4))
        let training = (masks: data.masks.slice(0..<4), stress: data.stress.slice(0..<4))
        let held = (masks: data.masks.slice(4..<6), stress: data.stress.slice(4..<6))
        var seen: [Int] = []
        let records = try trainer.train(masks: training.masks, stress: training.stress, epochs: 2, shuffleSeed: 1,
                                        validation: held) { seen.append($0.epoch) }
        #expect(seen == [1, 2])
        #expect(records.allSatisfy { $0.validationLoss != nil })
        #expect(records[1].validationLoss == (try trainer.meanSquaredError(masks: held.masks, stress: held.stress)).normalizedMeanSquaredError)
    }

    @Test func rejectsBadInputs() throws {
        let data = syntheticRings(count: 2)
        #expect(throws: LearningError.invalidOption(name: "batch size", reason: "must be positive, got 0")) {
            _ = try SurrogateTrainer(seed: 1, options: SurrogateTrainingOptions(batchSize: 0))
        }
        let trainer = try SurrogateTrainer(seed: 1)
        #expect(throws: LearningError.invalidNormalization("the surrogate has not been trained yet")) {
            _ = try trainer.predict(masks: data.masks)
        }
        #expect(throws: LearningError.notEnoughSamples(needed: 2, given: 1)) {
            try trainer.train(masks: data.masks.slice(0..<1), stress: data.stress.slice(0..<1), epochs: 1, shuffleSeed: 0)
        }
        #expect(throws: LearningError.mismatchedInputs("2 masks but 1 stress maps")) {
            try trainer.train(masks: data.masks, stress: data.stress.slice(0..<1), epochs: 1, shuffleSeed: 0)
        }
        let small = try ImageBatch(count: 1, height: 8, width: 8, values: [Float](repeating: 0, count: 64))
        #expect(throws: LearningError.mismatchedInputs("masks are 8 x 8, the model expects 64 x 64")) {
            _ = try trainer.predictNormalized(masks: small)
        }
        #expect(throws: LearningError.invalidBatch("3 values for 1 images of 2 x 2")) {
            _ = try ImageBatch(count: 1, height: 2, width: 2, values: [0, 1, 0])
        }
        #expect(throws: LearningError.invalidNormalization("the training stresses have no finite positive value")) {
            _ = try StressNormalization(fittedTo: [0, -1, .nan])
        }
    }
}

@Suite struct VAETrainerTests {
    @Test func trainingReducesTheLossAndContinues() throws {
        let data = syntheticRings(count: 8, size: 16)
        let options = VAETrainingOptions(learningRate: 3e-3, batchSize: 4)
        let trainer = try VAETrainer(seed: 1, imageHeight: 16, imageWidth: 16, hiddenSize: 32, options: options)
        let records = try trainer.train(images: data.masks, epochs: 15, shuffleSeed: 2)
        #expect(records.last!.loss < records.first!.loss)
        #expect(records.allSatisfy { abs($0.loss - $0.reconstructionLoss - $0.klDivergence) < 1e-9 * $0.loss })

        let split = try VAETrainer(seed: 1, imageHeight: 16, imageWidth: 16, hiddenSize: 32, options: options)
        for _ in 0..<15 { try split.train(images: data.masks, epochs: 1, shuffleSeed: 2) }
        #expect(split.model.namedParameters() == trainer.model.namedParameters())
    }

    @Test func encodesDecodesAndScoresReconstructions() throws {
        let data = syntheticRings(count: 4, size: 16)
        let trainer = try VAETrainer(seed: 3, imageHeight: 16, imageWidth: 16, latentDimension: 2, hiddenSize: 32)
        let means = try trainer.encodeMeans(images: data.masks)
        #expect(means.count == 8)
        let decoded = try trainer.decodeProbabilities(latent: means)
        #expect(decoded.count == 4 && decoded.height == 16)
        #expect(decoded.values.allSatisfy { $0 > 0 && $0 < 1 })
        let dice = try trainer.reconstructionDice(images: data.masks)
        #expect(dice >= 0 && dice <= 1)
        #expect(try trainer.samplePrior(count: 3, seed: 5) == trainer.samplePrior(count: 3, seed: 5))
        #expect(throws: LearningError.mismatchedInputs("3 latent values are not a multiple of the latent dimension 2")) {
            _ = try trainer.decodeProbabilities(latent: [0, 0, 0])
        }
    }

    @Test func diceAndMaskValidityOfKnownMasks() throws {
        #expect(meanDice([1, 1, 0, 0], [1, 0, 0, 0], pixelsPerImage: 4) == 2.0 / 3.0)
        #expect(meanDice([0, 0, 0, 0], [0, 0, 0, 0], pixelsPerImage: 4) == 1)
        let rings = syntheticRings(count: 2).masks
        let empty = try ImageBatch(count: 1, height: 64, width: 64, values: [Float](repeating: 0, count: 4096))
        let both = try ImageBatch(count: 3, height: 64, width: 64, values: rings.values + empty.values)
        #expect(try validMaskFraction(both) == 2.0 / 3.0)
    }
}

@Suite struct ClassifierTrainerTests {
    /// Two classes of 28 x 28 images: a bright top half (label 0) or bottom half (label 1).
    func halves(count: Int) throws -> (ImageBatch, [Int]) {
        var values: [Float] = []
        var labels: [Int] = []
        for n in 0..<count {
            let label = n % 2
            for row in 0..<28 {
                for column in 0..<28 {
                    let bright = (row < 14) == (label == 0)
                    values.append(bright ? 0.9 - 0.01 * Float((column + n) % 7) : 0.05)
                }
            }
            labels.append(label)
        }
        return (try ImageBatch(count: count, height: 28, width: 28, values: values), labels)
    }

    @Test func learnsASeparableTask() throws {
        let (images, labels) = try halves(count: 16)
        let trainer = try ClassifierTrainer(seed: 1, options: ClassifierTrainingOptions(batchSize: 8))
        let records = try trainer.train(images: images, labels: labels, epochs: 4, shuffleSeed: 1)
        #expect(records.last!.trainingLoss < records.first!.trainingLoss)
        #expect(try trainer.accuracy(images: images, labels: labels) == 1)
        #expect(try trainer.predict(images: images) == labels)
        #expect(throws: LearningError.mismatchedInputs("label 10 of image 0 is outside 0..<10")) {
            _ = try trainer.accuracy(images: images.slice(0..<1), labels: [10])
        }
    }
}
