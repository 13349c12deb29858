import CHDF5

extension HDF5Dataset {
    /// Reads the whole dataset as a flat row-major array.
    ///
    /// - Parameter type: Must match `elementType` exactly.
    /// - Throws: `.typeMismatch` for another element type, `.libraryFailure` on I/O errors.
    public func read<Element: HDF5Scalar>(as type: Element.Type) throws(StorageError) -> [Element] {
        try readElements(rows: nil, converting: false, operation: "read dataset")
    }

    /// Reads the rows `rows` (all other dimensions whole) as a flat row-major array.
    ///
    /// - Parameters:
    ///   - rows: A range inside `0..<rowCount`.
    ///   - type: Must match `elementType` exactly.
    /// - Throws: `.shapeMismatch` for a range outside the dataset, `.typeMismatch`.
    public func readRows<Element: HDF5Scalar>(_ rows: Range<Int>, as type: Element.Type) throws(StorageError) -> [Element] {
        try readElements(rows: rows, converting: false, operation: "read rows")
    }

    /// Reads the whole dataset converting numeric values to `Element` (HDF5's conversion rules;
    /// out-of-range integers are clipped, floats to integers are rounded toward zero).
    public func readConverted<Element: HDF5Scalar>(as type: Element.Type) throws(StorageError) -> [Element] {
        try readElements(rows: nil, converting: true, operation: "read dataset with conversion")
    }

    /// Reads the rows `rows` converting numeric values to `Element`; see `readConverted(as:)`.
    public func readRowsConverted<Element: HDF5Scalar>(_ rows: Range<Int>, as type: Element.Type) throws(StorageError) -> [Element] {
        try readElements(rows: rows, converting: true, operation: "read rows with conversion")
    }

    private func readElements<Element: HDF5Scalar>(
        rows requested: Range<Int>?,
        converting: Bool,
        operation: String
    ) throws(StorageError) -> [Element] {
        try HDF5Library.run { () throws(StorageError) -> [Element] in
            _ = try liveIdentifier(operation)
            let requestedType = Element.hdf5ElementType
            if converting ? !elementType.isNumeric : elementType != requestedType {
                throw location.error(.typeMismatch(expected: requestedType, found: elementType), operation)
            }
            // Buffered rows go to the file first (this may reopen the handle).
            try writePendingRows()
            let identifier = try liveIdentifier(operation)
            let shape = try DatasetDescription.extent(of: identifier, location: location, operation: operation).0
            let rows = requested ?? 0..<shape[0]
            guard rows.lowerBound >= 0, rows.upperBound <= shape[0] else {
                throw location.error(.shapeMismatch, operation, "rows \(rows) outside 0..<\(shape[0])")
            }
            // The shape comes from the file: refuse a read whose size overflows or exceeds this
            // machine's memory (a damaged extent of 3e16 rows trapped on the multiplication).
            var count = rows.count
            for dimension in shape.dropFirst() {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw location.error(.shapeMismatch, operation, "\(rows.count) rows of shape \(shape) overflow") }
                count = product
            }
            if count == 0 {
                return []
            }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: max(requestedType.byteCount, 1))
            guard !overflow, bytes <= HDF5Library.readableByteLimit else {
                throw location.error(.shapeMismatch, operation,
                                     "\(rows.count) rows of shape \(shape) are more than this machine's memory (\(HDF5Library.readableByteLimit) bytes)")
            }
            let fileSpace = try Dataspaces.fileRows(identifier, rows: rows, location: location, operation: operation)
            defer { _ = H5Sclose(fileSpace) }
            let memorySpace = try Dataspaces.memory(count: count, location: location, operation: operation)
            defer { _ = H5Sclose(memorySpace) }
            var status: herr_t = 0
            let values = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
                status = H5Dread(
                    identifier, requestedType.nativeTypeIdentifier, memorySpace, fileSpace, hid_t(H5P_DEFAULT),
                    buffer.baseAddress)
                if status < 0 {
                    UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
                }
                initialized = count
            }
            try location.check(status, operation)
            return values
        }
    }

    /// Reads rows as native bytes of the stored type; lock held by caller.
    func readBytes(_ identifier: hid_t, rows: Range<Int>, rowByteCount: Int, operation: String) throws(StorageError) -> [UInt8] {
        let byteCount = rows.count * rowByteCount
        if byteCount == 0 {
            return []
        }
        let fileSpace = try Dataspaces.fileRows(identifier, rows: rows, location: location, operation: operation)
        defer { _ = H5Sclose(fileSpace) }
        let memorySpace = try Dataspaces.memory(
            count: byteCount / elementType.byteCount, location: location, operation: operation)
        defer { _ = H5Sclose(memorySpace) }
        var status: herr_t = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            status = H5Dread(
                identifier, elementType.nativeTypeIdentifier, memorySpace, fileSpace, hid_t(H5P_DEFAULT),
                buffer.baseAddress)
            initialized = byteCount
        }
        try location.check(status, operation)
        return bytes
    }
}
