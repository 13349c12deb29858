import Foundation
import Neural
import Storage

/// Training options of the variational autoencoder; stored as JSON in model files.
public struct VAETrainingOptions: Codable, Sendable, Equatable {
    /// Adam learning rate; finite, positive. Default 1e-3.
    public var learningRate: Double
    /// Samples per training mini-batch; positive. Default 32.
    public var batchSize: Int
    /// Samples per batch when encoding or decoding; positive. Default 256.
    public var evaluationBatchSize: Int

    /// Creates options; every argument has the documented default.
    public init(learningRate: Double = 1e-3, batchSize: Int = 32, evaluationBatchSize: Int = 256) {
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.evaluationBatchSize = evaluationBatchSize
    }

    /// Throws `LearningError.invalidOption` naming the first option outside its range.
    public func validate() throws(LearningError) {
        try requirePositive(learningRate, "learning rate")
        try requirePositive(batchSize, "batch size")
        try requirePositive(evaluationBatchSize, "evaluation batch size")
    }
}

/// What one epoch of VAE training achieved; losses per sample (sums over pixels and latent
/// dimensions, averaged over the samples), in nats.
public struct VAEEpochRecord: Codable, Sendable, Equatable {
    /// Epoch number counted over the trainer's life (1 for the first epoch ever trained).
    public var epoch: Int
    /// reconstruction + klDivergence.
    public var loss: Double
    /// Binary cross-entropy of the reconstruction, summed over pixels.
    public var reconstructionLoss: Double
    /// KL(q(z|x) || N(0, I)).
    public var klDivergence: Double
    /// Training samples used in the epoch.
    public var sampleCount: Int
}

/// Trains the paper's VAE (image -> latent Gaussian -> image probabilities) with Adam, progressively.
///
/// Works on any image size (64 x 64 masks by default, 28 x 28 digits for MNIST): the input
/// layer has height x width features. Loss per batch: (BCE(logits, x) + KL) / batch size, with
/// z = mu + eps e^{logvar/2} and seeded noise eps.
public final class VAETrainer {
    /// The network.
    public let model: VariationalAutoencoder<Float>
    /// The options the trainer was created with.
    public let options: VAETrainingOptions
    /// Image height in pixels.
    public let imageHeight: Int
    /// Image width in pixels.
    public let imageWidth: Int
    /// Epochs trained so far, over every `train` call.
    public private(set) var epochsCompleted: Int
    private let optimizer: Adam<Float>

    /// The latent dimension d.
    public var latentDimension: Int { model.latentDimension }

    /// Creates a trainer with a seeded VAE (same seed, same weights) and fresh Adam state.
    /// - Parameters:
    ///   - seed: Seed of the weight initialisation.
    ///   - imageHeight: Image rows (default 64).
    ///   - imageWidth: Image columns (default 64).
    ///   - latentDimension: d (default 3).
    ///   - hiddenSize: Width of the hidden layers (default 400).
    ///   - options: Training options.
    /// - Throws: `LearningError.invalidOption` for a non-positive size or options out of range.
    public init(
        seed: UInt64, imageHeight: Int = 64, imageWidth: Int = 64, latentDimension: Int = 3, hiddenSize: Int = 400,
        options: VAETrainingOptions = VAETrainingOptions()
    ) throws(LearningError) {
        try options.validate()
        try requirePositive(imageHeight, "image height")
        try requirePositive(imageWidth, "image width")
        try requirePositive(latentDimension, "latent dimension")
        try requirePositive(hiddenSize, "hidden size")
        self.model = VariationalAutoencoder<Float>(
            inputSize: imageHeight * imageWidth, hiddenSize: hiddenSize, latentDimension: latentDimension, seed: seed)
        self.options = options
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.epochsCompleted = 0
        self.optimizer = Adam(parameters: model.parameters(), learningRate: options.learningRate)
    }

    /// Trains for `epochs` more epochs, continuing from the current weights and Adam state.
    ///
    /// The sample order and the noise of each epoch depend only on `shuffleSeed` and the epoch
    /// number, so two calls of one epoch give the same weights as one call of two.
    /// - Parameters:
    ///   - images: N images of `imageHeight` x `imageWidth`, values in [0, 1].
    ///   - epochs: Number of epochs (>= 0).
    ///   - shuffleSeed: Seed of the sample order and of the reparameterisation noise.
    ///   - progress: Called after each epoch with its record.
    /// - Throws: `LearningError` for a wrong image size or no images.
    @discardableResult
    public func train(
        images: ImageBatch, epochs: Int, shuffleSeed: UInt64, progress: (VAEEpochRecord) -> Void = { _ in }
    ) throws(LearningError) -> [VAEEpochRecord] {
        try images.requireSize(height: imageHeight, width: imageWidth, name: "images")
        guard epochs >= 0 else { throw .invalidOption(name: "epochs", reason: "must be >= 0, got \(epochs)") }
        guard images.count >= 1 else { throw .notEnoughSamples(needed: 1, given: images.count) }
        var records: [VAEEpochRecord] = []
        model.mode = .training
        for _ in 0..<epochs {
            let epoch = epochsCompleted + 1
            let order = shuffledIndices(count: images.count, seed: shuffleSeed, epoch: epoch)
            var noise = SeededGenerator(seed: epochSeed(~shuffleSeed, epoch))
            var sums = (total: 0.0, reconstruction: 0.0, divergence: 0.0)
            for batch in miniBatches(order, size: options.batchSize, droppingSingletons: false) {
                let input = images.selecting(batch).flattenedTensor()
                let loss = try neural { () throws -> VariationalAutoencoder<Float>.Loss in
                    optimizer.zeroGradients()
                    let loss = try model.accumulateGradients(input: input, generator: &noise, reduction: .mean)
                    optimizer.step()
                    return loss
                }
                let weight = Double(batch.count)
                sums.total += loss.total * weight
                sums.reconstruction += loss.reconstruction * weight
                sums.divergence += loss.klDivergence * weight
            }
            epochsCompleted = epoch
            let n = Double(images.count)
            let record = VAEEpochRecord(
                epoch: epoch, loss: sums.total / n, reconstructionLoss: sums.reconstruction / n,
                klDivergence: sums.divergence / n, sampleCount: images.count)
            records.append(record)
            progress(record)
        }
        return records
    }

    /// The encoder means mu of the images, row-major N x d.
    public func encodeMeans(images: ImageBatch) throws(LearningError) -> [Float] {
        try images.requireSize(height: imageHeight, width: imageWidth, name: "images")
        var means: [Float] = []
        means.reserveCapacity(images.count * latentDimension)
        var start = 0
        while start < images.count {
            let end = min(start + options.evaluationBatchSize, images.count)
            let input = images.slice(start..<end).flattenedTensor()
            means += try neural { try model.encode(input).mean.scalars }
            start = end
        }
        return means
    }

    /// The decoded image probabilities sigmoid(decoder(z)) for latent codes z, row-major M x d.
    /// - Throws: `LearningError.mismatchedInputs` when the count is not a multiple of d.
    public func decodeProbabilities(latent: [Float]) throws(LearningError) -> ImageBatch {
        let d = latentDimension
        guard latent.count % d == 0 else {
            throw .mismatchedInputs("\(latent.count) latent values are not a multiple of the latent dimension \(d)")
        }
        let count = latent.count / d
        var values: [Float] = []
        values.reserveCapacity(count * imageHeight * imageWidth)
        var start = 0
        while start < count {
            let end = min(start + options.evaluationBatchSize, count)
            let codes = try neural { try Tensor(shape: [end - start, d], scalars: Array(latent[(start * d)..<(end * d)])) }
            values += try neural { try model.decode(codes).scalars }
            start = end
        }
        return ImageBatch(unchecked: count, height: imageHeight, width: imageWidth, values: values)
    }

    /// Decoded probabilities of `count` prior samples z ~ N(0, I) drawn from a seeded generator.
    public func samplePrior(count: Int, seed: UInt64) throws(LearningError) -> ImageBatch {
        guard count >= 0 else { throw .invalidOption(name: "sample count", reason: "must be >= 0, got \(count)") }
        var generator = SeededGenerator(seed: seed)
        let latent = (0..<(count * latentDimension)).map { _ in Float(generator.nextStandardNormal()) }
        return try decodeProbabilities(latent: latent)
    }

    /// Mean over images of the Dice coefficient between the binarized reconstruction
    /// (decode(mu(x)) >= 0.5) and the binarized input (x >= 0.5):
    /// Dice = 2 |A n B| / (|A| + |B|), 1 when both are empty.
    public func reconstructionDice(images: ImageBatch) throws(LearningError) -> Double {
        guard images.count > 0 else { throw .notEnoughSamples(needed: 1, given: 0) }
        let reconstruction = try decodeProbabilities(latent: try encodeMeans(images: images))
        return meanDice(reconstruction.binarized(), images.binarized(), pixelsPerImage: images.pixelsPerImage)
    }

    // MARK: - Model files

    /// Writes weights and options into an open, writable model file.
    ///
    /// Architecture attributes: `architecture_input_size`, `architecture_hidden_size`,
    /// `architecture_latent_dimension`, `architecture_image_height`, `architecture_image_width`;
    /// also `epochs_completed` and `training_options_json`.
    public func write(into file: HDF5File, softwareVersion: String) throws(LearningError) {
        try ModelFile.write(model, kind: .vae, architecture: [
            "input_size": Int64(model.inputSize), "hidden_size": Int64(model.hiddenSize),
            "latent_dimension": Int64(latentDimension), "image_height": Int64(imageHeight), "image_width": Int64(imageWidth),
        ], softwareVersion: softwareVersion, into: file)
        try ModelFile.writeTrainingState(epochsCompleted: epochsCompleted, options: options, into: file)
    }

    /// Creates (or truncates) a model file at `path` and writes the trainer into it.
    public func save(to path: String, softwareVersion: String) throws(LearningError) {
        try ModelFile.create(at: path) { file throws(LearningError) in try write(into: file, softwareVersion: softwareVersion) }
    }

    /// A trainer with the architecture, weights and epoch count of a model file, and fresh Adam state.
    /// - Throws: `wrongModelKind`, `missingKey`, `unexpectedKey`, `shapeMismatch`, `notAModelFile`, `storage`.
    public static func load(from file: HDF5File, options: VAETrainingOptions = VAETrainingOptions()) throws(LearningError) -> VAETrainer {
        let kind = try ModelFile.kind(of: file)
        guard kind == .vae else { throw .wrongModelKind(expected: ModelKind.vae.rawValue, found: kind.rawValue) }
        func size(_ name: String) throws(LearningError) -> Int {
            let value = try ModelFile.architectureValue(name, in: file)
            guard value > 0, value < 1 << 31 else { throw .notAModelFile("architecture_\(name) is \(value)") }
            return Int(value)
        }
        let (height, width) = (try size("image_height"), try size("image_width"))
        let (latent, hidden) = (try size("latent_dimension"), try size("hidden_size"))
        // The sizes come from the file: refuse a network too large to build before allocating it
        // (a damaged attribute of 2^30 x 2^30 pixels used to abort in the allocator).
        guard let parameters = parameterCount(inputSize: height.multipliedReportingOverflow(by: width),
                                              hidden: hidden, latent: latent), parameters <= maximumParameterCount else {
            throw .notAModelFile("architecture \(height) x \(width) pixels, hidden size \(hidden), latent dimension \(latent) "
                + "describes a VAE of more than \(maximumParameterCount) parameters")
        }
        let trainer = try VAETrainer(
            seed: 0, imageHeight: height, imageWidth: width, latentDimension: latent, hiddenSize: hidden, options: options)
        try ModelFile.read(into: trainer.model, kind: .vae, from: file)
        trainer.epochsCompleted = ModelFile.epochsCompleted(in: file)
        return trainer
    }

    /// The most parameters `load` builds a VAE with (2^28, 1 GiB of float32; the paper's VAE has 3.6 M).
    public static let maximumParameterCount = 1 << 28

    /// Parameters of the VAE (`VariationalAutoencoder`): encoder n->h->h, two heads h->d, decoder
    /// d->h->h->n, weights and biases; nil on overflow.
    private static func parameterCount(inputSize: (partialValue: Int, overflow: Bool), hidden h: Int, latent d: Int) -> Int? {
        guard !inputSize.overflow else { return nil }
        let n = inputSize.partialValue
        var total = 0
        for (a, b) in [(n, h), (h, h), (h, d), (h, d), (d, h), (h, h), (h, n)] {
            let (weights, o1) = a.multipliedReportingOverflow(by: b)
            let (layer, o2) = weights.addingReportingOverflow(b)
            let (sum, o3) = total.addingReportingOverflow(layer)
            guard !o1, !o2, !o3 else { return nil }
            total = sum
        }
        return total
    }

    /// Opens the model file at `path` read-only and loads it; see `load(from:options:)`.
    public static func load(path: String, options: VAETrainingOptions = VAETrainingOptions()) throws(LearningError) -> VAETrainer {
        try ModelFile.open(path) { file throws(LearningError) in try load(from: file, options: options) }
    }
}

/// Mean over images of Dice = 2 |A n B| / (|A| + |B|) of two binary batches (1 when both are empty).
func meanDice(_ a: [UInt8], _ b: [UInt8], pixelsPerImage: Int) -> Double {
    let count = a.count / max(pixelsPerImage, 1)
    guard count > 0 else { return 0 }
    var total = 0.0
    for image in 0..<count {
        var both = 0, sizeA = 0, sizeB = 0
        for index in (image * pixelsPerImage)..<((image + 1) * pixelsPerImage) {
            let x = a[index] != 0, y = b[index] != 0
            if x { sizeA += 1 }
            if y { sizeB += 1 }
            if x && y { both += 1 }
        }
        total += sizeA + sizeB == 0 ? 1 : 2 * Double(both) / Double(sizeA + sizeB)
    }
    return total / Double(count)
}
