import Foundation
import Storage
import Testing

/// libhdf5 1.10.8 reads past an attribute message whose sizes are damaged (heap-buffer-overflow
/// under `H5Aexists`, found by the label-file fuzzer); `AttributeMessageCheck` refuses such a
/// message before any attribute call reaches libhdf5 (docs/reliability.md, note 10).
@Suite struct AttributeMessageCheckTests {
    /// An attribute message found in a file's bytes: where its data starts and its fields.
    struct Message {
        let start: Int, version: UInt8
        let nameStart: Int, datatypeStart: Int, dataspaceStart: Int, dataStart: Int

        init?(_ name: String, in bytes: [UInt8]) {
            func word(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
            let key = Array(name.utf8) + [0]
            for p in 9...(bytes.count - key.count) where bytes[p..<(p + key.count)].elementsEqual(key) {
                // Version 1: version, reserved, three sizes, name; version 3 adds the encoding byte.
                let found: Int, foundVersion: UInt8
                if bytes[p - 8] == 1, bytes[p - 7] == 0, word(p - 6) == key.count {
                    found = p - 8; foundVersion = 1
                } else if bytes[p - 9] == 3, word(p - 7) == key.count {
                    found = p - 9; foundVersion = 3
                } else {
                    continue
                }
                func padded(_ size: Int) -> Int { foundVersion == 1 ? (size + 7) / 8 * 8 : size }
                start = found
                version = foundVersion
                nameStart = p
                datatypeStart = p + padded(key.count)
                dataspaceStart = p + padded(key.count) + padded(word(found + 4))
                dataStart = dataspaceStart + padded(word(found + 6))
                return
            }
            return nil
        }
    }

    static func setInteger(_ value: UInt64, in bytes: inout [UInt8], at offset: Int, count: Int) {
        for k in 0..<count { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
    }

    /// Runs an h5py script with the file's path as `sys.argv[1]`.
    static func python(_ python: String, _ script: String, _ path: String) throws {
        let run = try runProcess(python, ["-c", script, path])
        try #require(run.status == 0, "\(run.standardError)")
    }

    /// h5py's root attributes for the damage tests: a 1-D int32 array, a float64 scalar and a
    /// variable-length string, in version-1 attribute messages of a version-1 object header.
    static let attributesScript = """
        import sys, h5py, numpy
        with h5py.File(sys.argv[1], "w") as f:
            f.attrs["values"] = numpy.arange(4, dtype="<i4")
            f.attrs["scale"] = 0.5
            f.attrs["label"] = "intact"
            f["data"] = numpy.arange(3, dtype="<i4")
            f["data"].attrs["unit"] = "mm"
        """

    /// Writes the attributes above, damages the message of `attribute` with `damage` (given the
    /// bytes and the message) and returns the error every attribute call of the root then throws.
    static func refusal(
        _ attribute: String, _ name: String, damage: (inout [UInt8], Message) -> Void
    ) throws -> StorageError? {
        guard let python = try pythonWithH5py() else { return nil }
        let path = TestFiles.path(name)
        defer { TestFiles.remove(path) }
        try Self.python(python, attributesScript, path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let message = try #require(Message(attribute, in: bytes), "attribute message '\(attribute)' not found")
        #expect(message.version == 1)
        damage(&bytes, message)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(at: path)
        let attributes = file.attributes
        let error = #expect(throws: StorageError.self) { try attributes.names() }
        #expect(error?.reason == .libraryFailure)
        #expect(error?.detail.hasPrefix("damaged attribute message: attribute message ") == true, "\(String(describing: error))")
        // Every attribute call is refused the same way (the check ran once, its answer is kept),
        // including writes and calls for an intact attribute.
        for call in [{ _ = try attributes.contains("scale") }, { _ = try attributes.value("label") }, { _ = try attributes.string("label") }] {
            let again = #expect(throws: StorageError.self) { try call() }
            #expect(again?.detail == error?.detail)
        }
        // The rest of the file still reads: a dataset and its (intact) attributes.
        let data = try file.openDataset("data")
        #expect(try data.read(as: Int32.self) == [0, 1, 2])
        #expect(try data.attributes.string("unit") == "mm")
        return error
    }

    @Test func aDataspaceLargerThanTheMessageIsATypedError() throws {
        let error = try Self.refusal("values", "attribute-dims") { bytes, message in
            // Version-1 dataspace: 8 bytes of version, rank, flags, reserved; the size; the maximum.
            Self.setInteger(400, in: &bytes, at: message.dataspaceStart + 8, count: 8)
            Self.setInteger(400, in: &bytes, at: message.dataspaceStart + 16, count: 8)
        }
        #expect(error?.detail.contains("'values': the data of 400 elements of 4 bytes needs 1600 bytes, the message has 16 after the dataspace") == true,
                "\(String(describing: error))")
    }

    @Test func aDatatypeSizeLargerThanTheMessageIsATypedError() throws {
        let error = try Self.refusal("values", "attribute-type-size") { bytes, message in
            Self.setInteger(65_536, in: &bytes, at: message.datatypeStart + 4, count: 4)
        }
        #expect(error?.detail.contains("'values': the data of 4 elements of 65536 bytes needs 262144 bytes") == true, "\(String(describing: error))")
    }

    /// The element count times the element size overflowed in libhdf5 1.10.8 (CVE-2021-37501,
    /// HDFGroup/hdf5#2458), giving a small data size.
    @Test func aDataSizePast2To64IsATypedError() throws {
        let error = try Self.refusal("values", "attribute-overflow") { bytes, message in
            Self.setInteger(1 << 62, in: &bytes, at: message.dataspaceStart + 8, count: 8)
            Self.setInteger(1 << 62, in: &bytes, at: message.dataspaceStart + 16, count: 8)
        }
        #expect(error?.detail.contains("the data of 4611686018427387904 elements of 4 bytes needs more than 2^64 bytes") == true,
                "\(String(describing: error))")
    }

    /// A variable-length string whose datatype's size field (8) is smaller than the 16 bytes its
    /// elements take in the file: libhdf5 1.10.8 keeps 8 bytes of data, then `H5Aread` copies 16
    /// (a 16-byte heap-buffer-overflow read in `H5A__read`, checked under AddressSanitizer).
    @Test func aVariableLengthSizeFieldSmallerThanInTheFileIsATypedError() throws {
        let error = try Self.refusal("label", "attribute-vlen-size") { bytes, message in
            Self.setInteger(8, in: &bytes, at: message.datatypeStart + 4, count: 4)
        }
        #expect(error?.detail.contains("'label': a datatype of 16 bytes in the file has a size field of 8") == true, "\(String(describing: error))")
    }

    @Test func aNameWithoutItsNulIsATypedError() throws {
        let error = try Self.refusal("values", "attribute-name-nul") { bytes, message in
            bytes[message.nameStart + 6] = UInt8(ascii: "x")
        }
        #expect(error?.detail.contains("the name of 7 bytes does not end in its only NUL") == true, "\(String(describing: error))")
    }

    @Test func aNameSizePastTheMessageIsATypedError() throws {
        let error = try Self.refusal("values", "attribute-name-size") { bytes, message in
            Self.setInteger(0x4000, in: &bytes, at: message.start + 2, count: 2)
        }
        #expect(error?.detail.contains("name, datatype and dataspace of 16384, 12 and 24 bytes (padded to 8) need") == true,
                "\(String(describing: error))")
    }

    @Test func aDatatypeLongerThanItsSizeIsATypedError() throws {
        // A float64's datatype takes 8 + 12 bytes.
        let error = try Self.refusal("scale", "attribute-type-field") { bytes, message in
            Self.setInteger(8, in: &bytes, at: message.start + 4, count: 2)
        }
        #expect(error?.detail.contains("'scale': the datatype needs more than its 8 bytes (properties)") == true, "\(String(describing: error))")
    }

    @Test func aDataspaceLongerThanItsSizeIsATypedError() throws {
        let error = try Self.refusal("values", "attribute-space-field") { bytes, message in
            Self.setInteger(8, in: &bytes, at: message.start + 6, count: 2)
        }
        #expect(error?.detail.contains("'values': a dataspace of rank 1 needs 24 bytes, its size is 8") == true, "\(String(describing: error))")
    }

    /// A version-2 object header ("OHDR", h5py with `libver="latest"`) holds version-3 attribute
    /// messages; its checksum is recomputed so that only the dataspace is damaged.
    @Test func aDamagedAttributeInAVersion2HeaderIsATypedError() throws {
        guard let python = try pythonWithH5py() else { return }
        let path = TestFiles.path("attribute-v2")
        defer { TestFiles.remove(path) }
        try Self.python(python, """
            import sys, h5py, numpy
            with h5py.File(sys.argv[1], "w", libver="latest") as f:
                g = f.create_group("meta")
                g.attrs["values"] = numpy.arange(4, dtype="<i4")
                g.attrs["note"] = "v2"
            """, path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let message = try #require(Message("values", in: bytes), "attribute message not found")
        #expect(message.version == 3)
        // Version-2 dataspace: version, rank, flags, type, then the sizes.
        Self.setInteger(400, in: &bytes, at: message.dataspaceStart + 4, count: 8)
        let header = try #require((0..<message.start).last { bytes[$0..<($0 + 4)].elementsEqual("OHDR".utf8) })
        let flags = bytes[header + 5]
        let sizeAt = header + 6 + (flags & 0x20 != 0 ? 16 : 0) + (flags & 0x10 != 0 ? 4 : 0), sizeBytes = 1 << Int(flags & 3)
        let size = (0..<sizeBytes).reversed().reduce(0) { $0 << 8 | Int(bytes[sizeAt + $1]) }
        let checksumAt = sizeAt + sizeBytes + size
        let checksum = DatasetLayoutCheckTests.lookup3(bytes[header..<checksumAt])
        Self.setInteger(UInt64(checksum), in: &bytes, at: checksumAt, count: 4)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(at: path)
        #expect(try file.attributes.names().isEmpty)
        let group = try file.openGroup("meta")
        let error = #expect(throws: StorageError.self) { try group.attributes.value("note") }
        #expect(error?.detail.contains("damaged attribute message: attribute message 0 'values': the data of 400 elements of 4 bytes needs 1600 bytes") == true,
                "\(String(describing: error))")
    }

    /// Attributes of every kind h5py writes still read (or are reported as unsupported types), in
    /// version-1 and version-2 object headers, on the root, a group and a dataset. In the
    /// version-2 file these hold 10 attributes each, more than fit in the header (dense storage,
    /// not checked); the group "few" keeps its 3 in the header (version-3 attribute messages).
    @Test func validAttributesOfManyKindsStillRead() throws {
        guard let python = try pythonWithH5py() else { return }
        for libver in ["earliest", "latest"] {
            let path = TestFiles.path("attribute-kinds-\(libver)")
            defer { TestFiles.remove(path) }
            try Self.python(python, """
                import sys, h5py, numpy
                with h5py.File(sys.argv[1], "w", libver="\(libver)") as f:
                    g = f.create_group("meta")
                    d = g.create_dataset("data", data=numpy.arange(6, dtype="<f4").reshape(2, 3))
                    for owner in (f, g, d):
                        a = owner.attrs
                        a["int"] = numpy.int64(-7)
                        a["float"] = 2.5
                        a["uint8s"] = numpy.arange(5, dtype="u1")
                        a["matrix"] = numpy.arange(6, dtype="<i4").reshape(2, 3)
                        a["text"] = "variable ✓"
                        a["texts"] = ["a", "bb", ""]
                        a["fixed"] = numpy.bytes_("fixed-length")
                        a["fixeds"] = numpy.array([b"ab", b"cde"], dtype="S3")
                        a["empty"] = h5py.Empty("f8")
                        a["opaque"] = numpy.void(b"\\x01\\x02\\x03")
                        if "\(libver)" == "earliest":
                            # With libver="latest", HDF5 2.0 writes compound and enumeration
                            # datatypes in version 5, which libhdf5 1.10.8 does not read.
                            a["pair"] = numpy.array([(1, 2.0)], dtype=[("i", "<i4"), ("x", "<f8")])
                            a["flag"] = True
                            a["complex"] = 1 + 2j
                            nested = numpy.zeros(2, dtype=[("m", "<i2", (2, 2)), ("s", "S5"), ("v", h5py.string_dtype())])
                            nested["v"] = ["x", "yz"]
                            a["nested"] = nested
                    h = f.create_group("few")
                    h.attrs["int"] = numpy.int64(-7)
                    h.attrs["text"] = "variable ✓"
                    h.attrs["fixeds"] = numpy.array([b"ab", b"cde"], dtype="S3")
                """, path)
            let file = try HDF5File.open(at: path)
            let group = try file.openGroup("meta")
            let dataset = try group.openDataset("data")
            for attributes in [file.attributes, group.attributes, dataset.attributes] {
                let names = try attributes.names()
                #expect(names.count >= 10)
                for name in names {
                    do {
                        _ = try attributes.value(name)
                    } catch {
                        #expect(!error.detail.contains("damaged"), "\(libver) \(name): \(error)")
                    }
                }
                #expect(try attributes.scalar("int", as: Int64.self) == -7)
                #expect(try attributes.scalar("float", as: Double.self) == 2.5)
                #expect(try attributes.array("uint8s", as: UInt8.self) == [0, 1, 2, 3, 4])
                #expect(try attributes.array("matrix", as: Int32.self) == [0, 1, 2, 3, 4, 5])
                #expect(try attributes.string("text") == "variable ✓")
                #expect(try attributes.strings("texts") == ["a", "bb", ""])
            }
            #expect(try dataset.read(as: Float.self) == [0, 1, 2, 3, 4, 5])
            let few = try file.openGroup("few").attributes
            #expect(try few.names() == ["fixeds", "int", "text"])
            #expect(try few.scalar("int", as: Int64.self) == -7)
            #expect(try few.string("text") == "variable ✓")
        }
    }

    /// Files written by this module (its attributes on every owner) still read, after reopening.
    @Test func ourOwnAttributesStillRead() throws {
        let path = TestFiles.path("attribute-ours")
        defer { TestFiles.remove(path) }
        do {
            let file = try HDF5File.create(at: path)
            let dataset = try file.createGroup("meta").createDataset("data", elementType: Int64.self, shape: [2])
            for attributes in [file.attributes, dataset.attributes] {
                try attributes.set("count", to: Int64(3))
                try attributes.set("weights", to: [0.5, 1.5])
                try attributes.set("names", to: ["a", "b"])
                try attributes.set("empty", to: [Int32]())
            }
            try file.close()
        }
        let file = try HDF5File.open(at: path, mode: .readWrite)
        let dataset = try file.openDataset("meta/data")
        for attributes in [file.attributes, try file.root.attributes, dataset.attributes] {
            #expect(try attributes.names() == ["count", "empty", "names", "weights"])
            #expect(try attributes.strings("names") == ["a", "b"])
            try attributes.set("count", to: Int64(4))
            #expect(try attributes.scalar("count", as: Int64.self) == 4)
        }
    }
}
