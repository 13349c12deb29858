import Storage
import Testing

@Suite struct ConcurrencyTests {
    @Test func tasksWritingSeparateFilesAndOneSharedFile() async throws {
        let sharedPath = TestFiles.path("shared")
        defer { TestFiles.remove(sharedPath) }
        let shared = try HDF5File.create(at: sharedPath)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    let path = TestFiles.path("task\(task)")
                    defer { TestFiles.remove(path) }
                    let own = try HDF5File.create(at: path)
                    let values = try own.createDataset(
                        "values", elementType: Double.self, shape: [0, 3], maximumRows: .unlimited, chunkRows: 4,
                        compression: .deflate(level: 1))
                    let mine = try shared.createDataset(
                        "task\(task)", elementType: Int64.self, shape: [0], maximumRows: .unlimited, chunkRows: 8,
                        compression: .deflate(level: 1))
                    for row in 0..<50 {
                        try values.append(rows: [Double(row), Double(task), -1], count: 1)
                        try mine.append(rows: [Int64(row * 10 + task)], count: 1)
                        if row % 7 == 0 {
                            try own.flush()
                            try shared.flush()
                        }
                    }
                    try own.close()
                    let reopened = try HDF5File.open(at: path)
                    let stored = try reopened.openDataset("values").read(as: Double.self)
                    #expect(stored == (0..<50).flatMap { [Double($0), Double(task), -1] })
                    #expect(try mine.read(as: Int64.self) == (0..<50).map { Int64($0 * 10 + task) })
                }
            }
            try await group.waitForAll()
        }
        try shared.close()
        let file = try HDF5File.open(at: sharedPath)
        #expect(try file.children().map(\.name) == ["task0", "task1", "task2", "task3"])
    }

    @Test func droppedDatasetWritesItsBufferedRows() throws {
        let path = TestFiles.path("dropped")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        do {
            let dataset = try file.createDataset(
                "values", elementType: Int32.self, shape: [0], maximumRows: .unlimited, chunkRows: 10,
                compression: .deflate())
            try dataset.append(rows: [Int32(1), 2, 3], count: 3)
        }
        try file.close()
        #expect(try HDF5File.open(at: path).openDataset("values").read(as: Int32.self) == [1, 2, 3])
    }
}
