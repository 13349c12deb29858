import Storage
import Testing

@Suite struct GroupTests {
    @Test func createOpenListAndRemove() throws {
        let path = TestFiles.path("groups")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let meta = try file.createGroup("meta")
        #expect(meta.path == "/meta")
        let deep = try file.createGroup("a/b/c")
        #expect(deep.path == "/a/b/c")
        #expect(try file.contains("a/b"))
        #expect(try file.contains("/a/b/c"))
        #expect(try !file.contains("a/x/c"))
        _ = try meta.createDataset("values", elementType: Float.self, shape: [2])
        _ = try meta.createGroup("sub")
        _ = try meta.createStringDataset("notes")

        let children = try meta.children()
        #expect(children == [
            HDF5Child(name: "notes", kind: .dataset),
            HDF5Child(name: "sub", kind: .group),
            HDF5Child(name: "values", kind: .dataset),
        ])
        #expect(try file.children().map(\.name) == ["a", "meta"])

        let error = #expect(throws: StorageError.self) { try file.createGroup("meta") }
        #expect(error?.reason == .objectExists)
        let kindError = #expect(throws: StorageError.self) { try file.openGroup("meta/values") }
        #expect(kindError?.reason == .wrongObjectKind(expected: "group", found: "dataset"))
        #expect(throws: StorageError.self) { try file.openDataset("meta/sub") }
        #expect(throws: StorageError.self) { try file.createGroup("") }

        try meta.removeChild("sub")
        #expect(try !meta.contains("sub"))
        try file.close()

        let reopened = try HDF5File.open(at: path)
        let b = try reopened.openGroup("a/b")
        #expect(try b.children() == [HDF5Child(name: "c", kind: .group)])
        let c = try b.openGroup("c")
        #expect(c.path == "/a/b/c")
        #expect(try reopened.root.children().count == 2)
    }
}
