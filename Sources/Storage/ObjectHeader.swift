/// The messages of an object header read from the file's raw bytes, for the checks that must run
/// before libhdf5 1.10.8 decodes a message it does not bound-check (`DatasetLayoutCheck`,
/// `AttributeMessageCheck`). HDF5 file format specification, "Disk Format: Level 2A1 - Data Object
/// Headers": version 1 (16-byte prefix, 8-byte message headers) and version 2 ("OHDR", 4- or
/// 6-byte message headers), following continuation messages into further chunks (version-2
/// continuation chunks begin with "OCHK" and end in a checksum).
struct ObjectHeader {
    /// One message of the header.
    struct Message {
        /// The message type (0x0008 layout, 0x000C attribute, ...).
        let type: Int
        /// The message flags (bit 1: the message is shared, its data a reference to it).
        let flags: UInt8
        /// The message's data, as long as its header says.
        let data: [UInt8]
    }

    /// The messages of the requested types, in header order.
    let messages: [Message]
    /// The type of the first message whose declared size runs past the end of its chunk (the
    /// rest of that chunk is not read), or nil.
    let overrunType: Int?

    /// The message types followed here.
    private static let continuationType = 0x0010
    /// Bounds on the walk (a damaged header may loop or claim millions of messages).
    private static let maximumChunks = 64, maximumMessages = 65_536

    /// Reads the header at `header` (an address relative to the file's base address) and keeps the
    /// messages whose type is in `types`.
    /// - Throws: `Failure` when the header cannot be followed (unknown version, a chunk past the
    ///   end of the file, too many chunks or messages, a continuation chunk without "OCHK").
    init(header: UInt64, in file: FileBytes, types: Set<Int>) throws(Failure) {
        let prefix = try file.read(count: 16, at: header)
        var chunks: [(address: UInt64, length: Int)] = []
        let version2 = prefix.prefix(4).elementsEqual("OHDR".utf8)
        if version2 {
            guard prefix[4] == 2 else { throw Failure(message: "object header version \(prefix[4])") }
            let flags = prefix[5]
            var offset = 6 + (flags & 0x20 != 0 ? 16 : 0) + (flags & 0x10 != 0 ? 4 : 0)
            let sizeBytes = 1 << Int(flags & 0x03)
            let head = try file.read(count: offset + sizeBytes, at: header)
            let size = readLittleEndian(head, at: offset, count: sizeBytes)
            offset += sizeBytes
            guard size <= 1 << 32 else { throw Failure(message: "chunk size \(size)") }
            chunks.append((header &+ UInt64(offset), Int(size)))
        } else {
            guard prefix[0] == 1 else { throw Failure(message: "object header version \(prefix[0])") }
            let size = readLittleEndian(prefix, at: 8, count: 4)
            chunks.append((header &+ 16, Int(size)))
        }
        var found: [Message] = [], visited = 0, count = 0
        var overrun: Int?
        while visited < chunks.count {
            guard visited < Self.maximumChunks else { throw Failure(message: "too many header chunks") }
            let chunk = chunks[visited]
            visited += 1
            var bytes = try file.read(count: chunk.length, at: chunk.address)
            if version2 && visited > 1 {
                // A continuation chunk of a version-2 header: "OCHK", messages, checksum.
                guard bytes.count >= 8, bytes.prefix(4).elementsEqual("OCHK".utf8) else { throw Failure(message: "no OCHK signature") }
                bytes = Array(bytes[4..<(bytes.count - 4)])
            }
            let headerSize = version2 ? 4 : 8
            var offset = 0
            while offset + headerSize <= bytes.count {
                count += 1
                guard count <= Self.maximumMessages else { throw Failure(message: "too many header messages") }
                let type: Int, size: Int, flags: UInt8, dataStart: Int
                if version2 {
                    type = Int(bytes[offset])
                    size = Int(readLittleEndian(bytes, at: offset + 1, count: 2))
                    flags = bytes[offset + 3]
                    // Messages carry a creation order when the header's flags say it is tracked.
                    dataStart = offset + 4 + (prefix[5] & 0x04 != 0 ? 2 : 0)
                } else {
                    type = Int(readLittleEndian(bytes, at: offset, count: 2))
                    size = Int(readLittleEndian(bytes, at: offset + 2, count: 2))
                    flags = bytes[offset + 4]
                    dataStart = offset + 8
                }
                guard dataStart + size <= bytes.count else {
                    overrun = overrun ?? type
                    break
                }
                let data = Array(bytes[dataStart..<(dataStart + size)])
                if types.contains(type) {
                    found.append(Message(type: type, flags: flags, data: data))
                }
                if type == Self.continuationType, data.count >= file.addressSize + file.lengthSize {
                    let address = readLittleEndian(data, at: 0, count: file.addressSize)
                    let length = readLittleEndian(data, at: file.addressSize, count: file.lengthSize)
                    guard length <= 1 << 32 else { throw Failure(message: "continuation length \(length)") }
                    chunks.append((address, Int(length)))
                }
                offset = dataStart + size
            }
        }
        messages = found
        overrunType = overrun
    }
}
