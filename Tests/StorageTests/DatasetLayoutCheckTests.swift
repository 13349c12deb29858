import Foundation
import Storage
import Testing

/// A chunk dimension of 0 made libhdf5 1.10.8 divide by zero (SIGFPE) when it opened the dataset;
/// `DatasetLayoutCheck` refuses it first (docs/reliability.md, note 7).
@Suite struct DatasetLayoutCheckTests {
    /// Replaces the first occurrence of `pattern` in the file (with the byte at `offset` of it set to 0).
    static func zeroing(_ path: String, pattern: (([UInt8], Int) -> Bool), length: Int, offset: Int) throws -> Bool {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard let at = (0...(bytes.count - length)).first(where: { pattern(bytes, $0) }) else { return false }
        bytes[at + offset] = 0
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return true
    }

    /// Bob Jenkins' lookup3 `hashlittle` with initial value 0, the checksum of HDF5's version-2
    /// metadata (HDF5 file format specification, "Checksums").
    static func lookup3(_ data: ArraySlice<UInt8>) -> UInt32 {
        let key = Array(data)
        func rotate(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }
        var a = 0xdead_beef &+ UInt32(truncatingIfNeeded: key.count), b = a, c = a
        func word(_ i: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | (i + $1 < key.count ? UInt32(key[i + $1]) << (8 * UInt32($1)) : 0) }
        }
        var offset = 0, length = key.count
        while length > 12 {
            a = a &+ word(offset); b = b &+ word(offset + 4); c = c &+ word(offset + 8)
            a = a &- c; a ^= rotate(c, 4); c = c &+ b
            b = b &- a; b ^= rotate(a, 6); a = a &+ c
            c = c &- b; c ^= rotate(b, 8); b = b &+ a
            a = a &- c; a ^= rotate(c, 16); c = c &+ b
            b = b &- a; b ^= rotate(a, 19); a = a &+ c
            c = c &- b; c ^= rotate(b, 4); b = b &+ a
            offset += 12; length -= 12
        }
        guard length > 0 else { return c }
        a = a &+ word(offset); b = b &+ (length > 4 ? word(offset + 4) : 0); c = c &+ (length > 8 ? word(offset + 8) : 0)
        c ^= b; c = c &- rotate(b, 14)
        a ^= c; a = a &- rotate(c, 11)
        b ^= a; b = b &- rotate(a, 25)
        c ^= b; c = c &- rotate(b, 16)
        a ^= c; a = a &- rotate(c, 4)
        b ^= a; b = b &- rotate(a, 14)
        c ^= b; c = c &- rotate(b, 24)
        return c
    }

    /// Writes `values` (0..<count as int32) with h5py's low-level API: `creation` sets up the
    /// dataset creation list `dcpl`, `space` is the arguments of `create_simple`.
    static func writeValues(python: String, path: String, creation: String, space: String, count: Int) throws {
        let script = """
            import sys, h5py, numpy
            with h5py.File(sys.argv[1], "w") as f:
                dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
                \(creation)
                d = h5py.h5d.create(f.id, b"values", h5py.h5t.STD_I32LE, h5py.h5s.create_simple(\(space)), dcpl=dcpl)
                d.write(h5py.h5s.ALL, h5py.h5s.ALL, numpy.arange(\(count), dtype="<i4"))
            """
        let run = try runProcess(python, ["-c", script, path])
        try #require(run.status == 0, "\(run.standardError)")
    }

    @Test func aZeroChunkDimensionInAVersion3LayoutIsATypedError() throws {
        let path = TestFiles.path("zero-chunk")
        defer { TestFiles.remove(path) }
        do {
            let file = try HDF5File.create(at: path)
            try file.createDataset("values", elementType: Float.self, shape: [20, 13], maximumRows: .unlimited, chunkRows: 7)
                .write([Float](repeating: 1, count: 20 * 13))
            try file.close()
        }
        // Layout message version 3, chunked, 3 dimensions, an 8-byte address, then 7, 13 and 4 (bytes).
        let found = try Self.zeroing(path, pattern: { b, i in
            b[i] == 3 && b[i + 1] == 2 && b[i + 2] == 3 && b[(i + 11)..<(i + 23)].elementsEqual([7, 0, 0, 0, 13, 0, 0, 0, 4, 0, 0, 0])
        }, length: 23, offset: 11)
        try #require(found, "layout message not found")
        let file = try HDF5File.open(at: path)
        let error = #expect(throws: StorageError.self) { try file.openDataset("values") }
        #expect(error?.detail.contains("damaged dataset layout: chunk dimension 0 is 0") == true, "\(String(describing: error))")
    }

    /// An unfiltered chunk whose stored size in the chunk index is smaller than the chunk: libhdf5
    /// 1.10.8 read that many bytes and copied a whole chunk out of them (note 15, found by the
    /// label-file fuzzer as a 65,536-byte copy out of 7,469 bytes under `H5Dread`).
    @Test func anUnfilteredChunkStoredShorterThanItsChunkIsATypedError() throws {
        let path = TestFiles.path("short-chunk")
        defer { TestFiles.remove(path) }
        do {
            let file = try HDF5File.create(at: path)
            try file.createDataset("values", elementType: Int32.self, shape: [5, 3], maximumRows: .unlimited, chunkRows: 2)
                .write((0..<15).map(Int32.init))
            try file.close()
        }
        // The chunk index: a version-1 B-tree node "TREE" of type 1 (chunks) and level 0; its first
        // key, after the 8-byte node head and two 8-byte sibling addresses, begins with the chunk's
        // stored size, 2 x 3 x 4 = 24 bytes.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let signature = Array("TREE".utf8)
        func isChunkLeaf(_ i: Int) -> Bool {
            Array(bytes[i..<(i + 4)]) == signature && bytes[i + 4] == 1 && bytes[i + 5] == 0
        }
        let node = try #require((0...(bytes.count - 28)).first(where: isChunkLeaf), "chunk index not found")
        let storedSize: [UInt8] = Array(bytes[(node + 24)..<(node + 28)])
        try #require(storedSize == [24, 0, 0, 0], "\(storedSize)")
        bytes[node + 24] = 7
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(at: path)
        let error = #expect(throws: StorageError.self) { try file.openDataset("values").read(as: Int32.self) }
        #expect(error?.detail.contains("damaged dataset layout: chunk index key 0 stores 7 bytes for an unfiltered chunk of 24 bytes") == true,
                "\(String(describing: error))")
    }

    @Test func intactChunkedDatasetsStillOpen() throws {
        let path = TestFiles.path("chunks")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        try file.createDataset("values", elementType: Int32.self, shape: [5, 3], maximumRows: .unlimited, chunkRows: 2)
            .write((0..<15).map(Int32.init))
        try file.createStringDataset("names").append(["a", "b"])
        try file.close()
        let reopened = try HDF5File.open(at: path)
        #expect(try reopened.openDataset("values").read(as: Int32.self) == (0..<15).map(Int32.init))
        #expect(try reopened.openStringDataset("names").read() == ["a", "b"])
    }

    /// A version-2 object header ("OHDR", written by h5py with libver="latest") with a version-4
    /// layout message, whose dimensions are one byte wide here.
    @Test func aZeroChunkDimensionInAVersion4LayoutIsATypedError() throws {
        guard let python = try pythonWithH5py() else { return }
        let path = TestFiles.path("zero-chunk-v4")
        defer { TestFiles.remove(path) }
        let script = """
            import sys, h5py, numpy
            with h5py.File(sys.argv[1], "w", libver="latest") as f:
                f.create_dataset("values", data=numpy.ones((20, 13), dtype="<f4"), chunks=(7, 13), maxshape=(None, 13))
            """
        let run = try runProcess(python, ["-c", script, path])
        try #require(run.status == 0, "\(run.standardError)")
        do {
            let file = try HDF5File.open(at: path)
            #expect(try file.openDataset("values").shape == [20, 13])
            try file.close()
        }
        // version 4, chunked, flags, 3 dimensions of 1 byte: 7, 13, 4.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func isLayout(_ i: Int) -> Bool {
            let head = bytes[i] == 4 && bytes[i + 1] == 2 && bytes[i + 3] == 3 && bytes[i + 4] == 1
            return head && bytes[(i + 5)..<(i + 8)].elementsEqual([7, 13, 4])
        }
        let layout = try #require((0...(bytes.count - 8)).first(where: isLayout), "layout message not found")
        // The header's chunk 0 ends in a Jenkins lookup3 checksum of everything before it, which
        // libhdf5 verifies: recompute it, so that only the layout is damaged.
        let header = try #require((0..<layout).last { bytes[$0..<($0 + 4)].elementsEqual("OHDR".utf8) })
        let flags = bytes[header + 5]
        let sizeAt = header + 6 + (flags & 0x20 != 0 ? 16 : 0) + (flags & 0x10 != 0 ? 4 : 0), sizeBytes = 1 << Int(flags & 3)
        let size = (0..<sizeBytes).reversed().reduce(0) { $0 << 8 | Int(bytes[sizeAt + $1]) }
        let checksumAt = sizeAt + sizeBytes + size
        let stored = (0..<4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[checksumAt + $1]) }
        try #require(Self.lookup3(bytes[header..<checksumAt]) == stored, "checksum not reproduced; the test's hash is wrong")
        bytes[layout + 5] = 0
        let checksum = Self.lookup3(bytes[header..<checksumAt])
        for k in 0..<4 { bytes[checksumAt + k] = UInt8(truncatingIfNeeded: checksum >> (8 * UInt32(k))) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(at: path)
        let error = #expect(throws: StorageError.self) { try file.openDataset("values") }
        #expect(error?.detail.contains("damaged dataset layout: chunk dimension 0 is 0") == true, "\(String(describing: error))")
    }

    /// A compact dataset whose dataspace needs more bytes than its compact data holds made libhdf5
    /// 1.10.8 read past the buffer (heap-buffer-overflow in `H5VM_memcpyvv`, found by the label-file
    /// fuzzer); newer libhdf5 refuses such a header, as `DatasetLayoutCheck.checkCompactData` does.
    @Test func compactDataShorterThanItsDataspaceIsATypedError() throws {
        guard let python = try pythonWithH5py() else { return }
        let path = TestFiles.path("compact")
        defer { TestFiles.remove(path) }
        // 4 int32 values in a compact layout; then the dataspace message (version 1, rank 1, with
        // maximum dimensions) is made to say 400.
        try Self.writeValues(python: python, path: path, creation: "dcpl.set_layout(h5py.h5d.COMPACT)", space: "(4,)", count: 4)
        do {
            let file = try HDF5File.open(at: path)
            #expect(try file.openDataset("values").read(as: Int32.self) == [0, 1, 2, 3])
            try file.close()
        }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let message: [UInt8] = [1, 1, 1, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]
        let at = try #require((0...(bytes.count - message.count)).first { bytes[$0..<($0 + message.count)].elementsEqual(message) },
                              "dataspace message not found")
        bytes[at + 8] = 0x90; bytes[at + 9] = 0x01
        bytes[at + 16] = 0x90; bytes[at + 17] = 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(at: path)
        let error = #expect(throws: StorageError.self) { try file.openDataset("values") }
        #expect(error?.detail.contains("compact data of 16 bytes, the dataspace of 400 elements of 4 bytes needs 1600") == true,
                "\(String(describing: error))")
    }

    /// A dataspace whose maximum size exceeds Int.max (and is not "unlimited") trapped on the
    /// conversion to Int (found by the label-file fuzzer); it is a typed error now.
    @Test func dataspaceSizesPastIntMaxAreATypedError() throws {
        guard let python = try pythonWithH5py() else { return }
        let path = TestFiles.path("huge-maximum")
        defer { TestFiles.remove(path) }
        try Self.writeValues(python: python, path: path, creation: "dcpl.set_chunk((2,))", space: "(2,), (2**64 - 2,)", count: 2)
        let file = try HDF5File.open(at: path)
        let error = #expect(throws: StorageError.self) { try file.openDataset("values") }
        #expect(error?.reason == .shapeMismatch)
        #expect(error?.detail.contains("exceed the largest integer") == true, "\(String(describing: error))")
    }

    /// A current size above the dataspace's maximum: libhdf5 1.10.8 accepts it (newer versions
    /// refuse it), and a 2.5 KB mask file claiming 83,886,096 rows of a maximum of 16 made the
    /// reader allocate 2.7 GB (hdf5-mask fuzzer); it is a typed error now.
    @Test func aDataspaceLargerThanItsMaximumIsATypedError() throws {
        guard let python = try pythonWithH5py() else { return }
        let path = TestFiles.path("above-maximum")
        defer { TestFiles.remove(path) }
        try Self.writeValues(python: python, path: path, creation: "", space: "(4,)", count: 4)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let message: [UInt8] = [1, 1, 1, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0]
        let at = try #require((0...(bytes.count - message.count)).first { bytes[$0..<($0 + message.count)].elementsEqual(message) },
                              "dataspace message not found")
        bytes[at + 8] = 0x90; bytes[at + 9] = 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(at: path)
        let error = #expect(throws: StorageError.self) { try file.openDataset("values") }
        #expect(error?.reason == .shapeMismatch)
        #expect(error?.detail.contains("dataspace dimensions [400] exceed their maximum [4]") == true, "\(String(describing: error))")
    }
}
