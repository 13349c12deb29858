import Storage
import Testing

@Suite struct StringDatasetTests {
    @Test func appendReadAndReopen() throws {
        let path = TestFiles.path("strings")
        defer { TestFiles.remove(path) }
        let reasons = ["", "mesh failed: self-intersection", "", "Newton diverged (iteration 31) – ✗", ""]
        do {
            let file = try HDF5File.create(at: path)
            let dataset = try file.createStringDataset("failure_reason", chunkRows: 2)
            #expect(try dataset.count == 0)
            try dataset.append(Array(reasons[0..<2]))
            try file.flush()
            try dataset.append(Array(reasons[2...]))
            try dataset.append([])
            #expect(try dataset.read() == reasons)
            #expect(try dataset.readRows(1..<3) == Array(reasons[1..<3]))
            #expect(throws: StorageError.self) { try dataset.readRows(4..<6) }
            #expect(throws: StorageError.self) { try dataset.append(["a\u{0}b"]) }
            try file.close()
        }
        let file = try HDF5File.open(at: path, mode: .readWrite)
        let dataset = try file.openStringDataset("failure_reason")
        #expect(dataset.isVariableLength)
        #expect(dataset.maximumRowCount == nil)
        #expect(try dataset.read() == reasons)
        try dataset.write(["x", "y"])
        #expect(try dataset.read() == ["x", "y"])
        let numbers = try file.createDataset("numbers", elementType: Int32.self, shape: [1])
        _ = numbers
        let error = #expect(throws: StorageError.self) { try file.openStringDataset("numbers") }
        #expect(error?.reason == .typeMismatch(expected: .string, found: .int32))
    }

    @Test func limitedStringDataset() throws {
        let path = TestFiles.path("limited-strings")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let dataset = try file.createStringDataset("names", maximumRows: .atMost(3), chunkRows: 2)
        try dataset.append(["a", "b", "c"])
        let error = #expect(throws: StorageError.self) { try dataset.append(["d"]) }
        #expect(error?.reason == .shapeMismatch)
    }
}
