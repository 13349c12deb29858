import CHDF5

/// An open 1-D dataset of strings, for example one failure reason per row.
///
/// Datasets created here hold variable-length UTF-8 strings in chunks without filters, grow by
/// `append(_:)`, and read in h5py as `dataset.asstr()[...]`. Existing fixed-length string
/// datasets written by other tools can be read (not written). Appended strings are written
/// straight to the file; a chunk without filters is always rewritten in place, so flushed
/// rows survive a killed process like those of `HDF5Dataset`.
public final class HDF5StringDataset: FileMember, AttributeOwner, @unchecked Sendable {
    /// The file this dataset belongs to.
    public let file: HDF5File
    /// The maximum number of strings, or nil when unlimited.
    public let maximumRowCount: Int?
    /// Whether the strings are variable-length (only those datasets can be written).
    public let isVariableLength: Bool

    let location: ObjectLocation
    private var identifier: hid_t
    private let attributeMessages: AttributeMessageGuard

    /// Wraps an open dataset identifier; call with the lock held. `attributeMessages` is
    /// `.created()` for a dataset made here.
    init(
        file: HDF5File, identifier: hid_t, location: ObjectLocation, maximumRowCount: Int?, isVariableLength: Bool,
        attributeMessages: AttributeMessageGuard
    ) {
        self.file = file
        self.identifier = identifier
        self.location = location
        self.attributeMessages = attributeMessages
        self.maximumRowCount = maximumRowCount
        self.isVariableLength = isVariableLength
        file.register(self)
    }

    deinit {
        let identifier = identifier
        if identifier >= 0 {
            HDF5Library.runSilently {
                _ = H5Dclose(identifier)
            }
        }
    }

    /// The absolute path of the dataset inside the file.
    public var path: String { location.objectPath }

    /// Whether the dataset handle is still open.
    public var isOpen: Bool {
        HDF5Library.lock.withLock { identifier >= 0 }
    }

    /// The attributes of this dataset.
    public var attributes: HDF5Attributes {
        HDF5Attributes(owner: self)
    }

    /// The number of strings.
    public var count: Int {
        get throws(StorageError) {
            try HDF5Library.run { () throws(StorageError) -> Int in
                let operation = "read shape"
                let identifier = try liveIdentifier(operation)
                return try DatasetDescription.extent(of: identifier, location: location, operation: operation).0[0]
            }
        }
    }

    /// Appends strings at the end.
    /// - Throws: `.invalidArgument` for a string containing NUL, `.shapeMismatch` beyond
    ///   `maximumRowCount`, `.readOnly`, `.typeMismatch` for fixed-length datasets.
    public func append(_ strings: [String]) throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            let operation = "append strings"
            let identifier = try writableIdentifier(operation)
            try StringCoding.validate(strings, location: location, operation: operation)
            guard !strings.isEmpty else { return }
            let rows = try DatasetDescription.extent(of: identifier, location: location, operation: operation).0[0]
            try resize(identifier, to: rows + strings.count, operation)
            try writeStrings(identifier, strings, rows: rows..<(rows + strings.count), operation)
        }
    }

    /// Replaces the whole content, resizing the dataset to `strings.count` rows.
    /// - Throws: Like `append(_:)`.
    public func write(_ strings: [String]) throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            let operation = "write strings"
            let identifier = try writableIdentifier(operation)
            try StringCoding.validate(strings, location: location, operation: operation)
            try resize(identifier, to: strings.count, operation)
            try writeStrings(identifier, strings, rows: 0..<strings.count, operation)
        }
    }

    /// Reads every string.
    public func read() throws(StorageError) -> [String] {
        try readStrings(rows: nil, operation: "read strings")
    }

    /// Reads the strings of the rows `rows`.
    /// - Throws: `.shapeMismatch` for a range outside `0..<count`.
    public func readRows(_ rows: Range<Int>) throws(StorageError) -> [String] {
        try readStrings(rows: rows, operation: "read string rows")
    }

    /// Closes the dataset handle; closing twice is harmless.
    public func close() {
        HDF5Library.runSilently {
            closeHandle()
        }
    }

    // MARK: - Creation

    static func create(
        in container: ContainerOperations, path: String, maximumRows: HDF5RowLimit, chunkRows: Int
    ) throws(StorageError) -> HDF5StringDataset {
        let operation = "create string dataset"
        try container.requireNewObject(path, operation)
        let location = container.location.child(path)
        let limit: Int?
        switch maximumRows {
        case .fixed: limit = 0
        case .unlimited: limit = nil
        case let .atMost(maximum): limit = maximum
        }
        guard chunkRows >= 1, limit.map({ $0 >= chunkRows }) ?? true else {
            throw location.error(.invalidArgument, operation, "chunk rows must be 1...maximum rows")
        }
        var dimensions = [hsize_t(0)]
        var maximumDimensions = [limit.map { hsize_t($0) } ?? chdf5_unlimited()]
        let space = try location.check(H5Screate_simple(1, &dimensions, &maximumDimensions), operation)
        defer { _ = H5Sclose(space) }
        let type = try location.check(HDF5Library.makeVariableLengthStringType(), operation)
        defer { _ = H5Tclose(type) }
        let creationList = try location.check(H5Pcreate(chdf5_dataset_create_plist()), operation)
        defer { _ = H5Pclose(creationList) }
        try location.check(H5Pset_obj_track_times(creationList, false), operation)
        var chunk = [hsize_t(chunkRows)]
        try location.check(H5Pset_chunk(creationList, 1, &chunk), operation)
        let linkList = try container.makeLinkCreationList(operation)
        defer { _ = H5Pclose(linkList) }
        let dataset = H5Dcreate2(container.identifier, path, type, space, linkList, creationList, hid_t(H5P_DEFAULT))
        try location.check(dataset, operation)
        return HDF5StringDataset(
            file: container.file, identifier: dataset, location: location, maximumRowCount: limit,
            isVariableLength: true, attributeMessages: .created())
    }

    static func open(in container: ContainerOperations, path: String) throws(StorageError) -> HDF5StringDataset {
        let operation = "open string dataset"
        let header = try container.requireObject(path, kind: .dataset, operation)
        let location = container.location.child(path)
        try DatasetLayoutCheck.check(container, header: header, location: location, operation: operation)
        let dataset = try location.check(H5Dopen2(container.identifier, path, hid_t(H5P_DEFAULT)), operation)
        do throws(StorageError) {
            let description = try DatasetDescription.read(dataset, location: location, operation: operation)
            guard description.elementType == .string else {
                throw location.error(.typeMismatch(expected: .string, found: description.elementType), operation)
            }
            guard description.shape.count == 1 else {
                throw location.error(.shapeMismatch, operation, "string datasets must have rank 1")
            }
            try DatasetLayoutCheck.checkCompactData(dataset, location: location, operation: operation)
            let type = try location.check(H5Dget_type(dataset), operation)
            defer { _ = H5Tclose(type) }
            let variable = try location.check(H5Tis_variable_str(type), operation) > 0
            return HDF5StringDataset(
                file: container.file, identifier: dataset, location: location,
                maximumRowCount: description.maximumShape[0], isVariableLength: variable,
                attributeMessages: AttributeMessageGuard(header: header))
        } catch {
            _ = H5Dclose(dataset)
            throw error
        }
    }

    // MARK: - Internal

    func writePendingRows() throws(StorageError) {}

    func closeHandle() {
        if identifier >= 0 {
            _ = H5Dclose(identifier)
            identifier = -1
        }
    }

    func attributeTarget(for operation: String) throws(StorageError) -> AttributeTarget {
        AttributeTarget(
            identifier: try liveIdentifier(operation), location: location, isWritable: file.isWritable, messages: attributeMessages)
    }

    private func liveIdentifier(_ operation: String) throws(StorageError) -> hid_t {
        _ = try file.liveIdentifier(for: operation, at: location)
        guard identifier >= 0 else { throw location.error(.closed, operation) }
        return identifier
    }

    private func writableIdentifier(_ operation: String) throws(StorageError) -> hid_t {
        let identifier = try liveIdentifier(operation)
        guard file.isWritable else { throw location.error(.readOnly, operation) }
        guard isVariableLength else {
            throw location.error(.invalidArgument, operation, "only variable-length string datasets can be written")
        }
        return identifier
    }

    private func resize(_ identifier: hid_t, to rows: Int, _ operation: String) throws(StorageError) {
        if let maximumRowCount, rows > maximumRowCount {
            throw location.error(.shapeMismatch, operation, "\(rows) strings exceed the maximum of \(maximumRowCount)")
        }
        try ExtentShrinkCheck.check(identifier, rows: rows, location: location, operation: operation)
        var dimensions = [hsize_t(rows)]
        try location.check(H5Dset_extent(identifier, &dimensions), operation)
    }

    private func writeStrings(_ identifier: hid_t, _ strings: [String], rows: Range<Int>, _ operation: String) throws(StorageError) {
        guard !rows.isEmpty else { return }
        let type = try location.check(HDF5Library.makeVariableLengthStringType(), operation)
        defer { _ = H5Tclose(type) }
        let fileSpace = try Dataspaces.fileRows(identifier, rows: rows, location: location, operation: operation)
        defer { _ = H5Sclose(fileSpace) }
        let memorySpace = try Dataspaces.memory(count: rows.count, location: location, operation: operation)
        defer { _ = H5Sclose(memorySpace) }
        let status = StringCoding.withPointerBuffer(strings) { buffer in
            H5Dwrite(identifier, type, memorySpace, fileSpace, hid_t(H5P_DEFAULT), buffer)
        }
        try location.check(status, operation)
    }

    private func readStrings(rows requested: Range<Int>?, operation: String) throws(StorageError) -> [String] {
        try HDF5Library.run { () throws(StorageError) -> [String] in
            let identifier = try liveIdentifier(operation)
            let count = try DatasetDescription.extent(of: identifier, location: location, operation: operation).0[0]
            let rows = requested ?? 0..<count
            guard rows.lowerBound >= 0, rows.upperBound <= count else {
                throw location.error(.shapeMismatch, operation, "rows \(rows) outside 0..<\(count)")
            }
            guard !rows.isEmpty else { return [] }
            let fileType = try location.check(H5Dget_type(identifier), operation)
            defer { _ = H5Tclose(fileType) }
            let fileSpace = try Dataspaces.fileRows(identifier, rows: rows, location: location, operation: operation)
            defer { _ = H5Sclose(fileSpace) }
            let memorySpace = try Dataspaces.memory(count: rows.count, location: location, operation: operation)
            defer { _ = H5Sclose(memorySpace) }
            return try StringCoding.read(count: rows.count, object: identifier, fileType: fileType, location: location, operation: operation) {
                memoryType, buffer in
                H5Dread(identifier, memoryType, memorySpace, fileSpace, hid_t(H5P_DEFAULT), buffer)
            }
        }
    }
}
