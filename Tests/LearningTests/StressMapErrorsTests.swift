import Testing
@testable import Learning

/// Wall relative L2 and peak errors on maps small enough to compute by hand.
struct StressMapErrorsTests {
    /// 1 x 4 images: pixel values row-major.
    func batch(_ images: [[Float]]) throws -> ImageBatch {
        try ImageBatch(count: images.count, height: 1, width: 4, values: images.flatMap { $0 })
    }

    @Test func handComputedMaps() throws {
        // Map 0: wall = pixels 1, 2 (truth 3, 4; prediction 3, 0; outside the wall 100 is ignored).
        //   rel L2 = sqrt(0 + 16) / sqrt(9 + 16) = 4 / 5 = 0.8; peak |3 - 4| / 4 = 0.25.
        // Map 1: wall = all; truth 1, 2, 2, 4; prediction 1, 2, 2, 5.
        //   rel L2 = 1 / sqrt(1 + 4 + 4 + 16) = 0.2; peak |5 - 4| / 4 = 0.25.
        // Map 2: wall = pixel 0; truth 10, prediction 10: both 0.
        let masks = try batch([[0, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]])
        let truth = try batch([[0, 3, 4, 0], [1, 2, 2, 4], [10, 0, 0, 0]])
        let predicted = try batch([[100, 3, 0, 100], [1, 2, 2, 5], [10, 7, 7, 7]])
        let errors = try StressMapErrors(predicted: predicted, reference: truth, masks: masks)
        #expect(errors.skippedCount == 0)
        #expect(zip(errors.wallRelativeL2, [0.8, 0.2, 0]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(errors.peakRelativeError, [0.25, 0.25, 0]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(errors.medianWallRelativeL2 - 0.2) < 1e-12)
        // Sorted 0, 0.2, 0.8: position 0.9 x 2 = 1.8 -> 0.2 + 0.8 x 0.6 = 0.68.
        #expect(abs(errors.wallRelativeL2Percentile90 - 0.68) < 1e-12)
        #expect(abs(errors.medianPeakRelativeError - 0.25) < 1e-12)
        #expect(abs(errors.peakRelativeErrorPercentile90 - 0.25) < 1e-12)
        #expect(errors.summary == "wall rel L2 median 20.0 % (p90 68.0 %), peak error median 25.0 % (p90 25.0 %)")
    }

    @Test func mapsWithoutWallOrStressAreSkipped() throws {
        let masks = try batch([[0, 0, 0, 0], [1, 1, 0, 0], [1, 0, 0, 0]])
        let truth = try batch([[0, 0, 0, 0], [0, 0, 5, 5], [-2, 0, 0, 0]])
        let predicted = try batch([[1, 1, 1, 1], [1, 0, 0, 0], [0, 0, 0, 0]])
        let errors = try StressMapErrors(predicted: predicted, reference: truth, masks: masks)
        // Map 2 has a norm (4) but no positive peak: rel L2 = 2 / 2 = 1.
        #expect(errors.wallRelativeL2 == [1])
        #expect(errors.peakRelativeError.isEmpty)
        #expect(errors.skippedCount == 3)
        #expect(errors.medianPeakRelativeError.isNaN)
        #expect(errors.summary.contains("peak error median n/a"))
    }

    @Test func quantilesInterpolateLinearly() {
        #expect(StressMapErrors.quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(abs(StressMapErrors.quantile([4, 1, 3, 2], 0.9) - 3.7) < 1e-12)
        #expect(StressMapErrors.quantile([7], 0.9) == 7)
        #expect(StressMapErrors.quantile([], 0.5).isNaN)
    }

    @Test func mismatchedInputsThrow() throws {
        let one = try batch([[1, 1, 1, 1]])
        let two = try batch([[1, 1, 1, 1], [1, 1, 1, 1]])
        #expect(throws: LearningError.self) { try StressMapErrors(predicted: one, reference: two, masks: two) }
    }

    /// The trainer's evaluation reports the errors of its own kPa predictions.
    @Test func trainerEvaluationIncludesWallErrors() throws {
        let data = syntheticRings(count: 6)
        let trainer = try SurrogateTrainer(seed: 3, options: SurrogateTrainingOptions(batchSize: 3))
        try trainer.train(masks: data.masks, stress: data.stress, epochs: 1, shuffleSeed: 1)
        let evaluation = try trainer.meanSquaredError(masks: data.masks, stress: data.stress)
        let expected = try StressMapErrors(predicted: trainer.predict(masks: data.masks), reference: data.stress, masks: data.masks)
        #expect(evaluation.mapErrors == expected)
        #expect(expected.wallRelativeL2.count == 6)
    }
}
