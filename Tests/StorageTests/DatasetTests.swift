import Storage
import Testing

@Suite struct DatasetTests {
    private func roundTrip<Element: HDF5Scalar>(_ type: Element.Type, shape: [Int], make: (Int) -> Element) throws {
        let path = TestFiles.path("roundtrip")
        defer { TestFiles.remove(path) }
        let count = shape.reduce(1, *)
        let values = (0..<count).map(make)
        do {
            let file = try HDF5File.create(at: path)
            let plain = try file.createDataset("plain", elementType: type, shape: shape)
            try plain.write(values)
            let compressed = try file.createDataset(
                "compressed", elementType: type, shape: shape, chunkRows: 2, compression: .deflate(level: 6))
            try compressed.write(values)
            try file.close()
        }
        let file = try HDF5File.open(at: path)
        for name in ["plain", "compressed"] {
            let dataset = try file.openDataset(name)
            #expect(dataset.elementType == Element.hdf5ElementType)
            #expect(dataset.rank == shape.count)
            #expect(try dataset.shape == shape)
            #expect(try dataset.read(as: type) == values)
            let rowElements = shape.dropFirst().reduce(1, *)
            #expect(try dataset.readRows(1..<3, as: type) == Array(values[rowElements..<(3 * rowElements)]))
            #expect(try dataset.readRows(2..<2, as: type).isEmpty)
        }
        let compressed = try file.openDataset("compressed")
        #expect(compressed.compression == .deflate(level: 6))
        #expect(compressed.chunkShape == [2] + shape.dropFirst())
        #expect(try file.openDataset("plain").chunkShape == nil)
    }

    @Test func everyElementTypeAndRank() throws {
        try roundTrip(UInt8.self, shape: [4, 3, 2]) { UInt8($0 % 256) }
        try roundTrip(Int32.self, shape: [5]) { Int32($0) - 2 }
        try roundTrip(Int64.self, shape: [3, 2]) { Int64($0) * 1_000_000_000_000 }
        try roundTrip(Float.self, shape: [3, 2, 2, 2]) { Float($0) / 3 }
        try roundTrip(Double.self, shape: [6, 7]) { Double($0) * .pi }
    }

    @Test func wrongElementTypeThrowsUnlessConverting() throws {
        let path = TestFiles.path("types")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let dataset = try file.createDataset("ints", elementType: Int32.self, shape: [3])
        try dataset.write([Int32(1), 2, 3])
        let error = #expect(throws: StorageError.self) { try dataset.read(as: Double.self) }
        #expect(error?.reason == .typeMismatch(expected: .float64, found: .int32))
        #expect(throws: StorageError.self) { try dataset.readRows(0..<1, as: Int64.self) }
        #expect(throws: StorageError.self) { try dataset.write([1.0, 2.0, 3.0]) }
        #expect(throws: StorageError.self) { try dataset.append(rows: [Int64(4)], count: 1) }
        #expect(try dataset.readConverted(as: Double.self) == [1, 2, 3])
        #expect(try dataset.readRowsConverted(1..<3, as: Int64.self) == [2, 3])
        let strings = try file.createStringDataset("strings")
        try strings.append(["a"])
        #expect(try file.openDataset("strings").elementType == .string)
        #expect(throws: StorageError.self) { try file.openDataset("strings").readConverted(as: Double.self) }
    }

    @Test func invalidShapesAndRangesThrow() throws {
        let path = TestFiles.path("shapes")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        #expect(throws: StorageError.self) { try file.createDataset("r0", elementType: Float.self, shape: []) }
        #expect(throws: StorageError.self) { try file.createDataset("r5", elementType: Float.self, shape: [1, 1, 1, 1, 1]) }
        #expect(throws: StorageError.self) { try file.createDataset("neg", elementType: Float.self, shape: [-1]) }
        #expect(throws: StorageError.self) {
            try file.createDataset("level", elementType: Float.self, shape: [2], compression: .deflate(level: 11))
        }
        let dataset = try file.createDataset("data", elementType: Float.self, shape: [2, 3])
        let error = #expect(throws: StorageError.self) { try dataset.write([Float](repeating: 0, count: 5)) }
        #expect(error?.reason == .shapeMismatch)
        #expect(throws: StorageError.self) { try dataset.readRows(1..<3, as: Float.self) }
        #expect(throws: StorageError.self) { try dataset.append(rows: [Float](repeating: 0, count: 3), count: 1) }
        #expect(throws: StorageError.self) { try file.createDataset("data", elementType: Float.self, shape: [1]) }
        let empty = try file.createDataset("empty", elementType: Float.self, shape: [0, 4], compression: .deflate())
        #expect(try empty.read(as: Float.self).isEmpty)
    }

    @Test func appendGrowsUnlimitedDatasetsAcrossChunks() throws {
        let path = TestFiles.path("append")
        defer { TestFiles.remove(path) }
        let rowElements = 6
        func row(_ index: Int) -> [Float] { (0..<rowElements).map { Float(index * 100 + $0) } }
        let batches = [1, 2, 5, 1, 3, 7, 1, 1, 4]
        var expected: [Float] = []
        do {
            let file = try HDF5File.create(at: path)
            let compressed = try file.createDataset(
                "stress", elementType: Float.self, shape: [0, 2, 3], maximumRows: .unlimited, chunkRows: 4,
                compression: .deflate(level: 1))
            let plain = try file.createDataset(
                "plain", elementType: Float.self, shape: [0, 2, 3], maximumRows: .unlimited, chunkRows: 4)
            var total = 0
            for (step, batch) in batches.enumerated() {
                let values = (total..<(total + batch)).flatMap(row)
                try compressed.append(rows: values, count: batch)
                try plain.append(rows: values, count: batch)
                expected += values
                total += batch
                #expect(try compressed.shape == [total, 2, 3])
                if step % 3 == 0 {
                    try file.flush()
                }
                if step == 4 {
                    // Reading while appending sees buffered rows.
                    #expect(try compressed.read(as: Float.self) == expected)
                    #expect(try compressed.readRows((total - 2)..<total, as: Float.self) == Array(expected.suffix(12)))
                }
            }
            try file.close()
        }
        let file = try HDF5File.open(at: path, mode: .readWrite)
        for name in ["stress", "plain"] {
            let dataset = try file.openDataset(name)
            #expect(dataset.maximumRowCount == nil)
            #expect(try dataset.read(as: Float.self) == expected, "\(name)")
        }
        // Resume appending after reopening: the incomplete last chunk is continued.
        let resumed = try file.openDataset("stress")
        let before = try resumed.rowCount
        var more: [Float] = []
        for index in before..<(before + 6) {
            try resumed.append(rows: row(index), count: 1)
            more += row(index)
        }
        try file.flush()
        #expect(try resumed.read(as: Float.self) == expected + more)
        try file.close()
        #expect(try HDF5File.open(at: path).openDataset("stress").read(as: Float.self) == expected + more)
    }

    @Test func maximumRowsAndRowCount() throws {
        let path = TestFiles.path("maximum")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let dataset = try file.createDataset(
            "limited", elementType: Int64.self, shape: [1], maximumRows: .atMost(3), chunkRows: 2,
            compression: .deflate())
        #expect(dataset.maximumRowCount == 3)
        try dataset.write([Int64(7)])
        try dataset.append(rows: [Int64(8), 9], count: 2)
        let error = #expect(throws: StorageError.self) { try dataset.append(rows: [Int64(10)], count: 1) }
        #expect(error?.reason == .shapeMismatch)
        #expect(try dataset.read(as: Int64.self) == [7, 8, 9])
        try dataset.setRowCount(1)
        #expect(try dataset.read(as: Int64.self) == [7])
        try dataset.append(rows: [Int64(11)], count: 1)
        #expect(try dataset.read(as: Int64.self) == [7, 11])
        let fixed = try file.createDataset("fixed", elementType: Int64.self, shape: [2])
        #expect(fixed.maximumRowCount == 2)
        #expect(throws: StorageError.self) { try fixed.append(rows: [Int64(1)], count: 1) }
    }

    @Test func automaticChunking() throws {
        let path = TestFiles.path("chunks")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let images = try file.createDataset(
            "images", elementType: Float.self, shape: [0, 64, 64], maximumRows: .unlimited, compression: .deflate())
        #expect(images.chunkShape == [4, 64, 64])
        let status = try file.createDataset("status", elementType: Int32.self, shape: [0], maximumRows: .unlimited)
        #expect(status.chunkShape == [16_384])
        let small = try file.createDataset("small", elementType: Double.self, shape: [3], compression: .deflate())
        #expect(small.chunkShape == [3])
    }

    /// libhdf5 1.10.8 looks up every chunk position a shrink removes; a shrink across more positions
    /// than the file has bytes (a damaged extent) is refused instead of running without end, while
    /// ordinary shrinks and growth are unchanged (docs/reliability.md, note 11).
    @Test func shrinkingAcrossAHugeExtentIsRefused() throws {
        let path = TestFiles.path("huge-shrink")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let values = try file.createDataset("values", elementType: Int32.self, shape: [0, 3], maximumRows: .unlimited, chunkRows: 2)
        try values.append(rows: (0..<30).map(Int32.init), count: 10)
        try values.setRowCount(4)
        #expect(try values.read(as: Int32.self) == (0..<12).map(Int32.init))
        try values.setRowCount(1 << 40)
        let error = #expect(throws: StorageError.self) { try values.setRowCount(2) }
        #expect(error?.reason == .shapeMismatch)
        #expect(error?.detail.contains("shrinking 1099511627776 rows in chunks of 2 to 2 would make libhdf5 visit 549755813887 chunk positions") == true,
                "\(String(describing: error))")
        #expect(try values.rowCount == 1 << 40)
    }
}
