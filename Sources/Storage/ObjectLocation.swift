import CHDF5

/// Where an object lives (file path and object path), used to build `StorageError` values.
struct ObjectLocation: Sendable, Equatable {
    /// The file path as given by the caller.
    let filePath: String
    /// The absolute object path inside the file.
    let objectPath: String

    /// The location of a child given by a name or relative path; absolute paths are kept.
    func child(_ name: String) -> ObjectLocation {
        if name.hasPrefix("/") {
            return ObjectLocation(filePath: filePath, objectPath: name)
        }
        let base = objectPath.hasSuffix("/") ? objectPath : objectPath + "/"
        return ObjectLocation(filePath: filePath, objectPath: base + name)
    }

    /// An error at this location, without HDF5 messages.
    func error(_ reason: StorageError.Reason, _ operation: String, _ detail: String = "") -> StorageError {
        StorageError(reason: reason, operation: operation, filePath: filePath, objectPath: objectPath, detail: detail)
    }

    /// An error at this location carrying (and clearing) HDF5's current error stack.
    func libraryError(_ operation: String, _ detail: String = "", reason: StorageError.Reason = .libraryFailure) -> StorageError {
        StorageError(
            reason: reason, operation: operation, filePath: filePath, objectPath: objectPath,
            detail: detail, libraryMessages: HDF5Library.takeErrorMessages())
    }

    /// Returns a valid identifier or throws a library failure.
    @discardableResult
    func check(_ identifier: hid_t, _ operation: String, _ detail: String = "") throws(StorageError) -> hid_t {
        guard identifier >= 0 else { throw libraryError(operation, detail) }
        return identifier
    }

    /// Throws a library failure when an `herr_t`/`htri_t` status is negative; returns it otherwise.
    @discardableResult
    func check(_ status: herr_t, _ operation: String, _ detail: String = "") throws(StorageError) -> herr_t {
        guard status >= 0 else { throw libraryError(operation, detail) }
        return status
    }

    /// Throws a library failure when a size result is negative; returns it otherwise.
    @discardableResult
    func check(_ size: Int, _ operation: String, _ detail: String = "") throws(StorageError) -> Int {
        guard size >= 0 else { throw libraryError(operation, detail) }
        return size
    }
}
