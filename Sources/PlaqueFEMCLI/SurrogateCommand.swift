import ArgumentParser
import Foundation
import Learning
import Neural
import Storage

extension SurrogateArchitecture: ExpressibleByArgument {}
extension SurrogateInputEncoding: ExpressibleByArgument {}

/// The learning-rate schedule of `surrogate train`.
enum LearningRateSchedule: String, ExpressibleByArgument, CaseIterable {
    /// The same rate every epoch (the paper).
    case constant
    /// Cosine decay from the rate to nearly 0 over the epochs.
    case cosine
}

/// The defaults of `surrogate train` that depend on the network.
extension SurrogateArchitecture {
    /// Epochs of `surrogate train`: 20 for the paper's network, 60 for the U-Net.
    var defaultTrainingEpochs: Int { self == .paper ? 20 : 60 }
    /// Learning-rate schedule of `surrogate train`: constant for the paper's network, cosine for the U-Net.
    var defaultSchedule: LearningRateSchedule { self == .paper ? .constant : .cosine }
}

/// `plaquefem surrogate`: the surrogate CNN (mask -> stress map).
struct SurrogateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surrogate",
        abstract: "Train the surrogate CNN that maps a 64x64 mask to its stress map.",
        subcommands: [Train.self, Evaluate.self]
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
                (epoch, train_loss, validation_loss); see docs/neural-models.md. \
                --network paper (the paper's network, default) or unet (a 4-level U-Net, 16-128 channels, 3x3 \
                convolutions, skip connections). --masked-output multiplies the prediction by the mask (0 outside the \
                wall); default off for paper, on for unet. Defaults for unet: 60 epochs, cosine learning-rate decay; for \
                paper: 20 epochs, constant rate. The summary reports the held-out MSE and the median and 90th \
                percentile over held-out maps of the wall relative L2 error and of the peak-stress error. \
                --inputs mask (default: one channel, the wall mask, as in the paper) or components (one channel per \
                plaque component: fibrous, lipid, calcium, 1 where the pixel's class is that component; needs a label file \
                with /components, from 'label --components' on class masks or contours with --calcium/--lipid); the model \
                file records it (surrogate_inputs), and 'surrogate evaluate' and 'predict' build the same inputs.
                Example: plaquefem surrogate train --data labels.h5 --output surrogate.h5 --network unet
                """
        )

        @Option(help: "Label file (plaquefem label output).")
        var data: String
        @Option(help: "Model file to write.")
        var output: String
        @Option(help: "Network: paper or unet.")
        var network: SurrogateArchitecture = .paper
        @Flag(inversion: .prefixedNo, help: "Multiply the output by the mask (default: on for unet, off for paper).")
        var maskedOutput: Bool?
        @Option(help: "Input channels: mask (the wall mask, default) or components (fibrous, lipid, calcium; needs /components).")
        var inputs: SurrogateInputEncoding = .mask
        @Option(help: "Number of epochs (default: 20 for paper, 60 for unet).")
        var epochs: Int?
        @Option(help: "Learning-rate schedule: constant or cosine (default: constant for paper, cosine for unet).")
        var schedule: LearningRateSchedule?
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
            guard epochs.map({ $0 >= 1 }) ?? true else { throw ValidationError("--epochs must be at least 1") }
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
            let allInputs = try dataset.inputs(for: inputs, path: data)
            let split = heldOutSplit(count: dataset.masks.count, fraction: validationFraction, seed: seed)
            guard split.training.count >= 2 else {
                throw CLIError("\(data) has \(dataset.masks.count) labeled rows; at least 2 must remain for training")
            }
            let trainingInputs = allInputs.selecting(split.training)
            let trainingStress = stress.selecting(split.training)
            let validation = split.validation.isEmpty ? nil
                : (inputs: allInputs.selecting(split.validation), stress: stress.selecting(split.validation))
            let epochs = self.epochs ?? network.defaultTrainingEpochs
            let schedule = self.schedule ?? network.defaultSchedule
            let options = SurrogateTrainingOptions(learningRate: learningRate, batchSize: batchSize,
                                                   cosineDecayEpochs: schedule == .cosine ? epochs : nil)
            let trainer = try SurrogateTrainer(seed: seed, architecture: network, masksOutput: maskedOutput, inputs: inputs, options: options)
            let channels = inputs == .mask ? "" : "\(inputs.channelCount) input channels ("
                + SurrogateInputEncoding.componentChannelNames.joined(separator: ", ") + "), "
            stderr("training the \(network.rawValue) surrogate (\(trainer.network.parameterCount) parameters, \(channels)output "
                + (trainer.network.masksOutput ? "masked" : "not masked") + ", \(schedule.rawValue) learning rate) on "
                + "\(split.training.count) masks, \(split.validation.count) held out "
                + "(\(dataset.fileRowCount - dataset.masks.count) unlabeled rows skipped)")
            var clock = DispatchTime.now()
            let records = try trainer.train(
                inputs: trainingInputs, stress: trainingStress, epochs: epochs, shuffleSeed: seed, validation: validation
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
                let evaluation = try trainer.meanSquaredError(inputs: validation.inputs, stress: validation.stress)
                summary += String(format: ", validation MSE %.4e (RMSE %.2f kPa on %d held-out masks)",
                                  evaluation.normalizedMeanSquaredError, evaluation.rootMeanSquaredError, validation.inputs.count)
                summary += ", " + evaluation.mapErrors.summary
            }
            print(summary + String(format: "; stress scale %.2f kPa; wrote %@", scale, output))
        }
    }

    /// `plaquefem surrogate evaluate`: the errors of a trained surrogate on labeled maps.
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate",
            abstract: "Evaluate a trained surrogate on a label file (rows with /status != 0 are skipped).",
            discussion: """
                Prints the MSE over all pixels (kPa^2) and, over the maps, the median and 90th percentile of the wall \
                relative L2 error ||pred - true|| / ||true|| over wall pixels and of the peak-stress error \
                |max pred - max true| / max true over wall pixels. --csv also writes one line per map. A model trained \
                with --inputs components takes the file's /components (a label file without them is an error).
                Example: plaquefem surrogate evaluate --model surrogate.h5 --data test-labels.h5
                """
        )

        @Option(help: "Surrogate model file.")
        var model: String
        @Option(help: "Label file with the reference stress maps.")
        var data: String
        @Option(help: "Also write per-map errors (map, wall_rel_l2, peak_error) to this CSV file.")
        var csv: String?

        func run() throws {
            let trainer = try SurrogateTrainer.load(path: model)
            let dataset = try MaskDataset.read(path: data, labeledOnly: true)
            guard let stress = dataset.stress else { throw CLIError("\(data) has no stress maps") }
            let inputs = try dataset.inputs(for: trainer.inputEncoding, path: data)
            let evaluation = try trainer.meanSquaredError(inputs: inputs, stress: stress)
            if let csv {
                let predicted = try trainer.predict(inputs: inputs)
                let size = stress.pixelsPerImage
                var out = "map,wall_rel_l2,peak_error\n"
                for k in 0..<stress.count {
                    func one(_ batch: ImageBatch) throws -> ImageBatch {
                        try ImageBatch(count: 1, height: batch.height, width: batch.width,
                                       values: Array(batch.values[k * size..<(k + 1) * size]))
                    }
                    let errors = try StressMapErrors(predicted: one(predicted), reference: one(stress), masks: one(dataset.masks))
                    let relative = errors.wallRelativeL2.first.map { "\($0)" } ?? ""
                    let peak = errors.peakRelativeError.first.map { "\($0)" } ?? ""
                    out += "\(k),\(relative),\(peak)\n"
                }
                try out.write(toFile: csv, atomically: true, encoding: .utf8)
            }
            let encoding = trainer.inputEncoding == .mask ? "" : " (\(trainer.inputEncoding.rawValue) inputs)"
            print(String(format: "%@%@ surrogate on %d maps of %@: MSE %.2f kPa^2 (RMSE %.2f kPa), ", trainer.architecture.rawValue, encoding,
                         evaluation.count, data, evaluation.meanSquaredError, evaluation.rootMeanSquaredError)
                + evaluation.mapErrors.summary)
        }
    }
}
