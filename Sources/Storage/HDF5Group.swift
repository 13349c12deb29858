import CHDF5

/// An open HDF5 group.
///
/// Obtained from `HDF5File` (`root`, `createGroup(_:)`, `openGroup(_:)`) or from another group.
/// Paths given to its methods are relative to the group ("a/b/c"); absolute paths ("/a/b")
/// start at the root. The group keeps its file open; `close()` or the last reference going away
/// closes the handle.
public final class HDF5Group: FileMember, AttributeOwner, @unchecked Sendable {
    /// The file this group belongs to.
    public let file: HDF5File
    let location: ObjectLocation
    private var identifier: hid_t
    private let attributeMessages: AttributeMessageGuard

    /// Wraps an open group identifier; call with the lock held. `attributeMessages` is
    /// `.created()` for a group made here, else it knows the header address when the opener did.
    init(file: HDF5File, identifier: hid_t, location: ObjectLocation, attributeMessages: AttributeMessageGuard) {
        self.file = file
        self.identifier = identifier
        self.location = location
        self.attributeMessages = attributeMessages
        file.register(self)
    }

    deinit {
        let identifier = identifier
        if identifier >= 0 {
            HDF5Library.runSilently {
                _ = H5Gclose(identifier)
            }
        }
    }

    /// The absolute path of the group inside the file, for example "/meta".
    public var path: String { location.objectPath }

    /// Whether the group handle is still open.
    public var isOpen: Bool {
        HDF5Library.lock.withLock { identifier >= 0 }
    }

    /// The attributes of this group.
    public var attributes: HDF5Attributes {
        HDF5Attributes(owner: self)
    }

    /// Creates a group, creating missing intermediate groups.
    /// - Throws: `.objectExists` if something exists at `path`, `.readOnly`, `.libraryFailure`.
    public func createGroup(_ path: String) throws(StorageError) -> HDF5Group {
        try HDF5Library.run { () throws(StorageError) -> HDF5Group in
            try operations("create group").createGroup(path)
        }
    }

    /// Opens an existing group.
    /// - Throws: `.objectNotFound`, `.wrongObjectKind` or `.libraryFailure`.
    public func openGroup(_ path: String) throws(StorageError) -> HDF5Group {
        try HDF5Library.run { () throws(StorageError) -> HDF5Group in
            try operations("open group").openGroup(path)
        }
    }

    /// The links directly inside this group, sorted by name.
    public func children() throws(StorageError) -> [HDF5Child] {
        try HDF5Library.run { () throws(StorageError) -> [HDF5Child] in
            try operations("list children").children()
        }
    }

    /// Whether an object exists at `path` (every intermediate link must exist too).
    public func contains(_ path: String) throws(StorageError) -> Bool {
        try HDF5Library.run { () throws(StorageError) -> Bool in
            try operations("look up object").linkExists(path, "look up object")
        }
    }

    /// Removes the link at `path` (the object's space is not reclaimed in the file).
    public func removeChild(_ path: String) throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            try operations("remove object").removeChild(path)
        }
    }

    /// Creates a numeric dataset of rank 1 to 4; see `HDF5Dataset` for layout and crash safety.
    ///
    /// - Parameters:
    ///   - path: Where to create it; missing intermediate groups are created.
    ///   - elementType: `UInt8.self`, `Int32.self`, `Int64.self`, `Float.self` or `Double.self`.
    ///   - shape: The initial shape; the first dimension counts rows (may be 0).
    ///   - maximumRows: How far the row count may grow (`.fixed` keeps `shape[0]`).
    ///   - chunkRows: Rows per chunk; nil picks about 64 KiB per chunk when chunking is needed.
    ///     Chunking is used when rows can grow, compression is on, or `chunkRows` is given.
    ///   - compression: `.none` (default) or `.deflate(level:shuffle:)`.
    public func createDataset<Element: HDF5Scalar>(
        _ path: String,
        elementType: Element.Type,
        shape: [Int],
        maximumRows: HDF5RowLimit = .fixed,
        chunkRows: Int? = nil,
        compression: HDF5Compression = .none
    ) throws(StorageError) -> HDF5Dataset {
        try HDF5Library.run { () throws(StorageError) -> HDF5Dataset in
            try HDF5Dataset.create(
                in: operations("create dataset"), path: path, elementType: Element.hdf5ElementType,
                shape: shape, maximumRows: maximumRows, chunkRows: chunkRows, compression: compression)
        }
    }

    /// Opens an existing dataset of any element type.
    /// - Throws: `.objectNotFound`, `.wrongObjectKind` or `.libraryFailure`.
    public func openDataset(_ path: String) throws(StorageError) -> HDF5Dataset {
        try HDF5Library.run { () throws(StorageError) -> HDF5Dataset in
            try HDF5Dataset.open(in: operations("open dataset"), path: path)
        }
    }

    /// Creates a 1-D dataset of variable-length UTF-8 strings with no rows.
    ///
    /// - Parameters:
    ///   - path: Where to create it; missing intermediate groups are created.
    ///   - maximumRows: How far it may grow (default `.unlimited`).
    ///   - chunkRows: Strings per chunk (default 256).
    public func createStringDataset(
        _ path: String,
        maximumRows: HDF5RowLimit = .unlimited,
        chunkRows: Int = 256
    ) throws(StorageError) -> HDF5StringDataset {
        try HDF5Library.run { () throws(StorageError) -> HDF5StringDataset in
            try HDF5StringDataset.create(
                in: operations("create string dataset"), path: path, maximumRows: maximumRows, chunkRows: chunkRows)
        }
    }

    /// Opens an existing 1-D string dataset (variable- or fixed-length strings).
    /// - Throws: `.objectNotFound`, `.wrongObjectKind`, `.typeMismatch` or `.libraryFailure`.
    public func openStringDataset(_ path: String) throws(StorageError) -> HDF5StringDataset {
        try HDF5Library.run { () throws(StorageError) -> HDF5StringDataset in
            try HDF5StringDataset.open(in: operations("open string dataset"), path: path)
        }
    }

    /// Closes the group handle; closing twice is harmless.
    public func close() {
        HDF5Library.runSilently {
            closeHandle()
        }
    }

    // MARK: - Internal

    func writePendingRows() throws(StorageError) {}

    func closeHandle() {
        if identifier >= 0 {
            _ = H5Gclose(identifier)
            identifier = -1
        }
    }

    func attributeTarget(for operation: String) throws(StorageError) -> AttributeTarget {
        let (identifier, _) = try liveIdentifiers(operation)
        return AttributeTarget(identifier: identifier, location: location, isWritable: file.isWritable, messages: attributeMessages)
    }

    private func operations(_ operation: String) throws(StorageError) -> ContainerOperations {
        let (identifier, _) = try liveIdentifiers(operation)
        return ContainerOperations(identifier: identifier, location: location, file: file)
    }

    private func liveIdentifiers(_ operation: String) throws(StorageError) -> (hid_t, hid_t) {
        let fileIdentifier = try file.liveIdentifier(for: operation, at: location)
        guard identifier >= 0 else { throw location.error(.closed, operation) }
        return (identifier, fileIdentifier)
    }
}
