import CHDF5

/// Finds a damaged free list in the local heap of an old-style group before libhdf5 follows it.
///
/// Groups written in HDF5's most compatible format (ours, and h5py's by default) keep their link
/// names in a local heap (HDF5 file format specification, "Disk Format: Level 1D - Local Heaps":
/// "HEAP", version 0, the data segment's size, the offset of the first free block, the data
/// segment's address; each free block holds the offset of the next one, 1 at the end, and its own
/// size). libhdf5 1.10.8 builds the heap's free list (`H5HL__fl_deserialize`) when it first looks
/// a name up in the group, checking only that each offset lies inside the data segment: a free
/// block whose "next" points back to itself made it allocate list nodes until the process ran
/// out of memory (label-file fuzzer, docs/reliability.md, note 13), and a block in the data
/// segment's last 2 * size-of-lengths bytes is read past the segment's end. This check walks the
/// same list from the file and refuses a loop, a block that does not fit, or more blocks than the
/// segment can hold. A group without a symbol table message (a newer-style group) or a header
/// the walk cannot follow is left to libhdf5.
enum LocalHeapCheck {
    /// The symbol table message's type (B-tree address, local heap address).
    private static let symbolTableType = 0x0011

    /// Describes the damage in the free list of the local heap of the group whose object header is
    /// at `header`; nil when there is none or the heap cannot be found.
    static func problem(groupHeader header: UInt64, in file: FileBytes) -> String? {
        guard let object = try? ObjectHeader(header: header, in: file, types: [symbolTableType]),
              let message = object.messages.first,
              message.data.count >= 2 * file.addressSize else { return nil }
        let heap = readLittleEndian(message.data, at: file.addressSize, count: file.addressSize)
        return try? freeListProblem(heap: heap, in: file)
    }

    /// Describes the damage in the free list of the local heap at `heap`; nil when it is intact.
    /// Throws when the heap's header cannot be read (left to libhdf5).
    static func freeListProblem(heap: UInt64, in file: FileBytes) throws(Failure) -> String? {
        let lengths = file.lengthSize
        let prefix = try file.read(count: 8 + 2 * lengths + file.addressSize, at: heap)
        guard prefix.prefix(4).elementsEqual("HEAP".utf8), prefix[4] == 0 else { return nil }
        let size = readLittleEndian(prefix, at: 8, count: lengths)
        var offset = readLittleEndian(prefix, at: 8 + lengths, count: lengths)
        let data = readLittleEndian(prefix, at: 8 + 2 * lengths, count: file.addressSize)
        // The list ends at offset 1 (libhdf5's H5HL_FREE_NULL); an undefined head (all ones in
        // older files) means no free block either.
        let end: UInt64 = 1, undefined = lengths == 8 ? UInt64.max : (UInt64(1) << (8 * UInt64(lengths))) - 1
        var visited = Set<UInt64>()
        let blockSize = UInt64(2 * lengths)
        while offset != end && offset != undefined {
            guard offset < size, blockSize <= size - offset else {
                return "damaged local heap at \(heap): a free block at offset \(offset) does not fit its data segment of \(size) bytes"
            }
            guard visited.insert(offset).inserted else {
                return "damaged local heap at \(heap): its free list returns to offset \(offset)"
            }
            // Free blocks are at least 2 * size of lengths bytes and do not overlap.
            guard UInt64(visited.count) <= size / blockSize else {
                return "damaged local heap at \(heap): more free blocks than its data segment of \(size) bytes holds"
            }
            let block = try file.read(count: 2 * lengths, at: data &+ offset)
            let next = readLittleEndian(block, at: 0, count: lengths)
            let length = readLittleEndian(block, at: lengths, count: lengths)
            guard length <= size - offset else {
                return "damaged local heap at \(heap): the free block at offset \(offset) of \(length) bytes runs past its data segment of \(size) bytes"
            }
            offset = next
        }
        return nil
    }
}
