import Foundation
import Neural
import Storage

/// Training options of the surrogate CNN; stored as JSON in model files.
public struct SurrogateTrainingOptions: Codable, Sendable, Equatable {
    /// Adam learning rate; finite, positive. Default 1e-3.
    public var learningRate: Double
    /// Samples per training mini-batch; positive. Default 32.
    public var batchSize: Int
    /// Samples per batch in evaluation (prediction, validation loss); positive. Default 128.
    public var evaluationBatchSize: Int
    /// Adam L2 weight decay; finite, >= 0. Default 0.
    public var weightDecay: Double
    /// Factor between the largest stress of the first training set and the normalization
    /// scale (see `StressNormalization`); >= 1. Default 1.2.
    public var normalizationHeadroom: Double
    /// Length E of a cosine learning-rate decay in epochs, or nil for a constant rate (the
    /// default, as in the paper). Epoch e (1-based, counted over the trainer's life) uses
    /// lr_e = learningRate x (1 + cos(pi (e - 1) / E)) / 2 (from learningRate down to nearly 0
    /// at epoch E); epochs after E keep the rate of epoch E. Positive when set.
    public var cosineDecayEpochs: Int?

    /// Creates options; every argument has the documented default.
    public init(
        learningRate: Double = 1e-3, batchSize: Int = 32, evaluationBatchSize: Int = 128, weightDecay: Double = 0,
        normalizationHeadroom: Double = StressNormalization.defaultHeadroom, cosineDecayEpochs: Int? = nil
    ) {
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.evaluationBatchSize = evaluationBatchSize
        self.weightDecay = weightDecay
        self.normalizationHeadroom = normalizationHeadroom
        self.cosineDecayEpochs = cosineDecayEpochs
    }

    /// The learning rate of epoch `epoch` (1-based): `learningRate`, or the cosine decay.
    public func learningRate(atEpoch epoch: Int) -> Double {
        guard let length = cosineDecayEpochs else { return learningRate }
        let progress = Double(min(max(epoch, 1), length) - 1) / Double(length)
        return learningRate * (1 + cos(Double.pi * progress)) / 2
    }

    /// Throws `LearningError.invalidOption` naming the first option outside its range.
    public func validate() throws(LearningError) {
        try requirePositive(learningRate, "learning rate")
        try requirePositive(batchSize, "batch size")
        try requirePositive(evaluationBatchSize, "evaluation batch size")
        guard weightDecay.isFinite, weightDecay >= 0 else {
            throw .invalidOption(name: "weight decay", reason: "must be finite and >= 0, got \(weightDecay)")
        }
        guard normalizationHeadroom.isFinite, normalizationHeadroom >= 1 else {
            throw .invalidOption(name: "normalization headroom", reason: "must be at least 1, got \(normalizationHeadroom)")
        }
        if let cosineDecayEpochs { try requirePositive(cosineDecayEpochs, "cosine decay epochs") }
    }
}

/// What one epoch of surrogate training achieved.
public struct SurrogateEpochRecord: Codable, Sendable, Equatable {
    /// Epoch number counted over the trainer's life (1 for the first epoch ever trained).
    public var epoch: Int
    /// Mean over the epoch's mini-batches (weighted by batch size) of the MSE in normalized
    /// stress units squared, in training mode (batch statistics), before each step's update.
    public var trainingLoss: Double
    /// Evaluation-mode MSE on the validation set after the epoch, normalized units squared;
    /// nil without a validation set.
    public var validationLoss: Double?
    /// Training samples used in the epoch.
    public var sampleCount: Int

    /// Creates a record.
    public init(epoch: Int, trainingLoss: Double, validationLoss: Double?, sampleCount: Int) {
        self.epoch = epoch
        self.trainingLoss = trainingLoss
        self.validationLoss = validationLoss
        self.sampleCount = sampleCount
    }
}

/// The error of surrogate predictions against reference stress maps, over every pixel.
public struct SurrogateEvaluation: Sendable, Equatable {
    /// Number of maps compared.
    public var count: Int
    /// mean over pixels of (prediction/scale - reference/scale)^2, normalized units squared
    /// (the training loss).
    public var normalizedMeanSquaredError: Double
    /// mean over pixels of (prediction - reference)^2 in kPa^2 = normalized MSE x scale^2.
    public var meanSquaredError: Double
    /// sqrt(meanSquaredError), kPa.
    public var rootMeanSquaredError: Double { meanSquaredError.squareRoot() }
    /// Per-map wall relative L2 and peak-stress errors (kPa predictions against the reference,
    /// over the wall pixels of each mask), with median and 90th percentile.
    public var mapErrors: StressMapErrors
}

/// Trains a surrogate CNN (mask -> stress map) with Adam, progressively: the paper's network
/// or the U-Net (`SurrogateArchitecture`), optionally wall-aware (output x mask), on the wall
/// mask (one channel, the default) or on one channel per plaque component
/// (`SurrogateInputEncoding`).
///
/// Owns the network, the optimizer (its moment estimates persist between `train` calls) and
/// the stress normalization. Masks are 64 x 64 `ImageBatch`es of 0/1 values (the `masks:`
/// methods), or `SurrogateInputs` (masks or class maps; a component surrogate needs class
/// maps); stresses are in kPa. Loss: MSE between the network output (sigmoid, times the wall
/// mask when `masksOutput`) and stress / scale.
public final class SurrogateTrainer {
    /// The network; use it (in evaluation mode) for gradients with respect to its input.
    public let network: SurrogateModel<Float>
    /// The options the trainer was created with.
    public let options: SurrogateTrainingOptions
    /// The stress normalization; nil until the first `train` call fits it (or it is given).
    public private(set) var normalization: StressNormalization?
    /// Epochs trained so far, over every `train` call (and before saving, for a loaded model).
    public private(set) var epochsCompleted: Int
    private let optimizer: Adam<Float>

    /// Image side length of the surrogate's masks and maps (64).
    public static var imageSize: Int { SurrogateModel<Float>.imageSize }

    /// The architecture of the network.
    public var architecture: SurrogateArchitecture { network.architecture }

    /// How inputs become channels (the wall mask, or one channel per component).
    public let inputEncoding: SurrogateInputEncoding

    /// Creates a trainer with a seeded network (same seed, same weights) and fresh Adam state.
    /// - Parameters:
    ///   - seed: Seed of the weight initialisation.
    ///   - architecture: The network (default: the paper's).
    ///   - masksOutput: Multiply the output by the mask; nil takes the architecture's default
    ///     (off for `.paper`, on for `.unet`).
    ///   - inputs: The input encoding (default `.mask`, one channel: the same network and
    ///     weights as before encodings existed).
    ///   - options: Training options.
    ///   - normalization: A fixed normalization; nil fits one to the first training set.
    /// - Throws: `LearningError.invalidOption` for options out of range.
    public init(
        seed: UInt64, architecture: SurrogateArchitecture = .paper, masksOutput: Bool? = nil,
        inputs: SurrogateInputEncoding = .mask,
        options: SurrogateTrainingOptions = SurrogateTrainingOptions(), normalization: StressNormalization? = nil
    ) throws(LearningError) {
        try options.validate()
        self.network = try neural {
            try SurrogateModel<Float>(architecture: architecture, masksOutput: masksOutput, inputChannels: inputs.channelCount, seed: seed)
        }
        self.inputEncoding = inputs
        self.options = options
        self.normalization = normalization
        self.epochsCompleted = 0
        self.optimizer = Self.makeOptimizer(network, options)
    }

    private init(
        network: SurrogateModel<Float>, inputs: SurrogateInputEncoding, options: SurrogateTrainingOptions,
        normalization: StressNormalization, epochsCompleted: Int
    ) {
        self.network = network
        self.inputEncoding = inputs
        self.options = options
        self.normalization = normalization
        self.epochsCompleted = epochsCompleted
        self.optimizer = Self.makeOptimizer(network, options)
    }

    private static func makeOptimizer(_ network: SurrogateModel<Float>, _ options: SurrogateTrainingOptions) -> Adam<Float> {
        Adam(parameters: network.parameters(), learningRate: options.learningRate, weightDecay: options.weightDecay)
    }

    /// Trains for `epochs` more epochs, continuing from the current weights and Adam state.
    ///
    /// Each epoch visits the samples in a seeded order that depends only on `shuffleSeed` and
    /// the epoch number, so two calls of one epoch give the same weights as one call of two.
    /// A last mini-batch of a single sample is skipped (BatchNorm needs two samples).
    /// - Parameters:
    ///   - masks: N masks, 64 x 64, values 0/1.
    ///   - stress: N stress maps, 64 x 64, kPa. The first call fits the normalization to them
    ///     unless one was given.
    ///   - epochs: Number of epochs (>= 0).
    ///   - shuffleSeed: Seed of the sample order.
    ///   - validation: Optional held-out masks and stresses, evaluated after every epoch.
    ///   - progress: Called after each epoch with its record.
    /// - Returns: One record per epoch.
    /// - Throws: `LearningError` for mismatched or too few inputs (at least 2 samples);
    ///   `classMapsRequired` for a component surrogate (masks carry no class information).
    @discardableResult
    public func train(
        masks: ImageBatch, stress: ImageBatch, epochs: Int, shuffleSeed: UInt64,
        validation: (masks: ImageBatch, stress: ImageBatch)? = nil,
        progress: (SurrogateEpochRecord) -> Void = { _ in }
    ) throws(LearningError) -> [SurrogateEpochRecord] {
        try train(inputs: .masks(masks), stress: stress, epochs: epochs, shuffleSeed: shuffleSeed,
                  validation: validation.map { (inputs: SurrogateInputs.masks($0.masks), stress: $0.stress) }, progress: progress)
    }

    /// Trains for `epochs` more epochs on masks or class maps, as `train(masks:...)`.
    /// - Parameters:
    ///   - inputs: N masks or class maps, 64 x 64; a `.components` surrogate needs class maps.
    ///   - stress: N stress maps, 64 x 64, kPa.
    ///   - epochs: Number of epochs (>= 0).
    ///   - shuffleSeed: Seed of the sample order.
    ///   - validation: Optional held-out inputs and stresses, evaluated after every epoch.
    ///   - progress: Called after each epoch with its record.
    /// - Returns: One record per epoch.
    /// - Throws: `LearningError` for mismatched or too few inputs; `classMapsRequired` for plain
    ///   masks given to a `.components` surrogate.
    @discardableResult
    public func train(
        inputs: SurrogateInputs, stress: ImageBatch, epochs: Int, shuffleSeed: UInt64,
        validation: (inputs: SurrogateInputs, stress: ImageBatch)? = nil,
        progress: (SurrogateEpochRecord) -> Void = { _ in }
    ) throws(LearningError) -> [SurrogateEpochRecord] {
        try checkPair(inputs: inputs, stress: stress)
        if let validation { try checkPair(inputs: validation.inputs, stress: validation.stress) }
        // Before the normalization is fitted: a refused call changes nothing.
        try inputs.requireClassInformation(for: inputEncoding)
        if let validation { try validation.inputs.requireClassInformation(for: inputEncoding) }
        guard epochs >= 0 else { throw .invalidOption(name: "epochs", reason: "must be >= 0, got \(epochs)") }
        guard inputs.count >= 2 else { throw .notEnoughSamples(needed: 2, given: inputs.count) }
        let normalization: StressNormalization
        if let existing = self.normalization {
            normalization = existing
        } else {
            normalization = try StressNormalization(fittedTo: stress.values, headroom: options.normalizationHeadroom)
            self.normalization = normalization
        }
        let targets = ImageBatch(unchecked: stress.count, height: stress.height, width: stress.width,
                                 values: normalization.normalize(stress.values))
        var records: [SurrogateEpochRecord] = []
        for _ in 0..<epochs {
            let epoch = epochsCompleted + 1
            let order = shuffledIndices(count: inputs.count, seed: shuffleSeed, epoch: epoch)
            optimizer.learningRate = options.learningRate(atEpoch: epoch)
            network.mode = .training
            var lossSum = 0.0
            var sampleCount = 0
            for batch in miniBatches(order, size: options.batchSize, droppingSingletons: true) {
                let input = try inputs.selecting(batch).tensor(for: inputEncoding)
                let target = targets.selecting(batch).tensor()
                let loss = try neural { () throws -> Double in
                    let output = try network.forward(input)
                    let result = try Neural.meanSquaredError(prediction: output, target: target)
                    optimizer.zeroGradients()
                    // The input masks are data: no dL/dx (the first convolution skips it, as PyTorch does).
                    try network.accumulateParameterGradients(result.gradient)
                    optimizer.step()
                    return result.value
                }
                lossSum += loss * Double(batch.count)
                sampleCount += batch.count
            }
            epochsCompleted = epoch
            var validationLoss: Double?
            if let validation, validation.inputs.count > 0 {
                validationLoss = try meanSquaredError(inputs: validation.inputs, stress: validation.stress).normalizedMeanSquaredError
            }
            let record = SurrogateEpochRecord(
                epoch: epoch, trainingLoss: lossSum / Double(max(sampleCount, 1)), validationLoss: validationLoss,
                sampleCount: sampleCount)
            records.append(record)
            progress(record)
        }
        return records
    }

    /// Predicted stress maps in kPa (evaluation mode: BatchNorm running statistics), batched.
    /// - Throws: `LearningError.invalidNormalization` before any training, or for wrong image sizes;
    ///   `classMapsRequired` for a component surrogate.
    public func predict(masks: ImageBatch) throws(LearningError) -> ImageBatch {
        try predict(inputs: .masks(masks))
    }

    /// Predicted stress maps in kPa of masks or class maps (a `.components` surrogate needs class maps).
    /// - Throws: as `predict(masks:)`.
    public func predict(inputs: SurrogateInputs) throws(LearningError) -> ImageBatch {
        guard let normalization else { throw .invalidNormalization("the surrogate has not been trained yet") }
        let normalized = try predictNormalized(inputs: inputs)
        return ImageBatch(unchecked: normalized.count, height: normalized.height, width: normalized.width,
                          values: normalization.denormalize(normalized.values))
    }

    /// The network's output in (0, 1) (normalized stress), evaluation mode, batched.
    public func predictNormalized(masks: ImageBatch) throws(LearningError) -> ImageBatch {
        try predictNormalized(inputs: .masks(masks))
    }

    /// The network's output in (0, 1) for masks or class maps, evaluation mode, batched.
    public func predictNormalized(inputs: SurrogateInputs) throws(LearningError) -> ImageBatch {
        let masks = inputs.images
        try masks.requireSize(height: Self.imageSize, width: Self.imageSize, name: "masks")
        let savedMode = network.mode
        defer { network.mode = savedMode }
        network.mode = .evaluation
        var values: [Float] = []
        values.reserveCapacity(masks.values.count)
        var start = 0
        while start < masks.count {
            let end = min(start + options.evaluationBatchSize, masks.count)
            let input = try inputs.slice(start..<end).tensor(for: inputEncoding)
            values += try neural { try network.forward(input).scalars }
            start = end
        }
        return ImageBatch(unchecked: masks.count, height: masks.height, width: masks.width, values: values)
    }

    /// The evaluation-mode MSE of the predictions against reference maps (kPa), in normalized
    /// units squared and in kPa^2, and the per-map wall errors (`StressMapErrors`).
    /// - Throws: `LearningError` for mismatched inputs or an untrained surrogate.
    public func meanSquaredError(masks: ImageBatch, stress: ImageBatch) throws(LearningError) -> SurrogateEvaluation {
        try meanSquaredError(inputs: .masks(masks), stress: stress)
    }

    /// `meanSquaredError(masks:stress:)` for masks or class maps (wall pixels: class > 0).
    public func meanSquaredError(inputs: SurrogateInputs, stress: ImageBatch) throws(LearningError) -> SurrogateEvaluation {
        try checkPair(inputs: inputs, stress: stress)
        guard let normalization else { throw .invalidNormalization("the surrogate has not been trained yet") }
        let masks = inputs.images
        let predicted = try predictNormalized(inputs: inputs)
        let factor = 1 / normalization.scale
        var sum = 0.0
        for (p, t) in zip(predicted.values, stress.values) {
            let difference = Double(p) - Double(t) * factor
            sum += difference * difference
        }
        let normalizedError = sum / Double(max(stress.values.count, 1))
        let predictedStress = ImageBatch(unchecked: predicted.count, height: predicted.height, width: predicted.width,
                                         values: normalization.denormalize(predicted.values))
        return SurrogateEvaluation(
            count: masks.count, normalizedMeanSquaredError: normalizedError,
            meanSquaredError: normalizedError * normalization.scale * normalization.scale,
            mapErrors: try StressMapErrors(predicted: predictedStress, reference: stress, masks: masks))
    }

    private func checkPair(inputs: SurrogateInputs, stress: ImageBatch) throws(LearningError) {
        let masks = inputs.images
        try masks.requireSize(height: Self.imageSize, width: Self.imageSize, name: "masks")
        try stress.requireSize(height: Self.imageSize, width: Self.imageSize, name: "stress maps")
        guard masks.count == stress.count else {
            throw .mismatchedInputs("\(masks.count) masks but \(stress.count) stress maps")
        }
    }

    // MARK: - Model files

    /// Writes weights, normalization and options into an open, writable model file.
    ///
    /// Root attributes besides `ModelFile`'s: `architecture_image_size` = 64,
    /// `surrogate_network` ("paper" or "unet"), `architecture_masked_output` (1 when the output
    /// is multiplied by the mask, else 0), for the U-Net `architecture_levels` and
    /// `architecture_base_channels`, `architecture_input_channels` (1, or 3 for components) and
    /// `surrogate_inputs` ("mask" or "components"; both absent in older files: mask),
    /// `stress_scale_kpa` (the normalization scale),
    /// `stress_units` = "kPa", `stress_normalization` (the formula), `epochs_completed`,
    /// `training_options_json`.
    /// - Throws: `LearningError.invalidNormalization` before any training; `.storage`.
    public func write(into file: HDF5File, softwareVersion: String) throws(LearningError) {
        guard let normalization else { throw .invalidNormalization("the surrogate has not been trained yet") }
        var architecture: [String: Int64] = [
            "image_size": Int64(Self.imageSize), "masked_output": network.masksOutput ? 1 : 0,
            "input_channels": Int64(network.inputChannels),
        ]
        if let unet = network.network as? UNetSurrogate<Float> {
            architecture["levels"] = Int64(unet.levels)
            architecture["base_channels"] = Int64(unet.widths[0])
        }
        try ModelFile.write(network, kind: .surrogate, architecture: architecture, softwareVersion: softwareVersion, into: file)
        try storage { () throws(StorageError) in
            let attributes = file.attributes
            try attributes.set(Self.networkAttribute, to: network.architecture.rawValue)
            try attributes.set(Self.inputsAttribute, to: inputEncoding.rawValue)
            try attributes.set("stress_scale_kpa", to: normalization.scale)
            try attributes.set("stress_units", to: StressNormalization.units)
            let input = inputEncoding == .mask ? "mask" : "one_hot(class, [1, 2, 3])"
            try attributes.set("stress_normalization", to: network.masksOutput
                ? "output = sigmoid(network(\(input))) * mask = stress / stress_scale_kpa"
                : "output = sigmoid(network(\(input))) = stress / stress_scale_kpa")
        }
        try ModelFile.writeTrainingState(epochsCompleted: epochsCompleted, options: options, into: file)
    }

    /// Creates (or truncates) a model file at `path` and writes the trainer into it.
    public func save(to path: String, softwareVersion: String) throws(LearningError) {
        try ModelFile.create(at: path) { file throws(LearningError) in try write(into: file, softwareVersion: softwareVersion) }
    }

    /// A trainer with the weights, normalization and epoch count of a model file, and fresh Adam state.
    /// - Parameter options: Options for further training (the file's options are not reused).
    /// - Throws: `wrongModelKind`, `missingKey`, `unexpectedKey`, `shapeMismatch`,
    ///   `invalidNormalization`, `notAModelFile`, `storage`.
    public static func load(from file: HDF5File, options: SurrogateTrainingOptions = SurrogateTrainingOptions()) throws(LearningError) -> SurrogateTrainer {
        try options.validate()
        // Files written before the U-Net hold the paper's network, unmasked, without these attributes.
        let architecture: SurrogateArchitecture
        if let name = try? file.attributes.string(networkAttribute) {
            guard let known = SurrogateArchitecture(rawValue: name) else {
                throw .notAModelFile("unknown \(networkAttribute) '\(name)' in '\(file.path)' (known: "
                    + SurrogateArchitecture.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            architecture = known
        } else {
            architecture = .paper
        }
        let masked = (try? file.attributes.scalar("architecture_masked_output", as: Int64.self)).map { $0 != 0 } ?? false
        if architecture == .unet {
            let levels = try ModelFile.architectureValue("levels", in: file)
            let base = try ModelFile.architectureValue("base_channels", in: file)
            guard levels == Int64(UNetSurrogate<Float>.defaultLevels), base == Int64(UNetSurrogate<Float>.defaultBaseChannels) else {
                throw .notAModelFile("the U-Net has \(levels) levels from \(base) channels; this software builds "
                    + "\(UNetSurrogate<Float>.defaultLevels) from \(UNetSurrogate<Float>.defaultBaseChannels)")
            }
        }
        // Files written before input encodings hold single-channel mask models without these attributes.
        let inputs: SurrogateInputEncoding
        if let name = try? file.attributes.string(inputsAttribute) {
            guard let known = SurrogateInputEncoding(rawValue: name) else {
                throw .notAModelFile("unknown \(inputsAttribute) '\(name)' in '\(file.path)' (known: "
                    + SurrogateInputEncoding.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            inputs = known
        } else {
            inputs = .mask
        }
        let channels = (try? file.attributes.scalar("architecture_input_channels", as: Int64.self)) ?? 1
        guard channels == Int64(inputs.channelCount) else {
            throw .notAModelFile("'\(file.path)' has architecture_input_channels = \(channels), but \(inputsAttribute) '\(inputs.rawValue)' "
                + "takes \(inputs.channelCount)")
        }
        let network = try neural {
            try SurrogateModel<Float>(architecture: architecture, masksOutput: masked, inputChannels: inputs.channelCount, seed: 0)
        }
        try ModelFile.read(into: network, kind: .surrogate, from: file)
        let size = try ModelFile.architectureValue("image_size", in: file)
        guard size == Int64(imageSize) else {
            throw .notAModelFile("architecture_image_size is \(size), the surrogate works on \(imageSize) x \(imageSize)")
        }
        let scale: Double
        do throws(StorageError) {
            scale = try file.attributes.scalar("stress_scale_kpa", as: Double.self)
        } catch {
            throw .invalidNormalization("the model file has no stress_scale_kpa attribute (\(error))")
        }
        return SurrogateTrainer(network: network, inputs: inputs, options: options, normalization: try StressNormalization(scale: scale),
                                epochsCompleted: ModelFile.epochsCompleted(in: file))
    }

    /// The root attribute naming the network ("paper" or "unet"); absent in older files (paper).
    public static let networkAttribute = "surrogate_network"

    /// The root attribute naming the input encoding ("mask" or "components"); absent in older files (mask).
    public static let inputsAttribute = "surrogate_inputs"

    /// Opens the model file at `path` read-only and loads it; see `load(from:options:)`.
    public static func load(path: String, options: SurrogateTrainingOptions = SurrogateTrainingOptions()) throws(LearningError) -> SurrogateTrainer {
        try ModelFile.open(path) { file throws(LearningError) in try load(from: file, options: options) }
    }
}

/// A JSON encoder with sorted keys: the same options always give the same bytes.
let sortedEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
}()
