import CHDF5

/// Convenience access to the root group: every method is the same method of `HDF5Group`
/// called on `root`, with paths relative to "/".
extension HDF5File: AttributeOwner {
    /// Creates a group below the root, creating missing intermediate groups.
    /// - Throws: `.objectExists`, `.readOnly` or `.libraryFailure`.
    public func createGroup(_ path: String) throws(StorageError) -> HDF5Group {
        try root.createGroup(path)
    }

    /// Opens an existing group.
    /// - Throws: `.objectNotFound`, `.wrongObjectKind` or `.libraryFailure`.
    public func openGroup(_ path: String) throws(StorageError) -> HDF5Group {
        try root.openGroup(path)
    }

    /// The links directly inside the root group, sorted by name.
    public func children() throws(StorageError) -> [HDF5Child] {
        try root.children()
    }

    /// Whether an object exists at `path` (every intermediate link must exist too).
    public func contains(_ path: String) throws(StorageError) -> Bool {
        try root.contains(path)
    }

    /// Removes the link at `path` (the object's space is not reclaimed in the file).
    public func removeChild(_ path: String) throws(StorageError) {
        try root.removeChild(path)
    }

    /// Creates a numeric dataset of rank 1 to 4; see `HDF5Group.createDataset`.
    public func createDataset<Element: HDF5Scalar>(
        _ path: String,
        elementType: Element.Type,
        shape: [Int],
        maximumRows: HDF5RowLimit = .fixed,
        chunkRows: Int? = nil,
        compression: HDF5Compression = .none
    ) throws(StorageError) -> HDF5Dataset {
        try root.createDataset(
            path, elementType: elementType, shape: shape, maximumRows: maximumRows, chunkRows: chunkRows,
            compression: compression)
    }

    /// Opens an existing dataset of any element type.
    /// - Throws: `.objectNotFound`, `.wrongObjectKind` or `.libraryFailure`.
    public func openDataset(_ path: String) throws(StorageError) -> HDF5Dataset {
        try root.openDataset(path)
    }

    /// Creates a 1-D variable-length UTF-8 string dataset; see `HDF5Group.createStringDataset`.
    public func createStringDataset(
        _ path: String,
        maximumRows: HDF5RowLimit = .unlimited,
        chunkRows: Int = 256
    ) throws(StorageError) -> HDF5StringDataset {
        try root.createStringDataset(path, maximumRows: maximumRows, chunkRows: chunkRows)
    }

    /// Opens an existing 1-D string dataset (variable- or fixed-length strings).
    /// - Throws: `.objectNotFound`, `.wrongObjectKind`, `.typeMismatch` or `.libraryFailure`.
    public func openStringDataset(_ path: String) throws(StorageError) -> HDF5StringDataset {
        try root.openStringDataset(path)
    }

    // MARK: - Internal

    func attributeTarget(for operation: String) throws(StorageError) -> AttributeTarget {
        let location = ObjectLocation(filePath: path, objectPath: "/")
        let identifier = try liveIdentifier(for: operation, at: location)
        return AttributeTarget(identifier: identifier, location: location, isWritable: isWritable, messages: rootAttributeMessages)
    }
}
