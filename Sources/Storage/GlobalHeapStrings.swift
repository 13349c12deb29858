import CHDF5

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads variable-length strings out of the file's global heap with bounds checks, instead of
/// libhdf5 1.10's heap code.
///
/// libhdf5 1.10.8 (Debian 12) trusts the sizes in a global heap collection: a free-space object
/// of size 0 makes it loop forever, and an object larger than the string that refers to it makes
/// it copy past its buffer and crash (`H5HG_read`; found by fuzzing, docs/reliability.md). Both
/// are fixed in later releases, which Debian 12 does not have. This type registers a conversion
/// function for "variable-length string in the file" -> "variable-length string in memory"
/// (`H5Tregister`, soft), which libhdf5 then calls with the strings' on-disk references instead of
/// its own conversion, so that it never loads a collection for a read. Each reference is
/// (HDF5 file format specification, "Disk Format: Level 1E - Global Heap"):
///
///     length (4 bytes) | collection address (size of offsets) | object index (4 bytes)
///
/// and each collection is "GCOL", version 1, 3 reserved bytes, the collection size (size of
/// lengths, header included), then objects: index (2), reference count (2), reserved (4), size
/// (size of lengths) and the data padded to 8 bytes, ending at the free-space object (index 0) or
/// where no object header fits. Every size is checked against the collection and the collection
/// against the file before a byte is copied, so a damaged heap gives a typed error that names it.
///
/// The collection bytes are read from the file with `pread` on libhdf5's own descriptor (the
/// default sec2 driver, the only one this module opens files with); a file open for writing is
/// flushed first so that its heap is on disk. Reads run under `HDF5Library.lock`, which guards
/// `context`.
enum GlobalHeapStrings {
    /// What a running read needs to find the heap: set by `reading(_:location:operation:_:)`.
    struct Context {
        /// The file's bytes.
        var file: FileBytes
        /// Why the last conversion failed (returned to the caller as the error's detail).
        var failure: String?
        /// Collections read during this read, by address.
        var collections: [UInt64: GlobalHeapCollection] = [:]
    }

    /// The running read's context; nil outside reads. Guarded by `HDF5Library.lock`.
    nonisolated(unsafe) static var context: Context?

    /// Whether the conversion is registered with libhdf5 (done once, under the library's lock).
    static let isRegistered: Bool = {
        let type = HDF5Library.makeVariableLengthStringType()
        guard type >= 0 else { return false }
        defer { _ = H5Tclose(type) }
        return H5Tregister(H5T_PERS_SOFT, "plaquefem heap strings", type, type, convert) >= 0
    }()

    /// Runs `read` (an `H5Aread`/`H5Dread` of variable-length strings of `object`) with the
    /// context of `object`'s file; a failure of the conversion becomes the error's detail.
    static func reading(
        _ object: hid_t, location: ObjectLocation, operation: String, _ read: () -> herr_t
    ) throws(StorageError) -> herr_t {
        guard isRegistered else { return read() }
        let file = try location.check(H5Iget_file_id(object), operation)
        defer { _ = H5Fclose(file) }
        context = Context(file: try FileBytes(file, location: location, operation: operation))
        defer { context = nil }
        let status = read()
        if status < 0, let failure = context?.failure {
            _ = HDF5Library.takeErrorMessages()
            throw location.error(.libraryFailure, operation, failure)
        }
        return status
    }

    /// The conversion function registered with libhdf5 (`H5T_conv_t`). It accepts only the path
    /// "variable-length string in the file" -> "variable-length string in memory", which it tells
    /// from the other direction by the element sizes (a file reference is 4 + offset size + 4 bytes,
    /// a memory string one pointer); every other path stays with libhdf5's own functions.
    private static let convert: H5T_conv_t = { source, destination, data, count, stride, _, buffer, _, _ in
        guard let data else { return -1 }
        switch data.pointee.command {
        case H5T_CONV_INIT:
            data.pointee.need_bkg = H5T_BKG_NO
            return acceptsPath(from: source, to: destination) ? 0 : -1
        case H5T_CONV_CONV:
            guard count > 0 else { return 0 }
            guard let buffer, var current = context else {
                context?.failure = "variable-length strings read outside a PlaqueFEM read"
                return -1
            }
            let sourceSize = H5Tget_size(source), destinationSize = H5Tget_size(destination)
            let sourceStride = stride > 0 ? stride : sourceSize, destinationStride = stride > 0 ? stride : destinationSize
            var made: [UnsafeMutablePointer<CChar>] = []
            do throws(Failure) {
                // Forward in place is safe: element i's result (pointer size) ends before element i's
                // reference (larger) does, so no reference is overwritten before it is read.
                for index in 0..<count {
                    let reference = buffer + index * sourceStride
                    let string = try readString(reference: reference, context: &current)
                    if let string { made.append(string) }
                    (buffer + index * destinationStride).storeBytes(of: string, as: UnsafeMutablePointer<CChar>?.self)
                }
                context = current
                return 0
            } catch {
                for string in made { free(string) }
                current.failure = error.message
                context = current
                return -1
            }
        default:
            return 0
        }
    }

    private static func acceptsPath(from source: hid_t, to destination: hid_t) -> Bool {
        let pointerSize = MemoryLayout<UnsafeRawPointer>.size
        guard H5Tget_class(source) == H5T_STRING, H5Tget_class(destination) == H5T_STRING,
              H5Tis_variable_str(source) > 0, H5Tis_variable_str(destination) > 0 else { return false }
        let sourceSize = H5Tget_size(source)
        return H5Tget_size(destination) == pointerSize && sourceSize != pointerSize && (sourceSize == 12 || sourceSize == 16)
    }

    /// Reads one string from its file reference; nil for a null string (collection address 0).
    private static func readString(reference: UnsafeMutableRawPointer, context: inout Context) throws(Failure) -> UnsafeMutablePointer<CChar>? {
        let addressSize = context.file.addressSize
        let bytes = UnsafeRawBufferPointer(start: reference, count: 8 + addressSize)
        let length = Int(readLittleEndian(bytes, at: 0, count: 4))
        let address = readLittleEndian(bytes, at: 4, count: addressSize)
        let index = readLittleEndian(bytes, at: 4 + addressSize, count: 4)
        guard address != 0 else { return nil }
        var text = [UInt8]()
        if length > 0 {
            let collection = try collection(at: address, context: &context)
            guard let object = collection.object(index: index) else {
                throw Failure(message: "damaged global heap: no object \(index) in the collection at address \(address)")
            }
            guard object.count >= length else {
                throw Failure(message: "damaged global heap: object \(index) of the collection at address \(address) holds \(object.count) bytes, the string that refers to it \(length)")
            }
            text = Array(object.prefix(length))
        }
        guard let string = malloc(length + 1)?.assumingMemoryBound(to: CChar.self) else {
            throw Failure(message: "out of memory for a string of \(length) bytes")
        }
        text.withUnsafeBytes { source in
            if let base = source.baseAddress { memcpy(string, base, length) }
        }
        string[length] = 0
        return string
    }

    /// The collection at `address` (relative to the base address), read once per read.
    private static func collection(at address: UInt64, context: inout Context) throws(Failure) -> GlobalHeapCollection {
        if let known = context.collections[address] { return known }
        let file = context.file
        let headerSize = 8 + file.lengthSize
        guard let available = file.bytesAvailable(at: address), available >= UInt64(headerSize) else {
            throw Failure(message: "damaged global heap: a string refers to address \(address), past the end of the file (\(file.fileSize) bytes)")
        }
        let header = try file.read(count: headerSize, at: address)
        let size = GlobalHeapCollection.declaredSize(header: header, lengthSize: file.lengthSize)
        guard let size, size >= UInt64(headerSize), size <= available else {
            throw Failure(message: "damaged global heap: no valid collection at address \(address) (\(GlobalHeapCollection.headerProblem(header: header, lengthSize: file.lengthSize, available: available)))")
        }
        let collection = try GlobalHeapCollection(bytes: try file.read(count: Int(size), at: address), lengthSize: file.lengthSize, address: address)
        context.collections[address] = collection
        return collection
    }
}

/// One global heap collection, its objects located and checked (HDF5 file format specification,
/// "Disk Format: Level 1E - Global Heap").
struct GlobalHeapCollection: Sendable {
    /// The collection's bytes, header included.
    let bytes: [UInt8]
    /// Where each object's data lies in `bytes`, by object index.
    let objects: [UInt64: Range<Int>]

    /// The collection size a header declares, or nil when the header is not a collection's
    /// ("GCOL", version 1).
    static func declaredSize(header: [UInt8], lengthSize: Int) -> UInt64? {
        guard header.count >= 8 + lengthSize, header.prefix(4).elementsEqual("GCOL".utf8), header[4] == 1 else { return nil }
        return header.withUnsafeBytes { readLittleEndian($0, at: 8, count: lengthSize) }
    }

    /// Why a header is not a valid collection's, for messages.
    static func headerProblem(header: [UInt8], lengthSize: Int, available: UInt64) -> String {
        guard header.prefix(4).elementsEqual("GCOL".utf8) else { return "no GCOL signature" }
        guard header[4] == 1 else { return "version \(header[4])" }
        let size = header.withUnsafeBytes { readLittleEndian($0, at: 8, count: lengthSize) }
        return "declared size \(size) bytes, \(available) available"
    }

    /// Locates every object of `bytes` (a whole collection), checking that each lies inside it.
    init(bytes: [UInt8], lengthSize: Int, address: UInt64) throws(Failure) {
        let headerSize = 8 + lengthSize
        guard let size = Self.declaredSize(header: Array(bytes.prefix(headerSize)), lengthSize: lengthSize), size == UInt64(bytes.count) else {
            throw Failure(message: "damaged global heap: the collection at address \(address) has an invalid header")
        }
        var objects: [UInt64: Range<Int>] = [:]
        var offset = headerSize
        // Objects follow one another; the free-space object (index 0) or a tail too short for an
        // object header ends the collection.
        while offset + headerSize <= bytes.count {
            let (index, objectSize) = bytes.withUnsafeBytes { raw in
                (readLittleEndian(raw, at: offset, count: 2), readLittleEndian(raw, at: offset + 8, count: lengthSize))
            }
            if index == 0 { break }
            let start = offset + headerSize
            guard objectSize <= UInt64(bytes.count - start) else {
                throw Failure(message: "damaged global heap: object \(index) of the collection at address \(address) claims \(objectSize) bytes, more than the \(bytes.count - start) left in it")
            }
            guard objects[index] == nil else {
                throw Failure(message: "damaged global heap: object \(index) appears twice in the collection at address \(address)")
            }
            let end = start + Int(objectSize)
            objects[index] = start..<end
            offset = start + (Int(objectSize) + 7) / 8 * 8
        }
        self.bytes = bytes
        self.objects = objects
    }

    /// The data of object `index`, or nil when the collection has none.
    func object(index: UInt64) -> ArraySlice<UInt8>? {
        objects[index].map { bytes[$0] }
    }
}
