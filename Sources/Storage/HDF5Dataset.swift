import CHDF5

/// An open numeric dataset of rank 1 to 4 (`uint8`, `int32`, `int64`, `float32`, `float64`).
///
/// Values are passed as flat row-major arrays; the first dimension counts rows. Element types
/// are never converted silently: `read(as:)` with another type than the stored one throws
/// `.typeMismatch`; `readConverted(as:)` converts explicitly.
///
/// Appending (`append(rows:count:)`) grows the first dimension. For compressed datasets the
/// rows of the last, incomplete chunk are buffered in memory and reach the file on `flush()`,
/// `close()` or a read; such a chunk is stored without compression (filters skipped for that
/// chunk, which every HDF5 reader honours) so that it can later be completed in place. Choose
/// `chunkRows` as a divisor of the usual append batch to keep every chunk compressed.
public final class HDF5Dataset: FileMember, AttributeOwner, @unchecked Sendable {
    /// The file this dataset belongs to.
    public let file: HDF5File
    /// The stored element type (`.string` or `.unsupported` datasets cannot be read here).
    public let elementType: HDF5ElementType
    /// The number of dimensions.
    public let rank: Int
    /// The maximum number of rows, or nil when the first dimension is unlimited.
    public let maximumRowCount: Int?
    /// The chunk shape, or nil for a contiguous dataset.
    public let chunkShape: [Int]?
    /// The shuffle and deflate filters used by the dataset.
    public let compression: HDF5Compression

    let location: ObjectLocation
    let filterCount: Int
    private var identifier: hid_t
    private var tail: TailBuffer?
    private let attributeMessages: AttributeMessageGuard
    /// The first failed write of buffered or appended rows (a full disk, an I/O error): from then
    /// on this handle refuses to append or flush rows, so that no later flush can succeed over rows
    /// that never reached the file (and a caller's "committed" mark cannot cover them).
    var writeFailure: StorageError?

    /// Wraps an open dataset identifier; call with the lock held. `attributeMessages` is
    /// `.created()` for a dataset made here.
    init(
        file: HDF5File, identifier: hid_t, location: ObjectLocation, description: DatasetDescription,
        attributeMessages: AttributeMessageGuard
    ) {
        self.file = file
        self.identifier = identifier
        self.location = location
        self.attributeMessages = attributeMessages
        elementType = description.elementType
        rank = description.shape.count
        maximumRowCount = description.maximumShape.isEmpty ? 0 : description.maximumShape[0]
        chunkShape = description.chunkShape
        compression = description.compression
        filterCount = description.filterCount
        file.register(self)
    }

    deinit {
        if identifier >= 0 {
            HDF5Library.runSilently {
                try? writePendingRows()
                closeHandle()
            }
        }
    }

    /// The absolute path of the dataset inside the file, for example "/stress".
    public var path: String { location.objectPath }

    /// Whether the dataset handle is still open.
    public var isOpen: Bool {
        HDF5Library.lock.withLock { identifier >= 0 }
    }

    /// The attributes of this dataset.
    public var attributes: HDF5Attributes {
        HDF5Attributes(owner: self)
    }

    /// The current extent, rows first (includes rows still buffered in memory).
    public var shape: [Int] {
        get throws(StorageError) {
            try HDF5Library.run { () throws(StorageError) -> [Int] in
                let operation = "read shape"
                let identifier = try liveIdentifier(operation)
                return try DatasetDescription.extent(of: identifier, location: location, operation: operation).0
            }
        }
    }

    /// The current number of rows (the first dimension).
    public var rowCount: Int {
        get throws(StorageError) {
            try shape.first ?? 0
        }
    }

    /// Closes the dataset after writing rows still buffered in memory; closing twice is harmless.
    /// - Throws: A failure to write buffered rows (the handle is closed in any case).
    public func close() throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            guard identifier >= 0 else { return }
            defer { closeHandle() }
            try writePendingRows()
        }
    }

    // MARK: - Creation

    /// Creates a dataset; lock held by caller.
    static func create(
        in container: ContainerOperations,
        path: String,
        elementType: HDF5ElementType,
        shape: [Int],
        maximumRows: HDF5RowLimit,
        chunkRows: Int?,
        compression: HDF5Compression
    ) throws(StorageError) -> HDF5Dataset {
        let operation = "create dataset"
        try container.requireNewObject(path, operation)
        let location = container.location.child(path)
        guard (1...4).contains(shape.count) else {
            throw location.error(.invalidArgument, operation, "rank must be 1 to 4, got \(shape.count)")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw location.error(.invalidArgument, operation, "negative dimension in \(shape)")
        }
        if let level = compression.deflateLevel, !(0...9).contains(level) {
            throw location.error(.invalidArgument, operation, "deflate level must be 0 to 9, got \(level)")
        }
        let rows = shape[0]
        let limit: Int?
        switch maximumRows {
        case .fixed: limit = rows
        case .unlimited: limit = nil
        case let .atMost(maximum):
            guard maximum >= rows else {
                throw location.error(.invalidArgument, operation, "maximum rows \(maximum) below initial \(rows)")
            }
            limit = maximum
        }
        let rowByteCount = shape.dropFirst().reduce(1, *) * elementType.byteCount
        var chunkDimensions: [hsize_t]?
        if (compression.isEnabled || limit != rows || chunkRows != nil), limit != 0 {
            guard shape.dropFirst().allSatisfy({ $0 > 0 }) else {
                throw location.error(.invalidArgument, operation, "chunked datasets need positive inner dimensions")
            }
            var rowsPerChunk = chunkRows ?? max(1, 65_536 / max(1, rowByteCount))
            if chunkRows == nil, let limit {
                rowsPerChunk = min(rowsPerChunk, limit)
            }
            guard rowsPerChunk >= 1, limit.map({ rowsPerChunk <= $0 }) ?? true else {
                throw location.error(.invalidArgument, operation, "chunk rows \(rowsPerChunk) outside 1...maximum rows")
            }
            guard rowsPerChunk * rowByteCount < Int(UInt32.max) else {
                throw location.error(.invalidArgument, operation, "a chunk must stay below 4 GiB")
            }
            chunkDimensions = [hsize_t(rowsPerChunk)] + shape.dropFirst().map { hsize_t($0) }
        }
        // A dataset fixed at zero rows cannot be chunked; it is created contiguous (and empty).

        var dimensions = shape.map { hsize_t($0) }
        var maximumDimensions = dimensions
        maximumDimensions[0] = limit.map { hsize_t($0) } ?? chdf5_unlimited()
        let space = try location.check(H5Screate_simple(Int32(shape.count), &dimensions, &maximumDimensions), operation)
        defer { _ = H5Sclose(space) }
        let creationList = try location.check(H5Pcreate(chdf5_dataset_create_plist()), operation)
        defer { _ = H5Pclose(creationList) }
        try location.check(H5Pset_obj_track_times(creationList, false), operation)
        if var chunkDimensions {
            try location.check(H5Pset_chunk(creationList, Int32(shape.count), &chunkDimensions), operation)
            if compression.shuffle {
                try location.check(H5Pset_shuffle(creationList), operation)
            }
            if let level = compression.deflateLevel {
                try location.check(H5Pset_deflate(creationList, UInt32(level)), operation)
            }
        }
        let linkList = try container.makeLinkCreationList(operation)
        defer { _ = H5Pclose(linkList) }
        let accessList = try makeAccessList(location: location, operation: operation)
        defer { _ = H5Pclose(accessList) }
        let dataset = H5Dcreate2(
            container.identifier, path, elementType.nativeTypeIdentifier, space, linkList, creationList, accessList)
        try location.check(dataset, operation)
        return try wrap(dataset, container: container, location: location, operation: operation, attributeMessages: .created())
    }

    /// Opens a dataset; lock held by caller.
    static func open(in container: ContainerOperations, path: String) throws(StorageError) -> HDF5Dataset {
        let operation = "open dataset"
        let header = try container.requireObject(path, kind: .dataset, operation)
        let location = container.location.child(path)
        try DatasetLayoutCheck.check(container, header: header, location: location, operation: operation)
        let accessList = try makeAccessList(location: location, operation: operation)
        defer { _ = H5Pclose(accessList) }
        let dataset = try location.check(H5Dopen2(container.identifier, path, accessList), operation)
        return try wrap(
            dataset, container: container, location: location, operation: operation,
            attributeMessages: AttributeMessageGuard(header: header))
    }

    /// Reads the description of an open dataset handle and wraps it, closing the handle if the
    /// description cannot be read or the rank is outside 1 to 4; lock held by caller.
    private static func wrap(
        _ dataset: hid_t, container: ContainerOperations, location: ObjectLocation, operation: String,
        attributeMessages: AttributeMessageGuard
    ) throws(StorageError) -> HDF5Dataset {
        let description: DatasetDescription
        do throws(StorageError) {
            description = try DatasetDescription.read(dataset, location: location, operation: operation)
            try DatasetLayoutCheck.checkCompactData(dataset, location: location, operation: operation)
        } catch {
            _ = H5Dclose(dataset)
            throw error
        }
        guard (1...4).contains(description.shape.count) else {
            _ = H5Dclose(dataset)
            throw location.error(.shapeMismatch, operation, "rank \(description.shape.count) is outside 1 to 4")
        }
        return HDF5Dataset(
            file: container.file, identifier: dataset, location: location, description: description,
            attributeMessages: attributeMessages)
    }

    /// A dataset access list with a 2 MiB chunk cache (HDF5's default is 1 MiB).
    static func makeAccessList(location: ObjectLocation, operation: String) throws(StorageError) -> hid_t {
        let accessList = try location.check(H5Pcreate(chdf5_dataset_access_plist()), operation)
        if H5Pset_chunk_cache(accessList, 521, 2 << 20, 0.75) < 0 {
            _ = H5Pclose(accessList)
            throw location.libraryError(operation)
        }
        return accessList
    }

    // MARK: - Internal

    /// The open dataset identifier, or `.closed`; lock held by caller.
    func liveIdentifier(_ operation: String) throws(StorageError) -> hid_t {
        _ = try file.liveIdentifier(for: operation, at: location)
        guard identifier >= 0 else { throw location.error(.closed, operation) }
        return identifier
    }

    /// The number of elements in one row, from the current extent.
    func rowElementCount(_ shape: [Int]) -> Int {
        shape.dropFirst().reduce(1, *)
    }

    func attributeTarget(for operation: String) throws(StorageError) -> AttributeTarget {
        AttributeTarget(
            identifier: try liveIdentifier(operation), location: location, isWritable: file.isWritable, messages: attributeMessages)
    }

    /// Closes and reopens the dataset handle (resets HDF5's per-dataset chunk caches when no
    /// other handle to the same dataset is open); returns the new identifier.
    func reopenHandle(_ operation: String) throws(StorageError) -> hid_t {
        let fileIdentifier = try file.liveIdentifier(for: operation, at: location)
        let accessList = try Self.makeAccessList(location: location, operation: operation)
        defer { _ = H5Pclose(accessList) }
        if identifier >= 0 {
            _ = H5Dclose(identifier)
        }
        identifier = H5Dopen2(fileIdentifier, location.objectPath, accessList)
        guard identifier >= 0 else {
            tail = nil
            throw location.libraryError(operation, "cannot reopen the dataset")
        }
        return identifier
    }

    func closeHandle() {
        if identifier >= 0 {
            _ = H5Dclose(identifier)
            identifier = -1
        }
        tail = nil
    }

    /// The buffered tail of a compressed dataset (lock held by caller).
    var tailBuffer: TailBuffer? {
        get { tail }
        set { tail = newValue }
    }
}
