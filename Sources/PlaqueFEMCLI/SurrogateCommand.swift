import ArgumentParser
import Foundation
import Learning
import Storage

/// `plaquefem surrogate`: the surrogate CNN (mask -> stress map).
struct SurrogateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surrogate",
        abstract: "Train the surrogate CNN that maps a 64x64 mask to its stress map.",
        subcommands: [Train.self]
    )

    /// `plaquefem surrogate train`: trains on every labeled row of a label file, with a held-out split.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train the surrogate on a label file (rows with /status != 0 are skipped).",
            discussion: """
                A seeded fraction of the labeled rows is held out for validation. The network learns \
                stress / scale with a sigmoid output; scale = 1.2 x the largest training stress (kPa), \
                stored in the model file as stress_scale_kpa. Progress per epoch goes to stderr: training \
                and validation MSE in normalized units squared, and samples per second. The model file holds \
                the weights under their PyTorch state_dict keys ("." -> "/"), the normalization and /history \
                (epoch, train_loss, validation_loss); see docs/neural-models.md.
                Example: plaquefem surrogate train --data labels.h5 --output surrogate.h5 --epochs 30
                """
        )

        @Option(help: "Label file (plaquefem label output).")
        var data: String
        @Option(help: "Model file to write.")
        var output: String
        @Option(help: "Number of epochs.")
        var epochs: Int = 20
        @Option(help: "Mini-batch size.")
        var batchSize: Int = 32
        @Option(help: "Adam learning rate.")
        var learningRate: Double = 1e-3
        @Option(help: "Fraction of the labeled rows held out for validation, in [0, 0.9].")
        var validationFraction: Double = 0.1
        @Option(help: "Seed of the weights, the split and the sample order.")
        var seed: UInt64 = 0
        @Flag(help: "Replace an existing output file.")
        var overwrite = false

        func validate() throws {
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
            guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2 (batch normalization)") }
            guard learningRate.isFinite, learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
            guard validationFraction.isFinite, (0...0.9).contains(validationFraction) else {
                throw ValidationError("--validation-fraction must be in [0, 0.9]")
            }
            guard overwrite || !FileManager.default.fileExists(atPath: output) else {
                throw ValidationError("\(output) exists; use --overwrite to replace it")
            }
        }

        func run() throws {
            let dataset = try MaskDataset.read(path: data, labeledOnly: true)
            guard let stress = dataset.stress else { throw CLIError("\(data) has no stress maps") }
            let split = heldOutSplit(count: dataset.masks.count, fraction: validationFraction, seed: seed)
            guard split.training.count >= 2 else {
                throw CLIError("\(data) has \(dataset.masks.count) labeled rows; at least 2 must remain for training")
            }
            let trainingMasks = dataset.masks.selecting(split.training)
            let trainingStress = stress.selecting(split.training)
            let validation = split.validation.isEmpty ? nil
                : (masks: dataset.masks.selecting(split.validation), stress: stress.selecting(split.validation))
            let options = SurrogateTrainingOptions(learningRate: learningRate, batchSize: batchSize)
            let trainer = try SurrogateTrainer(seed: seed, options: options)
            stderr("training the surrogate on \(split.training.count) masks, \(split.validation.count) held out "
                + "(\(dataset.fileRowCount - dataset.masks.count) unlabeled rows skipped)")
            var clock = DispatchTime.now()
            let records = try trainer.train(
                masks: trainingMasks, stress: trainingStress, epochs: epochs, shuffleSeed: seed, validation: validation
            ) { record in
                let rate = Double(record.sampleCount) / max(secondsSince(clock), 1e-9)
                let held = record.validationLoss.map { String(format: "  validation %.4e", $0) } ?? ""
                stderr(String(format: "epoch %d/%d  train %.4e", record.epoch, epochs, record.trainingLoss) + held
                    + String(format: "  %.0f samples/s", rate))
                clock = DispatchTime.now()
            }

            let file = try HDF5File.create(at: output, mode: overwrite ? .truncate : .exclusive)
            try trainer.write(into: file, softwareVersion: PlaqueFEMVersion.string)
            try TrainingHistory.write(records, into: file)
            try file.attributes.set("command_line", to: CommandLine.arguments.joined(separator: " "))
            try file.attributes.set("training_data", to: data)
            try file.attributes.set("training_count", to: Int64(split.training.count))
            try file.attributes.set("validation_count", to: Int64(split.validation.count))
            try file.attributes.set("seed", to: Int64(bitPattern: seed))
            try file.close()

            let scale = trainer.normalization?.scale ?? 0
            var summary = String(format: "trained the surrogate for %d epochs on %d masks: train MSE %.4e", epochs,
                                 split.training.count, records.last?.trainingLoss ?? .nan)
            if let validation {
                let evaluation = try trainer.meanSquaredError(masks: validation.masks, stress: validation.stress)
                summary += String(format: ", validation MSE %.4e (RMSE %.2f kPa on %d held-out masks)",
                                  evaluation.normalizedMeanSquaredError, evaluation.rootMeanSquaredError, validation.masks.count)
                summary += ", " + evaluation.mapErrors.summary
            }
            print(summary + String(format: "; stress scale %.2f kPa; wrote %@", scale, output))
        }
    }
}
