import Foundation
import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The row contents written by `storage-crash-writer` (kept identical to its main.swift).
enum CrashWriterRows {
    static func rowValues(_ row: Int) -> [Float] {
        (0..<42).map { element in Float(row) * 0.5 + Float((row * 31 + element * 17) % 97) / 7 }
    }

    static func plainValues(_ row: Int) -> [Int32] {
        [Int32(row), Int32(row * 2), Int32(-row)]
    }

    static func reason(_ row: Int) -> String {
        row % 3 == 0 ? "row \(row) failed ✗" : ""
    }

    /// Opens a file left by the writer and checks that every dataset holds at least
    /// `flushedRows` rows and that those rows read back correctly.
    ///
    /// - Parameter everythingReadable: Also read every stored row. True for snapshots taken
    ///   between flushes; false after a kill, which may land inside `flush()`, where rows of the
    ///   unfinished flush can point past the end of the file (only completed flushes count).
    static func verify(
        _ path: String, flushedRows: Int, everythingReadable: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        let rows = try file.openDataset("rows")
        let index = try file.openDataset("index")
        let plain = try file.openDataset("plain")
        let reasons = try file.openStringDataset("reason")
        let counts = [try rows.rowCount, try index.rowCount, try plain.rowCount, try reasons.count]
        #expect(counts.allSatisfy { $0 >= flushedRows }, "row counts \(counts) below \(flushedRows)", sourceLocation: sourceLocation)
        let prefix = 0..<min(flushedRows, counts.min() ?? 0)
        #expect(try rows.readRows(prefix, as: Float.self) == prefix.flatMap(rowValues), sourceLocation: sourceLocation)
        #expect(try index.readRows(prefix, as: Int64.self) == prefix.map { Int64($0) }, sourceLocation: sourceLocation)
        #expect(try plain.readRows(prefix, as: Int32.self) == prefix.flatMap(plainValues), sourceLocation: sourceLocation)
        #expect(try reasons.readRows(prefix) == prefix.map(reason), sourceLocation: sourceLocation)
        if everythingReadable {
            _ = try rows.read(as: Float.self)
            _ = try index.read(as: Int64.self)
            _ = try plain.read(as: Int32.self)
            _ = try reasons.read()
        }
    }
}

/// Whether two arrays hold the same bytes (fast in debug builds, unlike `==` on large arrays).
func sameBytes<Element: BitwiseCopyable>(_ first: [Element], _ second: [Element]) -> Bool {
    first.count == second.count
        && first.withUnsafeBytes { a in second.withUnsafeBytes { b in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
}

@Suite struct CrashSafetyTests {
    /// Finds the `storage-crash-writer` binary next to the test binary (SwiftPM build products).
    static func crashWriterPath() -> String? {
        let name = "storage-crash-writer"
        if let override = ProcessInfo.processInfo.environment["PLAQUEFEM_CRASH_WRITER"] {
            return override
        }
        var starts: [URL] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            starts.append(URL(fileURLWithPath: executable).deletingLastPathComponent())
        }
        starts.append(Bundle.main.bundleURL)
        starts.append(Bundle.main.executableURL?.deletingLastPathComponent() ?? Bundle.main.bundleURL)
        if let first = CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent(name).path
                if FileManager.default.isExecutableFile(atPath: candidate) {
                    return candidate
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// Snapshots of the file taken at any moment between appends are what a killed process
    /// would leave on disk (HDF5 writes through the page cache with plain `pwrite`): each must
    /// open and hold the rows of the last flush. Exercises compressed chunks that are completed
    /// after having been flushed incomplete.
    @Test func snapshotsBetweenFlushesHoldFlushedRows() throws {
        let path = TestFiles.path("snapshot-source")
        let snapshot = TestFiles.path("snapshot")
        defer {
            TestFiles.remove(path)
            TestFiles.remove(snapshot)
        }
        let file = try HDF5File.create(at: path)
        let rows = try file.createDataset(
            "rows", elementType: Float.self, shape: [0, 6, 7], maximumRows: .unlimited, chunkRows: 5,
            compression: .deflate(level: 1))
        let index = try file.createDataset(
            "index", elementType: Int64.self, shape: [0], maximumRows: .unlimited, chunkRows: 8,
            compression: .deflate(level: 1))
        let plain = try file.createDataset(
            "plain", elementType: Int32.self, shape: [0, 3], maximumRows: .unlimited, chunkRows: 4)
        let reasons = try file.createStringDataset("reason", chunkRows: 4)
        try file.flush()

        var state: UInt64 = 12_345
        var total = 0
        var flushed = 0
        func takeSnapshot() throws {
            try? FileManager.default.removeItem(atPath: snapshot)
            try FileManager.default.copyItem(atPath: path, toPath: snapshot)
            try CrashWriterRows.verify(snapshot, flushedRows: flushed, everythingReadable: true)
        }
        for _ in 0..<70 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let batch = Int((state >> 33) % 3) + 1
            let range = total..<(total + batch)
            try rows.append(rows: range.flatMap(CrashWriterRows.rowValues), count: batch)
            try index.append(rows: range.map { Int64($0) }, count: batch)
            try plain.append(rows: range.flatMap(CrashWriterRows.plainValues), count: batch)
            try reasons.append(range.map(CrashWriterRows.reason))
            total += batch
            try takeSnapshot()
            if (state >> 40) % 3 != 0 {
                try file.flush()
                flushed = total
                try takeSnapshot()
            }
        }
        try file.close()
        try CrashWriterRows.verify(path, flushedRows: total, everythingReadable: true)
    }

    /// Chunks larger than the chunk cache go to disk on every write, not only on flush. A
    /// flushed, incomplete compressed chunk that is then completed must not be rewritten over
    /// the bytes the flushed metadata points to (plain HDF5 does exactly that when the chunk
    /// sits at the end of the file: the snapshot below then fails with "inflate() failed").
    @Test func completingAFlushedChunkLargerThanTheCacheKeepsFlushedRows() throws {
        let path = TestFiles.path("large-chunk")
        let snapshot = TestFiles.path("large-chunk-snapshot")
        defer {
            TestFiles.remove(path)
            TestFiles.remove(snapshot)
        }
        let inner = [600, 1_000]  // 2.4 MB per row, 4.8 MB per chunk of two rows (the cache holds 2 MiB)
        let rowElements = inner.reduce(1, *)
        let pattern = (0..<rowElements).map { Float($0 % 1_000) }
        func row(_ index: Int) -> [Float] {
            var values = pattern
            values.withUnsafeMutableBufferPointer { buffer in
                for position in stride(from: index, to: buffer.count, by: 97) {
                    buffer[position] += Float(index + 1)
                }
            }
            return values
        }
        let file = try HDF5File.create(at: path)
        let dataset = try file.createDataset(
            "big", elementType: Float.self, shape: [0] + inner, maximumRows: .unlimited, chunkRows: 2,
            compression: .deflate(level: 1))
        func verifySnapshot(flushed: Int) throws {
            try? FileManager.default.removeItem(atPath: snapshot)
            try FileManager.default.copyItem(atPath: path, toPath: snapshot)
            let copy = try HDF5File.open(at: snapshot)
            defer { try? copy.close() }
            let stored = try copy.openDataset("big")
            #expect(try stored.rowCount >= flushed)
            #expect(sameBytes(try stored.readRows(0..<flushed, as: Float.self), (0..<flushed).flatMap(row)))
        }
        try dataset.append(rows: row(0), count: 1)
        try file.flush()
        try dataset.append(rows: row(1), count: 1)
        try verifySnapshot(flushed: 1)
        try file.flush()
        try dataset.append(rows: row(2), count: 1)
        try verifySnapshot(flushed: 2)
        try file.flush()
        try dataset.append(rows: row(3), count: 1)
        try verifySnapshot(flushed: 3)
        try file.close()
        #expect(sameBytes(try HDF5File.open(at: path).openDataset("big").read(as: Float.self), (0..<4).flatMap(row)))
    }

    /// Starts `storage-crash-writer`, kills it with SIGKILL at several points, and checks the file.
    @Test func killedWriterLeavesFlushedRows() throws {
        guard let writer = Self.crashWriterPath() else {
            Issue.record(
                "storage-crash-writer not found next to the test binary; it is built by `swift build` (StorageTests depends on it) or set PLAQUEFEM_CRASH_WRITER")
            return
        }
        for (attempt, killAfterFlushes) in [2, 9, 25, 60].enumerated() {
            let path = TestFiles.path("killed")
            let progressPath = TestFiles.path("progress", extension: "txt")
            defer {
                TestFiles.remove(path)
                TestFiles.remove(progressPath)
            }
            _ = FileManager.default.createFile(atPath: progressPath, contents: nil)
            let progress = try FileHandle(forWritingTo: URL(fileURLWithPath: progressPath))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: writer)
            process.arguments = [path, "1000000", "\(attempt + 1)"]
            process.standardOutput = progress
            try startProcess(process)

            // Bounded, and generous for a machine busy with other work: the kill waits for observed flushes.
            let deadline = Date().addingTimeInterval(120)
            var lines: [Substring] = []
            while process.isRunning, Date() < deadline {
                let text = (try? String(contentsOfFile: progressPath, encoding: .utf8)) ?? ""
                lines = text.split(separator: "\n")
                if lines.count > killAfterFlushes {
                    break
                }
                // A blocking sleep: a task sleep resumes only when the cooperative pool has a free
                // thread, which other tests running beside this one can hold for many seconds (the
                // writer then ran on for 50,000 flushes before the kill).
                usleep(1_000)
            }
            // Land the kill at an arbitrary point of the append/flush cycle.
            usleep(UInt32.random(in: 0...3_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try progress.close()
            #expect(process.terminationReason == .uncaughtSignal, "writer ended on its own (attempt \(attempt))")

            let text = (try? String(contentsOfFile: progressPath, encoding: .utf8)) ?? ""
            // Complete lines only: the last one is cut unless the text ends with a newline.
            var complete = text.split(separator: "\n", omittingEmptySubsequences: false)
            complete.removeLast()
            let reported = complete.filter { $0.hasPrefix("flushed ") }
            let flushed = reported.last.flatMap { Int($0.dropFirst("flushed ".count)) } ?? 0
            #expect(reported.count > killAfterFlushes, "writer made too little progress before the kill")
            try CrashWriterRows.verify(path, flushedRows: flushed, everythingReadable: false)
        }
    }
}
