import ArgumentParser
import Foundation
import Learning
import Raster
import Storage

/// `plaquefem vae`: the variational autoencoder of masks (the latent space of the sampling).
struct VAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train the variational autoencoder of masks.",
        subcommands: [Train.self]
    )

    /// `plaquefem vae train`: trains on /masks with a held-out split and reports reconstruction and prior-sample quality.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train the VAE on /masks of a label or phantom file (failed rows of label files are skipped).",
            discussion: """
                Loss per sample: binary cross-entropy of the reconstruction (summed over pixels) + KL divergence. \
                Reports the held-out Dice of the binarized (>= 0.5) reconstruction of the encoder means, and the \
                fraction of prior samples z ~ N(0, I) (seeded) whose decoded, binarized mask passes mask validation. \
                Writes the weights (PyTorch state_dict keys, "." -> "/") and /latent: float32 (N, d) encoder means \
                of every used row, with /latent_rows (int64) their row numbers in the data file.
                Example: plaquefem vae train --data phantoms.h5 --output vae.h5 --epochs 50
                """
        )

        @Option(help: "Label file or HDF5 file with /masks (N, H, W).")
        var data: String
        @Option(help: "Model file to write.")
        var output: String
        @Option(help: "Number of epochs.")
        var epochs: Int = 50
        @Option(help: "Latent dimension d.")
        var latentDimension: Int = 3
        @Option(help: "Mini-batch size.")
        var batchSize: Int = 32
        @Option(help: "Adam learning rate.")
        var learningRate: Double = 1e-3
        @Option(help: "Fraction of the masks held out for the Dice score, in [0, 0.9].")
        var validationFraction: Double = 0.1
        @Option(help: "Number of prior samples decoded to measure the valid-mask fraction.")
        var priorSamples: Int = 1000
        @Option(help: "Seed of the weights, the split, the sample order, the noise and the prior samples.")
        var seed: UInt64 = 0
        @Flag(help: "Replace an existing output file.")
        var overwrite = false

        func validate() throws {
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
            guard (1...64).contains(latentDimension) else { throw ValidationError("--latent-dimension must be in 1...64") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be positive") }
            guard learningRate.isFinite, learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
            guard validationFraction.isFinite, (0...0.9).contains(validationFraction) else {
                throw ValidationError("--validation-fraction must be in [0, 0.9]")
            }
            guard priorSamples >= 0 else { throw ValidationError("--prior-samples must be >= 0") }
            guard overwrite || !FileManager.default.fileExists(atPath: output) else {
                throw ValidationError("\(output) exists; use --overwrite to replace it")
            }
        }

        func run() throws {
            let dataset = try MaskDataset.read(path: data, labeledOnly: true)
            let split = heldOutSplit(count: dataset.masks.count, fraction: validationFraction, seed: seed)
            guard !split.training.isEmpty else { throw CLIError("\(data) has no masks left for training") }
            let masks = dataset.masks
            let trainer = try VAETrainer(
                seed: seed, imageHeight: masks.height, imageWidth: masks.width, latentDimension: latentDimension,
                options: VAETrainingOptions(learningRate: learningRate, batchSize: batchSize))
            stderr("training the VAE on \(split.training.count) masks of \(masks.height)x\(masks.width), "
                + "\(split.validation.count) held out")
            var clock = DispatchTime.now()
            let records = try trainer.train(images: masks.selecting(split.training), epochs: epochs, shuffleSeed: seed) { record in
                let rate = Double(record.sampleCount) / max(secondsSince(clock), 1e-9)
                stderr(String(format: "epoch %d/%d  loss %.2f  (reconstruction %.2f, KL %.2f)  %.0f samples/s",
                              record.epoch, epochs, record.loss, record.reconstructionLoss, record.klDivergence, rate))
                clock = DispatchTime.now()
            }
            let dice = split.validation.isEmpty ? nil : try trainer.reconstructionDice(images: masks.selecting(split.validation))
            let prior = try trainer.samplePrior(count: priorSamples, seed: seed)
            let validFraction = try validMaskFraction(prior, pixelSize: dataset.pixelSize)
            let latent = try trainer.encodeMeans(images: masks)

            let file = try HDF5File.create(at: output, mode: overwrite ? .truncate : .exclusive)
            try trainer.write(into: file, softwareVersion: PlaqueFEMVersion.string)
            let latentDataset = try file.createDataset("latent", elementType: Float.self, shape: [masks.count, latentDimension])
            try latentDataset.write(latent)
            try latentDataset.attributes.set("description", to: "encoder means mu(x) of the masks of the data file")
            try latentDataset.close()
            let rowsDataset = try file.createDataset("latent_rows", elementType: Int64.self, shape: [masks.count])
            try rowsDataset.write(dataset.rows.map { Int64($0) })
            try rowsDataset.close()
            try TrainingHistory.write(epochs: records.map { Int64($0.epoch) }, trainingLoss: records.map(\.loss),
                                      validationLoss: records.map { _ in .nan }, into: file)
            let attributes = file.attributes
            try attributes.set("command_line", to: CommandLine.arguments.joined(separator: " "))
            try attributes.set("training_data", to: data)
            try attributes.set("seed", to: Int64(bitPattern: seed))
            try attributes.set("held_out_dice", to: dice ?? .nan)
            try attributes.set("prior_valid_fraction", to: validFraction)
            try attributes.set("prior_samples", to: Int64(priorSamples))
            try file.close()

            var summary = String(format: "trained the VAE (d = %d) for %d epochs on %d masks: loss %.2f per mask",
                                 latentDimension, epochs, split.training.count, records.last?.loss ?? .nan)
            if let dice { summary += String(format: "; held-out Dice %.4f on %d masks", dice, split.validation.count) }
            summary += String(format: "; %.1f %% of %d prior samples decode to valid masks; wrote %@",
                              100 * validFraction, priorSamples, output)
            print(summary)
        }
    }
}
