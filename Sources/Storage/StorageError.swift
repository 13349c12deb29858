/// A failure of the storage layer: names the file, the object inside it and the operation.
///
/// Every throwing API of the `Storage` module throws this type (typed throws). When the HDF5 C
/// library reported the failure, `libraryMessages` holds its error stack, innermost call last
/// ("function: description"); the library itself never prints anything.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in terms a caller can branch on.
    public enum Reason: Sendable, Equatable {
        /// The file does not exist.
        case fileNotFound
        /// Exclusive creation was requested but the file already exists.
        case fileExists
        /// The file exists but is not an HDF5 file (no HDF5 signature).
        case notHDF5File
        /// No object (group, dataset or attribute) exists at the path.
        case objectNotFound
        /// An object already exists at the path.
        case objectExists
        /// The object exists but is of another kind (for example a group opened as a dataset).
        case wrongObjectKind(expected: String, found: String)
        /// The stored element type differs from the requested one; nothing is converted.
        case typeMismatch(expected: HDF5ElementType, found: HDF5ElementType)
        /// A value count, rank, shape or row range does not fit the object.
        case shapeMismatch
        /// An argument is outside its documented domain (rank, chunk size, level, name...).
        case invalidArgument
        /// The object, or the file it belongs to, was closed.
        case closed
        /// The file was opened read-only and the operation would modify it.
        case readOnly
        /// The HDF5 library reported a failure (corrupt or truncated file, I/O error, ...).
        case libraryFailure
        /// Another process has the file open (HDF5's file lock is held): writing or replacing it
        /// now would corrupt that process's file.
        case inUse
    }

    /// What went wrong.
    public let reason: Reason
    /// The operation that failed, for example "append rows".
    public let operation: String
    /// The path of the HDF5 file on disk (as given by the caller).
    public let filePath: String
    /// The path of the object inside the file, for example "/results/stress"; "/" for the root.
    public let objectPath: String
    /// A human-readable explanation added by the storage layer (may be empty).
    public let detail: String
    /// The HDF5 error stack at the time of the failure, innermost call last (may be empty).
    public let libraryMessages: [String]

    /// Creates an error value.
    public init(
        reason: Reason,
        operation: String,
        filePath: String,
        objectPath: String,
        detail: String = "",
        libraryMessages: [String] = []
    ) {
        self.reason = reason
        self.operation = operation
        self.filePath = filePath
        self.objectPath = objectPath
        self.detail = detail
        self.libraryMessages = libraryMessages
    }

    /// A one-line description: operation, object, file, reason, detail and HDF5's messages.
    public var description: String {
        var text = "cannot \(operation) '\(objectPath)' in '\(filePath)': \(reasonText)"
        if !detail.isEmpty {
            text += " (\(detail))"
        }
        if !libraryMessages.isEmpty {
            text += " [HDF5: " + libraryMessages.joined(separator: "; ") + "]"
        }
        return text
    }

    /// The operating system's message for the failed call when HDF5's file driver reported one
    /// ("No space left on device", "Read-only file system", "Permission denied", ...), else nil.
    public var systemErrorMessage: String? {
        let marker = Array("error message = '".utf8)
        for message in libraryMessages {
            let bytes = Array(message.utf8)
            guard bytes.count > marker.count else { continue }
            for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker) {
                let rest = bytes[(start + marker.count)...]
                guard let end = rest.firstIndex(of: UInt8(ascii: "'")), end > rest.startIndex else { break }
                return String(decoding: rest[..<end], as: UTF8.self)
            }
        }
        return nil
    }

    private var reasonText: String {
        switch reason {
        case .fileNotFound: return "file not found"
        case .fileExists: return "file already exists"
        case .notHDF5File: return "not an HDF5 file"
        case .objectNotFound: return "no such object"
        case .objectExists: return "object already exists"
        case let .wrongObjectKind(expected, found): return "expected a \(expected), found a \(found)"
        case let .typeMismatch(expected, found):
            return "element type is \(found.rawValue), requested \(expected.rawValue)"
        case .shapeMismatch: return "shape mismatch"
        case .invalidArgument: return "invalid argument"
        case .closed: return "object is closed"
        case .readOnly: return "file is open read-only"
        case .libraryFailure: return "HDF5 library failure"
        case .inUse: return "the file is in use by another process (its HDF5 file lock is held)"
        }
    }
}
