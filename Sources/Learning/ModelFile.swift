import Foundation
import Neural
import Storage

/// Network weights in HDF5, laid out as the PyTorch `state_dict` of the equivalent module.
///
/// Layout: one dataset per parameter and buffer, at the path given by its `state_dict` key with
/// "." replaced by "/" (`encoder.0.weight` -> dataset `weight` in group `encoder/0`). Tensors
/// keep PyTorch's layouts (Conv2d weight [out, in, kh, kw], ConvTranspose2d weight
/// [in, out, kh, kw], Linear weight [out, in], biases and BatchNorm `running_mean` /
/// `running_var` [C]), stored as float32. `num_batches_tracked` is stored as int64 of shape [1]
/// (the storage layer writes datasets of rank 1 to 4); PyTorch's `load_state_dict` accepts a
/// one-element tensor for a 0-d buffer, and docs/pytorch/models.py reshapes it to 0-d anyway.
///
/// Root attributes: `format` = "plaquefem-model", `format_version`, `model_kind`
/// (`ModelKind`), `software_version`, and the architecture's hyper-parameters as int64
/// attributes named `architecture_<name>` (e.g. `architecture_latent_dimension`). Root children
/// listed in `auxiliaryNames` (training history, latent codes, ...) are not weights.
public enum ModelFile {
    /// The `format` root attribute of every model file.
    public static let formatName = "plaquefem-model"
    /// The `format_version` root attribute written by this code; reading accepts only this version.
    public static let formatVersion: Int64 = 1
    /// Root children that are not weights and are skipped when looking for unexpected keys.
    public static let auxiliaryNames: Set<String> = ["history", "latent", "latent_rows", "meta"]
    /// The suffix of BatchNorm's batch counter, stored as int64.
    static let counterSuffix = "num_batches_tracked"

    /// Writes the provenance attributes and every parameter and buffer of `model` into `file`.
    ///
    /// - Parameters:
    ///   - model: Any container with PyTorch keys (surrogate, VAE, classifier).
    ///   - kind: The `model_kind` attribute.
    ///   - architecture: Hyper-parameters, written as `architecture_<name>` int64 attributes.
    ///   - softwareVersion: The `software_version` attribute (the caller's version string).
    /// - Throws: `LearningError.storage` when a dataset or attribute cannot be written.
    public static func write(
        _ model: some ParameterContainer<Float>, kind: ModelKind, architecture: [String: Int64],
        softwareVersion: String, into file: HDF5File
    ) throws(LearningError) {
        try storage { () throws(StorageError) in
            let attributes = file.attributes
            try attributes.set("format", to: formatName)
            try attributes.set("format_version", to: formatVersion)
            try attributes.set("model_kind", to: kind.rawValue)
            try attributes.set("software_version", to: softwareVersion)
            for name in architecture.keys.sorted() {
                try attributes.set("architecture_" + name, to: architecture[name]!)
            }
            for tensor in model.namedParameters() + model.namedBuffers() {
                let path = datasetPath(forKey: tensor.key)
                if tensor.key.hasSuffix(counterSuffix) {
                    let dataset = try file.createDataset(path, elementType: Int64.self, shape: [1])
                    try dataset.write(tensor.values.map { Int64($0) })
                    try dataset.close()
                } else {
                    // Rank-0 tensors other than the counter do not occur in these models; store them as [1].
                    let shape = tensor.shape.isEmpty ? [1] : tensor.shape
                    let dataset = try file.createDataset(path, elementType: Float.self, shape: shape)
                    try dataset.write(tensor.values)
                    try dataset.close()
                }
            }
        }
    }

    /// Reads the `model_kind` root attribute after checking `format` and `format_version`.
    /// - Throws: `LearningError.notAModelFile` for another format or version.
    public static func kind(of file: HDF5File) throws(LearningError) -> ModelKind {
        let attributes = file.attributes
        let format: String
        let version: Int64
        let kindName: String
        do throws(StorageError) {
            format = try attributes.string("format")
            version = try attributes.scalar("format_version", as: Int64.self)
            kindName = try attributes.string("model_kind")
        } catch {
            throw .notAModelFile("'\(file.path)' lacks the format, format_version or model_kind attribute (\(error))")
        }
        guard format == formatName else {
            throw .notAModelFile("'\(file.path)' has format '\(format)', expected '\(formatName)'")
        }
        guard version == formatVersion else {
            throw .notAModelFile("'\(file.path)' has format version \(version), this software reads \(formatVersion)")
        }
        guard let kind = ModelKind(rawValue: kindName) else {
            throw .notAModelFile("unknown model_kind '\(kindName)' in '\(file.path)'")
        }
        return kind
    }

    /// Reads the hyper-parameter attribute `architecture_<name>`.
    /// - Throws: `LearningError.notAModelFile` when it is absent or not an integer.
    public static func architectureValue(_ name: String, in file: HDF5File) throws(LearningError) -> Int64 {
        do throws(StorageError) {
            return try file.attributes.scalar("architecture_" + name, as: Int64.self)
        } catch {
            throw .notAModelFile("'\(file.path)' lacks the integer attribute architecture_\(name) (\(error))")
        }
    }

    /// Checks the model kind, then replaces every parameter and buffer of `model` by the file's datasets.
    ///
    /// Nothing is changed unless every key is present with the right shape and element type and
    /// the file holds no other weight dataset.
    /// - Throws: `wrongModelKind`, `missingKey`, `unexpectedKey`, `shapeMismatch`,
    ///   `elementTypeMismatch`, `notAModelFile`, or `storage`.
    public static func read(
        into model: some ParameterContainer<Float>, kind expectedKind: ModelKind, from file: HDF5File
    ) throws(LearningError) {
        let found = try kind(of: file)
        guard found == expectedKind else { throw .wrongModelKind(expected: expectedKind.rawValue, found: found.rawValue) }
        let expected = model.namedParameters() + model.namedBuffers()
        let expectedKeys = Set(expected.map(\.key))
        for key in try storage({ () throws(StorageError) in try weightKeys(in: file) }) where !expectedKeys.contains(key) {
            throw .unexpectedKey(key)
        }
        var loaded: [NamedTensor<Float>] = []
        for tensor in expected {
            loaded.append(try readTensor(key: tensor.key, shape: tensor.shape, from: file))
        }
        try neural { try model.load(loaded, requiringAll: true) }
    }

    /// The dataset path of a `state_dict` key: "." -> "/".
    public static func datasetPath(forKey key: String) -> String {
        key.split(separator: ".", omittingEmptySubsequences: false).joined(separator: "/")
    }

    /// Every dataset outside the auxiliary root children, as a `state_dict` key ("/" -> ".").
    static func weightKeys(in file: HDF5File) throws(StorageError) -> [String] {
        var keys: [String] = []
        func walk(_ group: HDF5Group, prefix: String) throws(StorageError) {
            for child in try group.children() {
                if prefix.isEmpty, auxiliaryNames.contains(child.name) { continue }
                let key = prefix.isEmpty ? child.name : prefix + "." + child.name
                switch child.kind {
                case .group:
                    let subgroup = try group.openGroup(child.name)
                    defer { subgroup.close() }
                    try walk(subgroup, prefix: key)
                case .dataset, .other:
                    keys.append(key)
                }
            }
        }
        let root = try file.root
        defer { root.close() }
        try walk(root, prefix: "")
        return keys
    }

    private static func readTensor(key: String, shape: [Int], from file: HDF5File) throws(LearningError) -> NamedTensor<Float> {
        let path = datasetPath(forKey: key)
        let exists = try storage { () throws(StorageError) in try file.contains(path) }
        guard exists else { throw .missingKey(key) }
        return try storage { () throws(StorageError) -> Result<NamedTensor<Float>, LearningError> in
            let dataset = try file.openDataset(path)
            defer { try? dataset.close() }
            let storedShape = try dataset.shape
            let isCounter = key.hasSuffix(counterSuffix)
            // The counter and other rank-0 tensors are stored with shape [1].
            let acceptedShape = shape.isEmpty ? [1] : shape
            guard storedShape == acceptedShape || (shape.isEmpty && storedShape.isEmpty) else {
                return .failure(.shapeMismatch(key: key, expected: acceptedShape, found: storedShape))
            }
            if isCounter {
                guard dataset.elementType == .int64 else {
                    return .failure(.elementTypeMismatch(key: key, expected: "int64", found: dataset.elementType.rawValue))
                }
                let values = try dataset.read(as: Int64.self).map { Float($0) }
                return .success(NamedTensor(key: key, shape: shape, values: values))
            }
            guard dataset.elementType == .float32 else {
                return .failure(.elementTypeMismatch(key: key, expected: "float32", found: dataset.elementType.rawValue))
            }
            return .success(NamedTensor(key: key, shape: shape, values: try dataset.read(as: Float.self)))
        }.get()
    }
}

// MARK: - Shared by the trainers

extension ModelFile {
    /// Creates (or truncates) a model file at `path`, lets `write` fill it, and closes it.
    static func create(at path: String, _ write: (HDF5File) throws(LearningError) -> Void) throws(LearningError) {
        let file = try storage { () throws(StorageError) in try HDF5File.create(at: path, mode: .truncate) }
        try write(file)
        try storage { () throws(StorageError) in try file.close() }
    }

    /// Opens the model file at `path` read-only for `read`, closing it afterwards.
    static func open<Trainer>(_ path: String, _ read: (HDF5File) throws(LearningError) -> Trainer) throws(LearningError) -> Trainer {
        let file = try storage { () throws(StorageError) in try HDF5File.open(at: path) }
        defer { try? file.close() }
        return try read(file)
    }

    /// Writes the root attributes `epochs_completed` and `training_options_json` (sorted keys).
    static func writeTrainingState(epochsCompleted: Int, options: some Encodable, into file: HDF5File) throws(LearningError) {
        let json = String(decoding: (try? sortedEncoder.encode(options)) ?? Data(), as: UTF8.self)
        try storage { () throws(StorageError) in
            try file.attributes.set("epochs_completed", to: Int64(epochsCompleted))
            try file.attributes.set("training_options_json", to: json)
        }
    }

    /// The `epochs_completed` root attribute, 0 when absent.
    static func epochsCompleted(in file: HDF5File) -> Int {
        Int((try? file.attributes.scalar("epochs_completed", as: Int64.self)) ?? 0)
    }
}
