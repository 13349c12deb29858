import CHDF5

/// Finds attribute messages that libhdf5 1.10.8 would read past before it decodes them.
///
/// libhdf5 1.10.8's `H5O_attr_decode` (H5Oattr.c) trusts the sizes inside an attribute message:
/// it copies the name with `strdup` (up to a NUL wherever it is), decodes the datatype and the
/// dataspace without their sizes as bounds, and copies `elements * datatype size field` bytes of
/// data from after them while checking that count only against the whole message's size. Any
/// attribute call decodes every attribute message of the object up to the one it wants
/// (`H5Aexists`, `H5Aopen`, `H5Aget_name_by_idx`, `H5Acreate2`, `H5Adelete` iterate over them with
/// `H5O__msg_iterate_real`), so one damaged message makes each of them read past the object
/// header chunk's buffer (found by fuzzing: a heap-buffer-overflow read under `H5Aexists`,
/// docs/reliability.md, note 10; upstream bounds-checked this decoder in 1.14.1,
/// HDFGroup/hdf5#2749, and the size product's overflow after CVE-2021-37501, HDFGroup/hdf5#2458).
/// `H5Aread` then copies `elements * size in the file` bytes out of that data, which for
/// variable-length data is 4 + size of offsets + 4 whatever the size field says.
///
/// This check reads the object header from the file (`ObjectHeader`) and checks every attribute
/// message in it against the HDF5 file format specification ("Attribute Message", versions 1 to
/// 3; "Datatype Message", versions 1 to 3; "Dataspace Message", versions 1 and 2): the fixed
/// fields fit; the name, datatype and dataspace fields (each padded to 8 bytes in version 1) fit
/// in the message; the name is NUL-terminated at the end of its size; the datatype and dataspace
/// decode within their sizes; the data (element count times the datatype's size field, without
/// overflow) fits in the bytes after them; and the datatype's size in the file is not larger than
/// its size field. Not checked: shared messages and attributes whose datatype or dataspace is
/// shared (their description lies elsewhere in the file), attributes in dense storage (a fractal
/// heap, used by `libver="latest"` files with more than 8 attributes on an object), and a header
/// this walk cannot follow (libhdf5 refuses most such damage itself).
enum AttributeMessageCheck {
    /// The attribute message's type.
    private static let attributeType = 0x000C
    /// Nested datatypes deeper than this are refused (a damaged file could nest without end).
    private static let maximumDepth = 32

    /// Describes the first damaged attribute message in the object header at `header`; nil when
    /// every message passes or the header cannot be followed.
    static func problem(header: UInt64, in file: FileBytes) -> String? {
        guard let object = try? ObjectHeader(header: header, in: file, types: [attributeType]) else { return nil }
        for (index, message) in object.messages.enumerated() {
            // A shared message holds a reference to the attribute, not the attribute.
            guard message.flags & 0x02 == 0 else { continue }
            do throws(Failure) {
                try check(message.data, sizes: file)
            } catch {
                let name = attributeName(message.data).map { " '\($0)'" } ?? ""
                return "attribute message \(index)\(name): \(error.message)"
            }
        }
        if object.overrunType == attributeType {
            return "attribute message \(object.messages.count) runs past the end of its header chunk"
        }
        return nil
    }

    /// Throws a `Failure` naming the first violation in an attribute message's data.
    static func check(_ data: [UInt8], sizes: FileBytes) throws(Failure) {
        guard let version = data.first else { throw Failure(message: "empty message") }
        guard (1...3).contains(version) else { throw Failure(message: "version \(version)") }
        let fixed = version == 3 ? 9 : 8
        guard data.count >= fixed else { throw Failure(message: "\(data.count) bytes, the fixed fields need \(fixed)") }
        if version >= 2 {
            // Bit 0: the datatype is shared, bit 1: the dataspace is; either description lies in
            // another object header, which this check does not follow.
            guard data[1] & ~0x03 == 0 else { throw Failure(message: "unknown flags \(data[1])") }
            if data[1] != 0 { return }
        }
        let nameSize = Int(readLittleEndian(data, at: 2, count: 2))
        let datatypeSize = Int(readLittleEndian(data, at: 4, count: 2))
        let dataspaceSize = Int(readLittleEndian(data, at: 6, count: 2))
        // Version 1 pads the name, the datatype and the dataspace to multiples of 8 bytes.
        func padded(_ size: Int) -> Int { version == 1 ? (size + 7) / 8 * 8 : size }
        let nameStart = fixed
        let datatypeStart = nameStart + padded(nameSize)
        let dataspaceStart = datatypeStart + padded(datatypeSize)
        let dataStart = dataspaceStart + padded(dataspaceSize)
        guard dataStart <= data.count else {
            throw Failure(message: "name, datatype and dataspace of \(nameSize), \(datatypeSize) and \(dataspaceSize) bytes\(version == 1 ? " (padded to 8)" : "") need \(dataStart) bytes, the message has \(data.count)")
        }
        // libhdf5 copies the name up to its first NUL and then compares the length.
        guard nameSize > 0, let nul = data[nameStart..<(nameStart + nameSize)].firstIndex(of: 0), nul == nameStart + nameSize - 1 else {
            throw Failure(message: "the name of \(nameSize) bytes does not end in its only NUL")
        }
        let datatype = Array(data[datatypeStart..<(datatypeStart + datatypeSize)])
        // The datatype must decode within its own size (libhdf5 decodes it without that bound).
        let decoded = try Self.datatype(datatype, at: 0, depth: 0, addressSize: sizes.addressSize)
        let elementSize = decoded.sizeField
        let dataspace = Array(data[dataspaceStart..<(dataspaceStart + dataspaceSize)])
        let elements = try elementCount(dataspace, lengthSize: sizes.lengthSize)
        let (needed, overflow) = elements.multipliedReportingOverflow(by: elementSize)
        let available = UInt64(data.count - dataStart)
        guard !overflow, needed <= available else {
            throw Failure(message: "the data of \(elements) \(elements == 1 ? "element" : "elements") of \(elementSize) bytes needs \(overflow ? "more than 2^64" : "\(needed)") bytes, the message has \(available) after the dataspace")
        }
        // libhdf5 keeps `elements * size field` bytes of data, but reads an attribute as
        // elements of their size in the file, which it sets itself for variable-length data.
        guard elements == 0 || decoded.fileSize <= elementSize else {
            throw Failure(message: "a datatype of \(decoded.fileSize) bytes in the file has a size field of \(elementSize)")
        }
    }

    /// What `datatype(_:at:depth:addressSize:)` found.
    struct Datatype {
        /// Where the datatype's encoding ends in the data.
        let end: Int
        /// The datatype's size field (bytes 4 to 7).
        let sizeField: UInt64
        /// The element size libhdf5 uses for the datatype in the file (`H5T_set_loc` to the
        /// disk): 4 + size of offsets + 4 for a variable-length type, the members' and base
        /// types' changes applied to compounds and arrays, the size field otherwise.
        let fileSize: UInt64
    }

    /// Decodes the datatype at `start` as far as libhdf5's decoder reads it (HDF5 file format
    /// specification, "Datatype Message", versions 1 to 3; members and base types are datatypes
    /// themselves); throws when it would read past `data`.
    static func datatype(_ data: [UInt8], at start: Int, depth: Int, addressSize: Int) throws(Failure) -> Datatype {
        guard depth <= maximumDepth else { throw Failure(message: "datatypes nested deeper than \(maximumDepth)") }
        func need(_ end: Int, _ what: String) throws(Failure) {
            guard end <= data.count else { throw Failure(message: "the datatype needs more than its \(data.count) bytes (\(what))") }
        }
        try need(start + 8, "header")
        let version = Int(data[start] >> 4), typeClass = Int(data[start] & 0x0F)
        let classBits = Int(readLittleEndian(data, at: start + 1, count: 3))
        let size = readLittleEndian(data, at: start + 4, count: 4)
        // Versions 1 to 3 are those libhdf5 1.10.8 decodes (it refuses later ones itself).
        guard (1...3).contains(version) else { throw Failure(message: "unsupported datatype version \(version)") }
        var p = start + 8
        var fileSize = size
        /// A NUL-terminated name at `p`, padded to a multiple of 8 bytes before version 3.
        func skipName(_ what: String) throws(Failure) {
            guard p < data.count, let nul = data[p...].firstIndex(of: 0) else {
                throw Failure(message: "a \(what) name without its NUL in the datatype's \(data.count) bytes")
            }
            let length = nul - p + 1
            p += version >= 3 ? length : (length + 7) / 8 * 8
            try need(p, "\(what) name")
        }
        switch typeClass {
        case 0, 4: p += 4  // fixed-point, bit field: bit offset and precision
        case 1: p += 12  // floating-point: offsets, sizes and bias
        case 2: p += 2  // time: precision
        case 3, 7: break  // string, reference: no properties
        case 5: p += classBits & 0xFF  // opaque: the tag, its length in the class bits
        case 6:
            // Compound: members, each a name, an offset (and in version 1 dimensions), a datatype.
            // A member whose size in the file differs from its size field changes the compound's
            // size by the difference.
            let offsetBytes = version >= 3 ? max(1, (64 - size.leadingZeroBitCount + 7) / 8) : 4
            var change: Int64 = 0
            for _ in 0..<(classBits & 0xFFFF) {
                try skipName("member")
                p += version == 1 ? 4 + 1 + 3 + 4 + 4 + 16 : offsetBytes
                try need(p, "member offset")
                let member = try datatype(data, at: p, depth: depth + 1, addressSize: addressSize)
                change += Int64(member.fileSize) - Int64(member.sizeField)
                p = member.end
            }
            fileSize = UInt64(max(0, Int64(size) + change))
        case 8:
            // Enumeration: a base type, the names, then one value of the base type's size each.
            let base = try datatype(data, at: p, depth: depth + 1, addressSize: addressSize)
            p = base.end
            let baseSize = base.sizeField
            let count = classBits & 0xFFFF
            for _ in 0..<count { try skipName("enumeration") }
            let (values, overflow) = UInt64(count).multipliedReportingOverflow(by: baseSize)
            guard !overflow, values <= UInt64(data.count - p) else { throw Failure(message: "the datatype needs more than its \(data.count) bytes (enumeration values)") }
            p += Int(values)
        case 9:
            // Variable-length: a base type; an element in the file is a length and a global heap
            // reference (collection address, object index).
            p = try datatype(data, at: p, depth: depth + 1, addressSize: addressSize).end
            fileSize = UInt64(4 + addressSize + 4)
        case 10:
            // Array: rank, (reserved,) dimensions, (permutation,) a base type.
            try need(p + 1, "array rank")
            let rank = Int(data[p])
            // libhdf5 1.10.8 only asserts the rank and stores the dimensions in an array of 32.
            guard rank <= 32 else { throw Failure(message: "array rank \(rank)") }
            let dimensions = p + (version >= 3 ? 1 : 4)
            p += version >= 3 ? 1 + 4 * rank : 4 + 8 * rank
            try need(p, "array dimensions")
            let base = try datatype(data, at: p, depth: depth + 1, addressSize: addressSize)
            p = base.end
            if base.fileSize != base.sizeField {
                // libhdf5 then sets the array's size to its element count times the base's.
                var total = base.fileSize
                for k in 0..<rank {
                    let (product, overflow) = total.multipliedReportingOverflow(by: readLittleEndian(data, at: dimensions + 4 * k, count: 4))
                    // A size field holds at most 2^32 - 1, so no consistent datatype is larger
                    // (and the compound arithmetic above stays within Int64).
                    guard !overflow, product <= UInt64(UInt32.max) else {
                        throw Failure(message: "an array datatype of more than 2^32 bytes in the file")
                    }
                    total = product
                }
                fileSize = total
            }
        default: throw Failure(message: "datatype class \(typeClass)")
        }
        try need(p, "properties")
        return Datatype(end: p, sizeField: size, fileSize: fileSize)
    }

    /// The number of elements of a dataspace message (HDF5 file format specification, "Dataspace
    /// Message", versions 1 and 2: scalar 1, null 0, simple the product of its dimensions); throws
    /// when its fields run past `data` or the product overflows.
    static func elementCount(_ data: [UInt8], lengthSize: Int) throws(Failure) -> UInt64 {
        guard data.count >= 4 else { throw Failure(message: "a dataspace of \(data.count) bytes") }
        let version = data[0], rank = Int(data[1]), flags = data[2]
        guard version == 1 || version == 2 else { throw Failure(message: "dataspace version \(version)") }
        guard rank <= 32 else { throw Failure(message: "dataspace rank \(rank)") }
        let kind = version == 2 ? data[3] : (rank > 0 ? 1 : 0)
        guard kind <= 2 else { throw Failure(message: "dataspace type \(kind)") }
        let dimensionsStart = version == 1 ? 8 : 4
        let end = dimensionsStart + rank * lengthSize * (flags & 0x01 != 0 ? 2 : 1)
        guard end <= data.count else {
            throw Failure(message: "a dataspace of rank \(rank) needs \(end) bytes, its size is \(data.count)")
        }
        switch kind {
        case 0: return 1
        case 2: return 0
        default:
            var count: UInt64 = 1
            for k in 0..<rank {
                let (product, overflow) = count.multipliedReportingOverflow(by: readLittleEndian(data, at: dimensionsStart + k * lengthSize, count: lengthSize))
                guard !overflow else { throw Failure(message: "a dataspace of more than 2^64 elements") }
                count = product
            }
            return count
        }
    }

    /// The attribute's name when it is NUL-terminated within the message, for error messages.
    private static func attributeName(_ data: [UInt8]) -> String? {
        guard let version = data.first, (1...3).contains(version) else { return nil }
        let start = version == 3 ? 9 : 8
        guard data.count > start, let nul = data[start...].firstIndex(of: 0), nul - start <= 64 else { return nil }
        return String(decoding: data[start..<nul], as: UTF8.self)
    }
}

/// Whether the attribute messages of one open object (the root group, a group or a dataset) were
/// checked by `AttributeMessageCheck`, and what was found: the header is read once per open
/// object, at its first attribute call, not at every call. Read and changed with the library
/// lock held.
final class AttributeMessageGuard: @unchecked Sendable {
    private enum State {
        /// Not checked yet; the object's header address when its opener already knew it.
        case unchecked(header: haddr_t?)
        case verified
        /// Damaged: the description, thrown again by every attribute call.
        case damaged(String)
    }

    private var state: State

    /// A guard for an object opened from the file, whose header address is `header` when known.
    init(header: haddr_t?) {
        state = .unchecked(header: header)
    }

    /// A guard for an object created here (its header holds only what this module wrote).
    static func created() -> AttributeMessageGuard {
        let created = AttributeMessageGuard(header: nil)
        created.state = .verified
        return created
    }

    /// Throws `.libraryFailure` ("damaged attribute message: ...") when the object's header holds
    /// a damaged attribute message; checks the header at the first call only.
    func verify(_ target: AttributeTarget, _ operation: String) throws(StorageError) {
        switch state {
        case .verified:
            return
        case let .damaged(problem):
            throw target.location.error(.libraryFailure, operation, "damaged attribute message: \(problem)")
        case let .unchecked(known):
            var header = known
            if header == nil {
                var information = H5O_info_t()
                try target.location.check(
                    H5Oget_info2(target.identifier, &information, UInt32(H5O_INFO_BASIC)), operation)
                header = information.addr
            }
            let file = try target.location.check(H5Iget_file_id(target.identifier), operation)
            defer { _ = H5Fclose(file) }
            let bytes = try FileBytes(file, location: target.location, operation: operation)
            if let problem = AttributeMessageCheck.problem(header: UInt64(header ?? 0), in: bytes) {
                state = .damaged(problem)
                throw target.location.error(.libraryFailure, operation, "damaged attribute message: \(problem)")
            }
            state = .verified
        }
    }
}
