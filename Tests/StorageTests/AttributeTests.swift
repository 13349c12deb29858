import Storage
import Testing

@Suite struct AttributeTests {
    @Test func numericAndStringAttributesOnEveryOwner() throws {
        let path = TestFiles.path("attributes")
        defer { TestFiles.remove(path) }
        do {
            let file = try HDF5File.create(at: path)
            let group = try file.createGroup("meta")
            let dataset = try group.createDataset("data", elementType: Float.self, shape: [1])
            for attributes in [file.attributes, group.attributes, dataset.attributes] {
                try attributes.set("count", to: Int64(-12))
                try attributes.set("scale", to: 0.25)
                try attributes.set("seeds", to: [Int64(1), 2, 3])
                try attributes.set("weights", to: [1.5, -2.5])
                try attributes.set("small", to: UInt8(7))
                try attributes.set("units", to: "kPa")
                try attributes.set("label", to: "Ünïcode ✓")
                try attributes.set("names", to: ["a", "bb", ""])
                try attributes.set("empty", to: [Double]())
            }
            try file.close()
        }
        let file = try HDF5File.open(at: path)
        let group = try file.openGroup("meta")
        let dataset = try file.openDataset("meta/data")
        for attributes in [file.attributes, group.attributes, dataset.attributes] {
            #expect(try attributes.names() == [
                "count", "empty", "label", "names", "scale", "seeds", "small", "units", "weights",
            ])
            #expect(try attributes.scalar("count", as: Int64.self) == -12)
            #expect(try attributes.scalar("scale", as: Double.self) == 0.25)
            #expect(try attributes.array("seeds", as: Int64.self) == [1, 2, 3])
            #expect(try attributes.array("weights", as: Double.self) == [1.5, -2.5])
            #expect(try attributes.scalar("small", as: UInt8.self) == 7)
            #expect(try attributes.string("units") == "kPa")
            #expect(try attributes.string("label") == "Ünïcode ✓")
            #expect(try attributes.strings("names") == ["a", "bb", ""])
            #expect(try attributes.array("empty", as: Double.self).isEmpty)
            #expect(try attributes.value("count") == .integer(-12))
            #expect(try attributes.value("small") == .integer(7))
            #expect(try attributes.value("weights") == .reals([1.5, -2.5]))
            #expect(try attributes.value("units") == .string("kPa"))
            #expect(try attributes.value("names") == .strings(["a", "bb", ""]))
            #expect(try attributes.contains("units"))
            #expect(try !attributes.contains("missing"))
        }
    }

    @Test func typeMismatchMissingAndReplacement() throws {
        let path = TestFiles.path("attribute-errors")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let attributes = file.attributes
        try attributes.set("value", to: Int64(3))
        let error = #expect(throws: StorageError.self) { try attributes.scalar("value", as: Double.self) }
        #expect(error?.reason == .typeMismatch(expected: .float64, found: .int64))
        #expect(throws: StorageError.self) { try attributes.string("value") }
        let missing = #expect(throws: StorageError.self) { try attributes.string("nothing") }
        #expect(missing?.reason == .objectNotFound)
        #expect(missing?.operation == "read attribute 'nothing'")
        try attributes.set("value", to: "now a string")
        #expect(try attributes.string("value") == "now a string")
        try attributes.set("many", to: [1.0, 2.0])
        #expect(throws: StorageError.self) { try attributes.scalar("many", as: Double.self) }
        #expect(throws: StorageError.self) { try attributes.set("bad", to: "nul\u{0}inside") }
        try attributes.remove("value")
        #expect(try !attributes.contains("value"))
        #expect(throws: StorageError.self) { try attributes.remove("value") }
    }
}
