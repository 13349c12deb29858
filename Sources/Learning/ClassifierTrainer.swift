import Foundation
import Neural
import Storage

/// Training options of the MNIST classifier; stored as JSON in model files.
public struct ClassifierTrainingOptions: Codable, Sendable, Equatable {
    /// Adam learning rate; finite, positive. Default 1e-3.
    public var learningRate: Double
    /// Samples per training mini-batch; positive. Default 64.
    public var batchSize: Int
    /// Samples per batch in evaluation; positive. Default 256.
    public var evaluationBatchSize: Int

    /// Creates options; every argument has the documented default.
    public init(learningRate: Double = 1e-3, batchSize: Int = 64, evaluationBatchSize: Int = 256) {
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

/// What one epoch of classifier training achieved.
public struct ClassifierEpochRecord: Codable, Sendable, Equatable {
    /// Epoch number counted over the trainer's life (1 for the first epoch ever trained).
    public var epoch: Int
    /// Mean softmax cross-entropy over the epoch's samples (nats), before each step's update.
    public var trainingLoss: Double
    /// Fraction of the epoch's samples classified correctly, before each step's update.
    public var trainingAccuracy: Double
    /// Training samples used in the epoch.
    public var sampleCount: Int
}

/// Trains the paper's MNIST classifier (28 x 28 image -> 10 classes) with Adam and softmax
/// cross-entropy, progressively (weights and Adam state persist between `train` calls).
public final class ClassifierTrainer {
    /// The network.
    public let network: MNISTClassifier<Float>
    /// The options the trainer was created with.
    public let options: ClassifierTrainingOptions
    /// Epochs trained so far, over every `train` call.
    public private(set) var epochsCompleted: Int
    private let optimizer: Adam<Float>

    /// Image side length (28).
    public static let imageSize = 28
    /// Number of classes (10).
    public static let classCount = 10

    /// Creates a trainer with a seeded network (same seed, same weights) and fresh Adam state.
    /// - Throws: `LearningError.invalidOption` for options out of range.
    public init(seed: UInt64, options: ClassifierTrainingOptions = ClassifierTrainingOptions()) throws(LearningError) {
        try options.validate()
        network = MNISTClassifier<Float>(seed: seed)
        self.options = options
        epochsCompleted = 0
        optimizer = Adam(parameters: network.parameters(), learningRate: options.learningRate)
    }

    /// Trains for `epochs` more epochs; the order of each epoch depends only on `shuffleSeed`
    /// and the epoch number.
    /// - Parameters:
    ///   - images: N images, 28 x 28, values in [0, 1].
    ///   - labels: N class labels in 0..<10.
    ///   - epochs: Number of epochs (>= 0).
    ///   - shuffleSeed: Seed of the sample order.
    ///   - progress: Called after each epoch with its record.
    /// - Throws: `LearningError` for mismatched inputs, labels out of range or no samples.
    @discardableResult
    public func train(
        images: ImageBatch, labels: [Int], epochs: Int, shuffleSeed: UInt64,
        progress: (ClassifierEpochRecord) -> Void = { _ in }
    ) throws(LearningError) -> [ClassifierEpochRecord] {
        try check(images: images, labels: labels)
        guard epochs >= 0 else { throw .invalidOption(name: "epochs", reason: "must be >= 0, got \(epochs)") }
        guard images.count >= 1 else { throw .notEnoughSamples(needed: 1, given: 0) }
        var records: [ClassifierEpochRecord] = []
        network.mode = .training
        for _ in 0..<epochs {
            let epoch = epochsCompleted + 1
            let order = shuffledIndices(count: images.count, seed: shuffleSeed, epoch: epoch)
            var lossSum = 0.0
            var correct = 0
            for batch in miniBatches(order, size: options.batchSize, droppingSingletons: false) {
                let input = images.selecting(batch).tensor()
                let batchLabels = batch.map { labels[$0] }
                let (loss, logits) = try neural { () throws -> (Double, Tensor<Float>) in
                    let logits = try network.forward(input)
                    let result = try softmaxCrossEntropy(logits: logits, labels: batchLabels)
                    optimizer.zeroGradients()
                    _ = try network.backward(result.gradient)
                    optimizer.step()
                    return (result.value, logits)
                }
                lossSum += loss * Double(batch.count)
                correct += zip(argmax(logits.scalars), batchLabels).filter { $0 == $1 }.count
            }
            epochsCompleted = epoch
            let n = Double(images.count)
            let record = ClassifierEpochRecord(epoch: epoch, trainingLoss: lossSum / n, trainingAccuracy: Double(correct) / n,
                                               sampleCount: images.count)
            records.append(record)
            progress(record)
        }
        return records
    }

    /// The class logits, row-major N x 10 (evaluation mode, batched).
    public func logits(images: ImageBatch) throws(LearningError) -> [Float] {
        try images.requireSize(height: Self.imageSize, width: Self.imageSize, name: "images")
        let savedMode = network.mode
        defer { network.mode = savedMode }
        network.mode = .evaluation
        var values: [Float] = []
        var start = 0
        while start < images.count {
            let end = min(start + options.evaluationBatchSize, images.count)
            let input = images.slice(start..<end).tensor()
            values += try neural { try network.forward(input).scalars }
            start = end
        }
        return values
    }

    /// The predicted class (argmax of the logits, first on ties) of each image.
    public func predict(images: ImageBatch) throws(LearningError) -> [Int] {
        argmax(try logits(images: images))
    }

    /// Fraction of images whose predicted class equals the label.
    public func accuracy(images: ImageBatch, labels: [Int]) throws(LearningError) -> Double {
        try check(images: images, labels: labels)
        guard images.count > 0 else { throw .notEnoughSamples(needed: 1, given: 0) }
        let predicted = try predict(images: images)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(images.count)
    }

    private func check(images: ImageBatch, labels: [Int]) throws(LearningError) {
        try images.requireSize(height: Self.imageSize, width: Self.imageSize, name: "images")
        guard labels.count == images.count else {
            throw .mismatchedInputs("\(images.count) images but \(labels.count) labels")
        }
        if let bad = labels.firstIndex(where: { !(0..<Self.classCount).contains($0) }) {
            throw .mismatchedInputs("label \(labels[bad]) of image \(bad) is outside 0..<\(Self.classCount)")
        }
    }

    private func argmax(_ logits: [Float]) -> [Int] {
        stride(from: 0, to: logits.count, by: Self.classCount).map { start in
            var best = 0
            for c in 1..<Self.classCount where logits[start + c] > logits[start + best] { best = c }
            return best
        }
    }

    // MARK: - Model files

    /// Writes weights and options into an open, writable model file (`architecture_image_size`
    /// = 28, `architecture_class_count` = 10, `epochs_completed`, `training_options_json`).
    public func write(into file: HDF5File, softwareVersion: String) throws(LearningError) {
        try ModelFile.write(network, kind: .mnistClassifier,
                            architecture: ["image_size": Int64(Self.imageSize), "class_count": Int64(Self.classCount)],
                            softwareVersion: softwareVersion, into: file)
        try ModelFile.writeTrainingState(epochsCompleted: epochsCompleted, options: options, into: file)
    }

    /// Creates (or truncates) a model file at `path` and writes the trainer into it.
    public func save(to path: String, softwareVersion: String) throws(LearningError) {
        try ModelFile.create(at: path) { file throws(LearningError) in try write(into: file, softwareVersion: softwareVersion) }
    }

    /// A trainer with the weights and epoch count of a model file, and fresh Adam state.
    /// - Throws: `wrongModelKind`, `missingKey`, `unexpectedKey`, `shapeMismatch`, `notAModelFile`, `storage`.
    public static func load(from file: HDF5File, options: ClassifierTrainingOptions = ClassifierTrainingOptions()) throws(LearningError) -> ClassifierTrainer {
        let trainer = try ClassifierTrainer(seed: 0, options: options)
        try ModelFile.read(into: trainer.network, kind: .mnistClassifier, from: file)
        trainer.epochsCompleted = ModelFile.epochsCompleted(in: file)
        return trainer
    }

    /// Opens the model file at `path` read-only and loads it; see `load(from:options:)`.
    public static func load(path: String, options: ClassifierTrainingOptions = ClassifierTrainingOptions()) throws(LearningError) -> ClassifierTrainer {
        try ModelFile.open(path) { file throws(LearningError) in try load(from: file, options: options) }
    }
}
