import Neural
import Storage

/// Why a training, evaluation or model-file operation of the `Learning` module failed.
///
/// Every case names what was wrong (the key, the shape, the option), so that a command can
/// print it as is.
public enum LearningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An image batch's value count is not count x height x width, or a dimension is not positive.
    case invalidBatch(String)
    /// Two inputs that must match do not (sample counts, image sizes, label counts).
    case mismatchedInputs(String)
    /// An option or argument is outside its valid range; `name` is the option, `reason` the range.
    case invalidOption(name: String, reason: String)
    /// Training needs more samples than were given.
    case notEnoughSamples(needed: Int, given: Int)
    /// The model file holds another kind of model than the one being loaded.
    case wrongModelKind(expected: String, found: String)
    /// The model file is not a model file of this package, or is of an unsupported version.
    case notAModelFile(String)
    /// A parameter or buffer of the model has no dataset in the file; `key` is the PyTorch key.
    case missingKey(String)
    /// The file holds a weight dataset that the model does not have; `key` is the PyTorch key.
    case unexpectedKey(String)
    /// A weight dataset has another shape than the model's tensor.
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    /// A weight dataset has another element type than float32 (int64 for `num_batches_tracked`).
    case elementTypeMismatch(key: String, expected: String, found: String)
    /// The model file lacks the stress normalization a surrogate needs, or it is invalid.
    case invalidNormalization(String)
    /// A surrogate whose inputs are component channels (`surrogate_inputs` = components) was
    /// given inputs without class information (plain wall masks); `reason` says which.
    case classMapsRequired(String)
    /// The neural-network library rejected an operation (a shape error inside a model).
    case neural(NeuralError)
    /// Reading or writing the HDF5 file failed.
    case storage(StorageError)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case let .invalidBatch(reason): "invalid image batch: \(reason)"
        case let .mismatchedInputs(reason): "inputs do not match: \(reason)"
        case let .invalidOption(name, reason): "invalid \(name): \(reason)"
        case let .notEnoughSamples(needed, given): "not enough samples: need at least \(needed), got \(given)"
        case let .wrongModelKind(expected, found): "the model file holds a '\(found)' model, expected '\(expected)'"
        case let .notAModelFile(reason): "not a plaquefem model file: \(reason)"
        case let .missingKey(key): "the model file has no dataset for parameter or buffer '\(key)'"
        case let .unexpectedKey(key): "the model file has a dataset '\(key)' that the model does not have"
        case let .shapeMismatch(key, expected, found): "'\(key)' has shape \(found) in the file, the model expects \(expected)"
        case let .elementTypeMismatch(key, expected, found): "'\(key)' is stored as \(found), expected \(expected)"
        case let .invalidNormalization(reason): "invalid stress normalization: \(reason)"
        case let .classMapsRequired(reason):
            "the surrogate takes one input channel per plaque component (fibrous, lipid, calcium) and needs class maps "
                + "(codes 0 outside, 1 fibrous, 2 lipid, 3 calcium), but \(reason); plain masks carry no class information"
        case let .neural(error): "neural network: \(error)"
        case let .storage(error): error.description
        }
    }
}

/// Runs a call into the Neural library (untyped throws) and maps its error to `LearningError`.
func neural<Result>(_ body: () throws -> Result) throws(LearningError) -> Result {
    do {
        return try body()
    } catch let error as NeuralError {
        throw .neural(error)
    } catch {
        throw .neural(.invalidArgument(String(describing: error)))
    }
}

/// Runs a Storage call and maps its error to `LearningError.storage`.
func storage<Result>(_ body: () throws(StorageError) -> Result) throws(LearningError) -> Result {
    do {
        return try body()
    } catch {
        throw .storage(error)
    }
}
