import CHDF5

extension HDF5Dataset {
    /// Overwrites the whole dataset with a flat row-major array.
    ///
    /// - Parameter values: Exactly as many values as the current shape holds; the element type
    ///   must match `elementType`.
    /// - Throws: `.typeMismatch`, `.shapeMismatch`, `.readOnly`, `.libraryFailure`.
    public func write<Element: HDF5Scalar>(_ values: [Element]) throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            let operation = "write dataset"
            _ = try writableIdentifier(for: Element.self, operation)
            try writePendingRows()
            tailBuffer = nil
            let identifier = try liveIdentifier(operation)
            let shape = try DatasetDescription.extent(of: identifier, location: location, operation: operation).0
            let expected = shape.reduce(1, *)
            guard values.count == expected else {
                throw location.error(.shapeMismatch, operation, "\(values.count) values for shape \(shape)")
            }
            guard expected > 0 else { return }
            let status = values.withUnsafeBytes { buffer in
                H5Dwrite(
                    identifier, elementType.nativeTypeIdentifier, hid_t(H5S_ALL), hid_t(H5S_ALL), hid_t(H5P_DEFAULT),
                    buffer.baseAddress)
            }
            try location.check(status, operation)
        }
    }

    /// Appends rows at the end of the first dimension.
    ///
    /// - Parameters:
    ///   - values: `count` rows in row-major order (`count` times the elements of one row).
    ///   - count: The number of rows to append (0 does nothing).
    /// - Throws: `.typeMismatch`, `.shapeMismatch` (wrong value count or maximum rows
    ///   exceeded), `.readOnly`, `.libraryFailure`.
    public func append<Element: HDF5Scalar>(rows values: [Element], count: Int) throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            let operation = "append rows"
            let identifier = try writableIdentifier(for: Element.self, operation)
            if let writeFailure { throw writeFailure }
            let shape = try DatasetDescription.extent(of: identifier, location: location, operation: operation).0
            let rowElements = rowElementCount(shape)
            guard count >= 0, values.count == count * rowElements else {
                throw location.error(
                    .shapeMismatch, operation, "\(values.count) values for \(count) rows of \(rowElements) elements")
            }
            guard count > 0 else { return }
            let rows = shape[0]
            if let maximumRowCount, rows + count > maximumRowCount {
                throw location.error(
                    .shapeMismatch, operation, "\(rows) + \(count) rows exceed the maximum of \(maximumRowCount)")
            }
            let bytes = ByteBuffers.bytes(of: values)
            do throws(StorageError) {
                if filterCount == 0 {
                    try setExtent(identifier, rows: rows + count, shape: shape, operation)
                    try writeBytes(identifier, bytes, 0..<bytes.count, rows: rows..<(rows + count), operation)
                } else {
                    try appendFiltered(identifier, bytes, count: count, shape: shape, operation)
                }
            } catch {
                tailBuffer = nil
                writeFailure = error
                throw error
            }
        }
    }

    /// Sets the number of rows: new rows read as zeros, removed rows are dropped.
    ///
    /// Useful when resuming a run whose datasets must share one row count.
    /// - Throws: `.shapeMismatch` beyond `maximumRowCount`, `.readOnly`, `.libraryFailure`.
    public func setRowCount(_ newCount: Int) throws(StorageError) {
        try HDF5Library.run { () throws(StorageError) in
            let operation = "set row count"
            guard file.isWritable else { throw location.error(.readOnly, operation) }
            _ = try liveIdentifier(operation)
            guard newCount >= 0, maximumRowCount.map({ newCount <= $0 }) ?? true else {
                throw location.error(.shapeMismatch, operation, "row count \(newCount) outside 0...maximum")
            }
            try writePendingRows()
            tailBuffer = nil
            let identifier = try liveIdentifier(operation)
            let shape = try DatasetDescription.extent(of: identifier, location: location, operation: operation).0
            try setExtent(identifier, rows: newCount, shape: shape, operation)
        }
    }

    /// Writes rows buffered for the incomplete last chunk to the file; lock held by caller.
    func writePendingRows() throws(StorageError) {
        if let writeFailure { throw writeFailure }
        guard file.isWritable, var tail = tailBuffer else { return }
        let operation = "write buffered rows"
        let identifier = try liveIdentifier(operation)
        let rowByteCount = try rowByteCount(identifier, operation)
        let tailRows = tail.rowCount(rowByteCount: rowByteCount)
        guard tailRows > tail.writtenRows else { return }
        do throws(StorageError) {
            _ = try writeStoredChunk(identifier, tail, rowByteCount: rowByteCount, operation)
        } catch {
            tailBuffer = nil
            writeFailure = error
            throw error
        }
        tail.writtenRows = tailRows
        tailBuffer = tail
    }

    // MARK: - Private

    private func writableIdentifier<Element: HDF5Scalar>(for type: Element.Type, _ operation: String) throws(StorageError) -> hid_t {
        let identifier = try liveIdentifier(operation)
        guard file.isWritable else { throw location.error(.readOnly, operation) }
        guard elementType == Element.hdf5ElementType else {
            throw location.error(.typeMismatch(expected: Element.hdf5ElementType, found: elementType), operation)
        }
        return identifier
    }

    private func rowByteCount(_ identifier: hid_t, _ operation: String) throws(StorageError) -> Int {
        let shape = try DatasetDescription.extent(of: identifier, location: location, operation: operation).0
        return rowElementCount(shape) * elementType.byteCount
    }

    private func setExtent(_ identifier: hid_t, rows: Int, shape: [Int], _ operation: String) throws(StorageError) {
        try ExtentShrinkCheck.check(identifier, rows: rows, location: location, operation: operation)
        var dimensions = shape.map { hsize_t($0) }
        dimensions[0] = hsize_t(rows)
        try location.check(H5Dset_extent(identifier, &dimensions), operation)
    }

    /// Writes `bytes[byteRange]` (native values) into the rows `rows` through the normal
    /// (filtered) path.
    private func writeBytes(
        _ identifier: hid_t, _ bytes: [UInt8], _ byteRange: Range<Int>, rows: Range<Int>, _ operation: String
    ) throws(StorageError) {
        guard !rows.isEmpty else { return }
        let fileSpace = try Dataspaces.fileRows(identifier, rows: rows, location: location, operation: operation)
        defer { _ = H5Sclose(fileSpace) }
        let memorySpace = try Dataspaces.memory(
            count: byteRange.count / elementType.byteCount, location: location, operation: operation)
        defer { _ = H5Sclose(memorySpace) }
        let status = bytes.withUnsafeBytes { buffer in
            H5Dwrite(
                identifier, elementType.nativeTypeIdentifier, memorySpace, fileSpace, hid_t(H5P_DEFAULT),
                buffer.baseAddress.map { $0 + byteRange.lowerBound })
        }
        try location.check(status, operation)
    }

    /// Appends to a compressed dataset: complete chunks are written compressed exactly once;
    /// the rows of an incomplete last chunk stay in `tailBuffer` until the next flush.
    private func appendFiltered(
        _ identifier: hid_t, _ bytes: [UInt8], count: Int, shape: [Int], _ operation: String
    ) throws(StorageError) {
        var identifier = identifier
        guard let chunkRows = chunkShape?.first, chunkRows > 0 else {
            throw location.error(.libraryFailure, operation, "filtered dataset without chunks")
        }
        let rows = shape[0]
        let rowByteCount = rowElementCount(shape) * elementType.byteCount
        guard rowByteCount > 0 else {
            // Rows without elements: only the extent changes.
            try setExtent(identifier, rows: rows + count, shape: shape, operation)
            return
        }
        var tail: TailBuffer
        if let buffered = tailBuffer, buffered.startRow + buffered.rowCount(rowByteCount: rowByteCount) == rows {
            tail = buffered
        } else {
            tail = try loadTail(identifier, rows: rows, chunkRows: chunkRows, rowByteCount: rowByteCount, operation)
        }
        try setExtent(identifier, rows: rows + count, shape: shape, operation)

        let combined = bytes.withUnsafeBytes { ByteBuffers.concatenate(tail.bytes, $0) }
        let chunkByteCount = chunkRows * rowByteCount
        let completeChunks = combined.count / chunkByteCount
        if completeChunks > 0 {
            var firstNewChunk = 0
            if tail.writtenRows > 0 {
                // The chunk already holds flushed rows: complete it in place.
                var completed = tail
                completed.bytes = ByteBuffers.slice(combined, 0..<chunkByteCount)
                identifier = try writeStoredChunk(identifier, completed, rowByteCount: rowByteCount, operation)
                firstNewChunk = 1
            }
            if completeChunks > firstNewChunk {
                let firstRow = tail.startRow + firstNewChunk * chunkRows
                let endRow = tail.startRow + completeChunks * chunkRows
                try writeBytes(
                    identifier, combined, (firstNewChunk * chunkByteCount)..<(completeChunks * chunkByteCount),
                    rows: firstRow..<endRow, operation)
            }
            tail = TailBuffer(
                startRow: tail.startRow + completeChunks * chunkRows,
                bytes: ByteBuffers.slice(combined, (completeChunks * chunkByteCount)..<combined.count),
                writtenRows: 0,
                storedRaw: true)
        } else {
            tail.bytes = combined
        }
        tailBuffer = tail
    }

    /// Reads the rows of the incomplete last chunk and finds how that chunk is stored.
    private func loadTail(
        _ identifier: hid_t, rows: Int, chunkRows: Int, rowByteCount: Int, _ operation: String
    ) throws(StorageError) -> TailBuffer {
        let startRow = rows - rows % chunkRows
        guard startRow < rows else {
            return TailBuffer(startRow: rows, bytes: [], writtenRows: 0, storedRaw: true)
        }
        let bytes = try readBytes(identifier, rows: startRow..<rows, rowByteCount: rowByteCount, operation: operation)
        var offset = [hsize_t](repeating: 0, count: rank)
        offset[0] = hsize_t(startRow)
        var filterMask: UInt32 = 0
        var address: haddr_t = 0
        var size: hsize_t = 0
        let storedRaw: Bool
        if H5Dget_chunk_info_by_coord(identifier, &offset, &filterMask, &address, &size) < 0 {
            _ = HDF5Library.takeErrorMessages()
            storedRaw = false
        } else {
            let allFilters = skipAllFiltersMask
            storedRaw = address == chdf5_undefined_address() || filterMask & allFilters == allFilters
        }
        return TailBuffer(startRow: startRow, bytes: bytes, writtenRows: rows - startRow, storedRaw: storedRaw)
    }

    /// Stores the chunk starting at `tail.startRow` holding `tail.bytes`; returns the dataset
    /// identifier to use afterwards (the handle is reopened after a new raw chunk, see below).
    ///
    /// A raw chunk is written whole, padded with zeros, with every filter skipped, so its size
    /// never changes and HDF5 rewrites it in place. A chunk that another writer stored
    /// compressed is updated through the normal path instead.
    private func writeStoredChunk(
        _ identifier: hid_t, _ tail: TailBuffer, rowByteCount: Int, _ operation: String
    ) throws(StorageError) -> hid_t {
        guard let chunkRows = chunkShape?.first else { return identifier }
        guard tail.storedRaw else {
            let tailRows = tail.rowCount(rowByteCount: rowByteCount)
            try writeBytes(
                identifier, tail.bytes, (tail.writtenRows * rowByteCount)..<tail.bytes.count,
                rows: (tail.startRow + tail.writtenRows)..<(tail.startRow + tailRows), operation)
            return identifier
        }
        let chunk = ByteBuffers.slice(tail.bytes, 0..<tail.bytes.count, minimumCount: chunkRows * rowByteCount)
        var offset = [hsize_t](repeating: 0, count: rank)
        offset[0] = hsize_t(tail.startRow)
        var filterMask: UInt32 = 0
        var address: haddr_t = 0
        var size: hsize_t = 0
        var isNewChunk = true
        if H5Dget_chunk_info_by_coord(identifier, &offset, &filterMask, &address, &size) >= 0 {
            isNewChunk = address == chdf5_undefined_address()
        } else {
            _ = HDF5Library.takeErrorMessages()
        }
        let status = chunk.withUnsafeBytes { buffer in
            H5Dwrite_chunk(identifier, hid_t(H5P_DEFAULT), skipAllFiltersMask, &offset, buffer.count, buffer.baseAddress)
        }
        try location.check(status, operation)
        // HDF5 1.10 caches the location of the last chunk looked up per dataset, and a direct
        // write of a new chunk leaves that cache with the filter mask of "no chunk" (filters
        // applied), so reading the chunk back through this handle would try to inflate raw
        // bytes. Reopening the dataset resets that cache (the file itself is correct).
        return isNewChunk ? try reopenHandle(operation) : identifier
    }

    /// The chunk filter mask that skips every filter of the pipeline.
    private var skipAllFiltersMask: UInt32 {
        filterCount >= 32 ? UInt32.max : (UInt32(1) << UInt32(filterCount)) - 1
    }
}
