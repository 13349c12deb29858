import Foundation
import Storage
import Testing

@Suite struct FileTests {
    @Test func createOpenAndCloseTwice() throws {
        let path = TestFiles.path("file")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        #expect(file.isWritable)
        #expect(file.isOpen)
        try file.close()
        try file.close()
        #expect(!file.isOpen)

        let reopened = try HDF5File.open(at: path)
        #expect(!reopened.isWritable)
        #expect(try reopened.children().isEmpty)
        try reopened.close()
    }

    @Test func exclusiveCreationRefusesExistingFile() throws {
        let path = TestFiles.path("exclusive")
        defer { TestFiles.remove(path) }
        try HDF5File.create(at: path, mode: .exclusive).close()
        let error = #expect(throws: StorageError.self) {
            try HDF5File.create(at: path, mode: .exclusive)
        }
        #expect(error?.reason == .fileExists)
        #expect(error?.filePath == path)
        // Truncation replaces the file.
        let file = try HDF5File.create(at: path, mode: .truncate)
        try file.close()
    }

    @Test func missingFileThrows() {
        let path = TestFiles.path("missing")
        let error = #expect(throws: StorageError.self) {
            try HDF5File.open(at: path)
        }
        #expect(error?.reason == .fileNotFound)
        #expect(error?.operation == "open file")
        #expect(error?.description.contains(path) == true)
    }

    @Test func randomBytesAreNotHDF5() throws {
        let path = TestFiles.path("random")
        defer { TestFiles.remove(path) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: StorageError.self) {
            try HDF5File.open(at: path, mode: .readWrite)
        }
        #expect(error?.reason == .notHDF5File)
        let emptyPath = TestFiles.path("empty")
        defer { TestFiles.remove(emptyPath) }
        _ = FileManager.default.createFile(atPath: emptyPath, contents: Data())
        #expect(throws: StorageError.self) {
            try HDF5File.open(at: emptyPath)
        }
    }

    @Test func truncatedFileThrows() throws {
        let path = TestFiles.path("whole")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let dataset = try file.createDataset("values", elementType: Double.self, shape: [4096])
        try dataset.write((0..<4096).map(Double.init))
        try file.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        for length in [16, 600, data.count / 2, data.count - 100] {
            let truncatedPath = TestFiles.path("truncated")
            defer { TestFiles.remove(truncatedPath) }
            try data.prefix(length).write(to: URL(fileURLWithPath: truncatedPath))
            let error = #expect(throws: StorageError.self, "length \(length)") {
                let truncated = try HDF5File.open(at: truncatedPath)
                _ = try truncated.openDataset("values").read(as: Double.self)
            }
            #expect(error?.filePath == truncatedPath)
        }
    }

    @Test func closedFileAndObjectsThrowClosed() throws {
        let path = TestFiles.path("closed")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let group = try file.createGroup("group")
        let dataset = try file.createDataset("data", elementType: Int32.self, shape: [3])
        try file.close()
        #expect(!group.isOpen)
        #expect(!dataset.isOpen)
        let error = #expect(throws: StorageError.self) {
            try dataset.read(as: Int32.self)
        }
        #expect(error?.reason == .closed)
        #expect(error?.objectPath == "/data")
        #expect(throws: StorageError.self) { try group.children() }
        #expect(throws: StorageError.self) { try file.attributes.set("x", to: 1.0) }
        try dataset.close()
        group.close()
    }

    @Test func readOnlyFileRefusesWrites() throws {
        let path = TestFiles.path("readonly")
        defer { TestFiles.remove(path) }
        let writer = try HDF5File.create(at: path)
        try writer.createDataset("data", elementType: Int64.self, shape: [0], maximumRows: .unlimited).close()
        try writer.close()

        let file = try HDF5File.open(at: path, mode: .readOnly)
        let dataset = try file.openDataset("data")
        let error = #expect(throws: StorageError.self) {
            try dataset.append(rows: [Int64(1)], count: 1)
        }
        #expect(error?.reason == .readOnly)
        #expect(throws: StorageError.self) { try file.createGroup("g") }
        #expect(throws: StorageError.self) { try file.attributes.set("a", to: "b") }
        try file.flush()
        try file.close()
    }

    @Test func errorDescriptionNamesFileObjectAndOperation() throws {
        let path = TestFiles.path("describe")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let error = #expect(throws: StorageError.self) {
            try file.openDataset("nowhere/data")
        }
        #expect(error?.reason == .objectNotFound)
        #expect(error?.objectPath == "/nowhere/data")
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("open dataset"))
        #expect(text.contains(path))
        #expect(text.contains("/nowhere/data"))
    }

    @Test func libraryFailuresCarryHDF5Messages() throws {
        let directory = TestFiles.path("no-such-directory", extension: "d")
        let error = #expect(throws: StorageError.self) {
            try HDF5File.create(at: directory + "/file.h5")
        }
        #expect(error?.reason == .libraryFailure)
        #expect(error?.libraryMessages.isEmpty == false)
        #expect(error?.libraryMessages.joined().contains("H5F") == true)
    }

    @Test func durableFlush() throws {
        let path = TestFiles.path("durable")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        try file.attributes.set("answer", to: Int64(42))
        try file.flush(durable: true)
        try file.close()
        #expect(try HDF5File.open(at: path).attributes.scalar("answer", as: Int64.self) == 42)
    }
}
