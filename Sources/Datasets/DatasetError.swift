import Storage

/// Why a PlaqueFEM dataset file could not be created, resumed, read or merged.
public enum DatasetError: Error, Sendable, CustomStringConvertible {
    /// The HDF5 layer failed (the error names the file, object and operation).
    case storage(StorageError)
    /// The file is not a PlaqueFEM label file, or a required object is missing or malformed.
    case notALabelFile(path: String, reason: String)
    /// An existing file was written by a different input or different options.
    case mismatch(path: String, reason: String)
    /// Files to merge disagree, or overlap with different contents.
    case incompatibleShards(reason: String)
    /// An export could not be written.
    case cannotWrite(path: String, reason: String)
    /// A row index outside the file.
    case rowOutOfRange(path: String, row: Int, count: Int)
    /// The label file has no `/components` (class maps), which the caller needs (a surrogate with
    /// one input channel per plaque component): it was labeled with one material.
    case noComponents(path: String)

    public var description: String {
        switch self {
        case .storage(let error): "\(error)"
        case .notALabelFile(let path, let reason): "\(path) is not a PlaqueFEM label file: \(reason)"
        case .mismatch(let path, let reason):
            "\(path) belongs to a different run (\(reason)); use another --output, or --overwrite to replace it"
        case .incompatibleShards(let reason): "cannot merge: \(reason)"
        case .cannotWrite(let path, let reason): "cannot write to \(path): \(reason)"
        case .rowOutOfRange(let path, let row, let count): "\(path): row \(row) is outside 0..<\(count)"
        case .noComponents(let path):
            "\(path) has no /components (class maps: 0 outside, 1 fibrous, 2 lipid, 3 calcium); it was labeled with one "
                + "material. Make a label file with components by labeling class masks with 'plaquefem label --components' "
                + "(e.g. from 'plaquefem phantoms --components'), or contours with --calcium / --lipid"
        }
    }
}
