import Foundation
import Storage
import Testing

/// Variable-length strings are read out of the global heap by `GlobalHeapStrings`, with every size
/// checked, instead of by libhdf5 1.10.8, which loops forever or copies past its buffer on a damaged
/// heap (docs/reliability.md, note 4).
@Suite struct GlobalHeapTests {
    /// Writes a file with string attributes and a string dataset; returns the strings written.
    static func writeStrings(_ path: String) throws -> (attribute: [String], rows: [String]) {
        let attribute = ["first", "", "Ünïcode ✓", String(repeating: "long ", count: 2_000)]
        let rows = (0..<300).map { "row \($0) " + String(repeating: "x", count: $0 % 37) }
        let file = try HDF5File.create(at: path)
        try file.attributes.set("names", to: attribute)
        try file.attributes.set("format", to: "test-format")
        let dataset = try file.createStringDataset("sources")
        try dataset.append(rows)
        try file.close()
        return (attribute, rows)
    }

    /// The offsets of the first global heap collection ("GCOL") in `bytes` and of its objects'
    /// headers (index 2 bytes, reference count 2, reserved 4, size 8), the free-space object last.
    static func heapObjects(_ bytes: [UInt8]) -> (collection: Int, objects: [(offset: Int, index: Int, size: Int)])? {
        func integer(at offset: Int, count: Int) -> Int {
            (0..<count).reversed().reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
        }
        guard let start = (0..<(bytes.count - 16)).first(where: { bytes[$0..<($0 + 4)].elementsEqual("GCOL".utf8) }) else { return nil }
        let end = min(bytes.count, start + integer(at: start + 8, count: 8))
        var objects: [(Int, Int, Int)] = [], offset = start + 16
        while offset + 16 <= end {
            let index = integer(at: offset, count: 2), size = integer(at: offset + 8, count: 8)
            objects.append((offset, index, size))
            if index == 0 { break }
            offset += 16 + (size + 7) / 8 * 8
        }
        return (start, objects)
    }

    static func setInteger(_ value: UInt64, in bytes: inout [UInt8], at offset: Int, count: Int) {
        for k in 0..<count { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
    }

    @Test func stringsReadBackThroughTheCheckedReader() throws {
        let path = TestFiles.path("heap-strings")
        defer { TestFiles.remove(path) }
        let written = try Self.writeStrings(path)
        let file = try HDF5File.open(at: path)
        #expect(try file.attributes.strings("names") == written.attribute)
        #expect(try file.attributes.string("format") == "test-format")
        let dataset = try file.openStringDataset("sources")
        #expect(try dataset.read() == written.rows)
        #expect(try dataset.readRows(120..<123) == Array(written.rows[120..<123]))
    }

    @Test func stringsJustWrittenReadBackBeforeTheFileIsClosed() throws {
        let path = TestFiles.path("heap-open")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        try file.attributes.set("names", to: ["a", "bb", "ccc"])
        #expect(try file.attributes.strings("names") == ["a", "bb", "ccc"])
        try file.attributes.set("names", to: ["replaced"])
        #expect(try file.attributes.strings("names") == ["replaced"])
        let dataset = try file.createStringDataset("rows")
        try dataset.append(["one", "two"])
        #expect(try dataset.read() == ["one", "two"])
        try dataset.append(["three"])
        #expect(try dataset.read() == ["one", "two", "three"])
        try file.close()
    }

    /// A free-space object of size 0 made libhdf5 1.10.8 loop forever; the strings are intact.
    @Test func aFreeSpaceObjectOfSizeZeroNoLongerHangs() throws {
        let path = TestFiles.path("heap-free-space")
        defer { TestFiles.remove(path) }
        let written = try Self.writeStrings(path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let heap = try #require(Self.heapObjects(bytes))
        let free = try #require(heap.objects.last(where: { $0.index == 0 }), "no free-space object")
        Self.setInteger(0, in: &bytes, at: free.offset + 8, count: 8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(at: path)
        #expect(try file.attributes.strings("names") == written.attribute)
    }

    /// An object size far past the collection made libhdf5 1.10.8 copy past its buffer and crash.
    @Test func anObjectLargerThanItsCollectionIsATypedError() throws {
        let path = TestFiles.path("heap-object-size")
        defer { TestFiles.remove(path) }
        _ = try Self.writeStrings(path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let heap = try #require(Self.heapObjects(bytes))
        for object in heap.objects where object.index != 0 {
            Self.setInteger(0x5300_0000_0000_0009, in: &bytes, at: object.offset + 8, count: 8)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(at: path)
        let error = #expect(throws: StorageError.self) { try file.attributes.strings("names") }
        #expect(error?.reason == .libraryFailure)
        #expect(error?.detail.contains("damaged global heap") == true, "\(String(describing: error))")
        #expect(error?.detail.contains("claims") == true, "\(String(describing: error))")
    }

    /// The error of reading the attribute "format" ("abcdefgh") after `damage` changed the file's bytes.
    static func readingDamagedFormat(
        _ name: String, damage: (inout [UInt8], (collection: Int, objects: [(offset: Int, index: Int, size: Int)])) throws -> Void
    ) throws -> StorageError? {
        let path = TestFiles.path(name)
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        try file.attributes.set("format", to: "abcdefgh")
        try file.close()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try damage(&bytes, try #require(Self.heapObjects(bytes)))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reopened = try HDF5File.open(at: path)
        return #expect(throws: StorageError.self) { try reopened.attributes.string("format") }
    }

    /// A string whose reference claims more bytes than its heap object holds.
    @Test func aStringLongerThanItsHeapObjectIsATypedError() throws {
        let error = try Self.readingDamagedFormat("heap-reference") { bytes, heap in
            let object = try #require(heap.objects.first(where: { $0.index != 0 && $0.size == 8 }))
            // The reference: length 8 (4 bytes), the collection's address (8), the object's index (4).
            var reference = [UInt8](repeating: 0, count: 16)
            Self.setInteger(8, in: &reference, at: 0, count: 4)
            Self.setInteger(UInt64(heap.collection), in: &reference, at: 4, count: 8)
            Self.setInteger(UInt64(object.index), in: &reference, at: 12, count: 4)
            let found = bytes
            let at = try #require((0...(found.count - 16)).first(where: { found[$0..<($0 + 16)].elementsEqual(reference) }), "reference not found")
            Self.setInteger(4_000, in: &bytes, at: at, count: 4)
        }
        #expect(error?.detail.contains("holds 8 bytes, the string that refers to it 4000") == true, "\(String(describing: error))")
    }

    /// A string that refers to bytes that are not a collection (its signature damaged).
    @Test func aReferenceToNoCollectionIsATypedError() throws {
        let error = try Self.readingDamagedFormat("heap-address") { bytes, heap in
            bytes[heap.collection] = UInt8(ascii: "X")
        }
        #expect(error?.detail.contains("no GCOL signature") == true, "\(String(describing: error))")
    }

    /// Strings written by another program (h5py, with its own libhdf5), in a file with a user block
    /// (heap addresses are relative to the base address after it), many collections and long strings.
    @Test func stringsWrittenByH5pyWithAUserBlock() throws {
        guard let python = try pythonWithH5py() else { return }
        let path = TestFiles.path("heap-h5py")
        defer { TestFiles.remove(path) }
        let script = """
            import sys, h5py
            rows = ["row %d %s" % (i, "y" * (i % 53)) for i in range(5000)]
            with h5py.File(sys.argv[1], "w", userblock_size=512) as f:
                f.attrs["format"] = "from-h5py"
                f.attrs["names"] = ["α", "", "z" * 9000]
                f.create_dataset("sources", data=rows, dtype=h5py.string_dtype())
            """
        let run = try runProcess(python, ["-c", script, path])
        try #require(run.status == 0, "\(run.standardError)")
        let file = try HDF5File.open(at: path)
        #expect(try file.attributes.string("format") == "from-h5py")
        #expect(try file.attributes.strings("names") == ["α", "", String(repeating: "z", count: 9000)])
        let rows = try file.openStringDataset("sources").read()
        #expect(rows.count == 5000)
        #expect(rows == (0..<5000).map { "row \($0) " + String(repeating: "y", count: $0 % 53) })
    }
}
