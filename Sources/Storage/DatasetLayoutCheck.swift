import CHDF5

/// Finds damaged chunk dimensions of a chunked dataset before libhdf5 opens the dataset.
///
/// libhdf5 1.10.8 decodes a layout message's chunk dimensions without checking them and divides
/// by them when it opens the dataset (`H5D__chunk_set_info`): a damaged file with a chunk
/// dimension of 0 ends the process with SIGFPE (found by fuzzing, docs/reliability.md, note 7).
/// A chunk dimension damaged to a larger value makes it read a whole chunk of that size out of
/// the shorter buffer a stored chunk inflates to (heap-buffer-overflow in `H5VM_memcpyvv` under
/// `H5Dread`, note 12). This check reads the dataset's object header from the file (HDF5 file
/// format specification, "Data Object Headers", versions 1 and 2 with their continuation
/// chunks) and decodes its layout message (versions 1 to 4, "Data Layout Message"). It refuses a
/// dimension it has decoded as 0, and, for the version-1 B-tree chunk index of layouts 1 to 3, a
/// key in the index's root node whose chunk offset is not a multiple of the chunk dimensions
/// (newer libhdf5 checks every key so: "bad coordinate offset"). A header it cannot follow is
/// left to libhdf5, which refuses most damage cleanly.
enum DatasetLayoutCheck {
    /// The layout message's type.
    private static let layoutType = 0x0008
    /// The filter pipeline message's type.
    private static let filterPipelineType = 0x000B

    /// Throws `.libraryFailure` ("damaged dataset layout: ...") when the dataset whose object header
    /// is at `header` (as `ContainerOperations.requireObject` returns it) has a chunk dimension of 0
    /// or chunk dimensions its chunk index contradicts; lock held by the caller.
    static func check(_ container: ContainerOperations, header: haddr_t, location: ObjectLocation, operation: String) throws(StorageError) {
        let file = try location.check(H5Iget_file_id(container.identifier), operation)
        defer { _ = H5Fclose(file) }
        let bytes = try FileBytes(file, location: location, operation: operation)
        if let problem = chunkProblem(header: UInt64(header), in: bytes) {
            throw location.error(.libraryFailure, operation, "damaged dataset layout: \(problem)")
        }
    }

    /// Throws `.libraryFailure` ("damaged dataset layout: ...") when an opened dataset's layout is
    /// compact and its data is shorter than its dataspace needs: libhdf5 1.10.8 copies the whole
    /// dataspace's bytes out of the compact buffer when it reads, past the buffer's end (found by
    /// fuzzing, docs/reliability.md, note 8). Elements of a variable-length type take their size in
    /// the file (4 + size of offsets + 4 bytes); lock held by the caller.
    static func checkCompactData(_ dataset: hid_t, location: ObjectLocation, operation: String) throws(StorageError) {
        let creation = try location.check(H5Dget_create_plist(dataset), operation)
        defer { _ = H5Pclose(creation) }
        guard H5Pget_layout(creation) == H5D_COMPACT else { return }
        let space = try location.check(H5Dget_space(dataset), operation)
        defer { _ = H5Sclose(space) }
        let type = try location.check(H5Dget_type(dataset), operation)
        defer { _ = H5Tclose(type) }
        let points = H5Sget_simple_extent_npoints(space)
        guard points >= 0 else { throw location.libraryError(operation, "dataspace without a size") }
        var elementSize = UInt64(H5Tget_size(type))
        if H5Tis_variable_str(type) > 0 || H5Tdetect_class(type, H5T_VLEN) > 0 {
            let file = try location.check(H5Iget_file_id(dataset), operation)
            defer { _ = H5Fclose(file) }
            let fileCreation = try location.check(H5Fget_create_plist(file), operation)
            defer { _ = H5Pclose(fileCreation) }
            var addressSize = 0, lengthSize = 0
            try location.check(H5Pget_sizes(fileCreation, &addressSize, &lengthSize), operation)
            elementSize = UInt64(8 + addressSize)
        }
        let (needed, overflow) = UInt64(points).multipliedReportingOverflow(by: elementSize)
        let stored = UInt64(H5Dget_storage_size(dataset))
        guard overflow || stored < needed else { return }
        throw location.error(.libraryFailure, operation,
                             "damaged dataset layout: compact data of \(stored) bytes, the dataspace of \(points) elements of \(elementSize) bytes needs \(overflow ? "more than 2^64" : "\(needed)")")
    }

    /// Describes a zero chunk dimension in the layout message of the object header at `header`, or
    /// a chunk index root key that contradicts the chunk dimensions; nil when there is none or the
    /// header cannot be followed.
    static func chunkProblem(header: UInt64, in file: FileBytes) -> String? {
        guard let header = try? ObjectHeader(header: header, in: file, types: [layoutType, filterPipelineType]) else { return nil }
        let filtered = header.messages.contains { $0.type == filterPipelineType }
        for message in header.messages where message.type == layoutType {
            guard let dimensions = chunkDimensions(layout: message.data, addressSize: file.addressSize) else { continue }
            if let zero = dimensions.firstIndex(of: 0) {
                return "chunk dimension \(zero) is 0 (chunk dimensions \(dimensions))"
            }
            if let index = chunkIndexAddress(layout: message.data, addressSize: file.addressSize),
               let problem = try? chunkIndexKeyProblem(index: index, dimensions: dimensions, unfiltered: !filtered, in: file) {
                return problem
            }
        }
        return nil
    }

    /// The address of a version-1 B-tree chunk index (layouts 1 to 3); nil for other layouts or
    /// an undefined address (no chunk written yet).
    static func chunkIndexAddress(layout data: [UInt8], addressSize: Int) -> UInt64? {
        let start: Int
        switch data.first {
        case 1, 2: start = 8  // version, dimensionality, class, 5 reserved, address
        case 3: start = 3  // version, class, dimensionality, address
        default: return nil
        }
        guard data.count >= start + addressSize else { return nil }
        let address = readLittleEndian(data, at: start, count: addressSize)
        let undefined = addressSize == 8 ? UInt64.max : (UInt64(1) << (8 * UInt64(addressSize))) - 1
        return address == undefined ? nil : address
    }

    /// Describes the first key of the chunk index's root node ("TREE", node type 1: keys of chunk
    /// size, filter mask and one 8-byte offset per dimension, the element size's last) whose
    /// offset is not a multiple of its chunk dimension, or, for a leaf root of an `unfiltered`
    /// dataset, whose chunk's stored size is not the chunk's size in bytes (the product of the
    /// dimensions): libhdf5 1.10.8 reads the stored size into a buffer and copies a whole chunk
    /// out of it (heap-buffer-overflow in `H5VM_memcpyvv` under `H5Dread`, a 65,536-byte copy
    /// out of 7,469 bytes; docs/reliability.md, note 15). nil when every key fits. Throws when
    /// the node cannot be read (left to libhdf5).
    static func chunkIndexKeyProblem(index: UInt64, dimensions: [UInt64], unfiltered: Bool, in file: FileBytes) throws(Failure) -> String? {
        let head = try file.read(count: 8, at: index)
        guard head.prefix(4).elementsEqual("TREE".utf8), head[4] == 1 else { return nil }
        let leaf = head[5] == 0
        let entries = Int(readLittleEndian(head, at: 6, count: 2))
        let keySize = 8 + 8 * dimensions.count
        let start = 8 + 2 * file.addressSize
        let node = try file.read(count: start + (entries + 1) * keySize + entries * file.addressSize, at: index)
        let (chunkBytes, overflow) = dimensions.reduce((UInt64(1), false)) { partial, dimension in
            let (product, over) = partial.0.multipliedReportingOverflow(by: dimension)
            return (product, partial.1 || over)
        }
        for key in 0...entries {
            // Keys 0 ..< entries each begin a stored chunk (the last key only bounds the node).
            if unfiltered, leaf, !overflow, key < entries {
                let stored = readLittleEndian(node, at: start + key * (keySize + file.addressSize), count: 4)
                if stored != chunkBytes {
                    return "chunk index key \(key) stores \(stored) bytes for an unfiltered chunk of \(chunkBytes) bytes (chunk dimensions \(dimensions))"
                }
            }
            let offset = start + key * (keySize + file.addressSize) + 8
            for (k, dimension) in dimensions.enumerated() {
                let coordinate = readLittleEndian(node, at: offset + 8 * k, count: 8)
                if coordinate % dimension != 0 {
                    return "chunk index key \(key) has offset \(coordinate) in dimension \(k), not a multiple of the chunk dimension \(dimension) (chunk dimensions \(dimensions))"
                }
            }
        }
        return nil
    }

    /// The chunk dimensions of a chunked layout message (the last one is the element size in
    /// versions 1 to 3); nil for other layouts or a message too short to hold them.
    static func chunkDimensions(layout data: [UInt8], addressSize: Int) -> [UInt64]? {
        guard data.count >= 2 else { return nil }
        switch data[0] {
        case 1, 2:
            // version, dimensionality, class, 5 reserved, address, dimensions (4 bytes each).
            guard data.count >= 8, data[2] == 2 else { return nil }
            return dimensions(data, at: 8 + addressSize, count: Int(data[1]), width: 4)
        case 3:
            // version, class, dimensionality, address, dimensions (4 bytes each).
            guard data[1] == 2, data.count >= 3 else { return nil }
            return dimensions(data, at: 3 + addressSize, count: Int(data[2]), width: 4)
        case 4:
            // version, class, flags, dimensionality, width of each dimension, dimensions.
            guard data[1] == 2, data.count >= 5 else { return nil }
            let width = Int(data[4])
            guard (1...8).contains(width) else { return width == 0 ? [0] : nil }
            return dimensions(data, at: 5, count: Int(data[3]), width: width)
        default:
            return nil
        }
    }

    private static func dimensions(_ data: [UInt8], at offset: Int, count: Int, width: Int) -> [UInt64]? {
        guard count > 0, offset + count * width <= data.count else { return nil }
        return (0..<count).map { readLittleEndian(data, at: offset + $0 * width, count: width) }
    }
}
