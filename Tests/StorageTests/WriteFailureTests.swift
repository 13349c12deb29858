import Foundation
import Storage
import Testing

/// Writes that fail (a full disk): the error names the system's reason, and a dataset whose
/// buffered rows could not be written refuses every later flush, so a caller's commit after it
/// cannot cover rows that never reached the file.
@Suite struct WriteFailureTests {
    @Test func theSystemsReasonIsTakenFromHDF5sMessages() {
        let error = StorageError(
            reason: .libraryFailure, operation: "flush file", filePath: "/x.h5", objectPath: "/",
            libraryMessages: ["H5F__flush: unable to flush file data (Unable to flush data from cache)",
                              "H5FD__sec2_write: file write failed: time = Mon Dec  7 14:57:06 2026\n, filename = '/x.h5', "
                                  + "file descriptor = 3, errno = 28, error message = 'No space left on device', buf = 0x1 (Write failed)"])
        #expect(error.systemErrorMessage == "No space left on device")
        #expect(StorageError(reason: .closed, operation: "read", filePath: "/x.h5", objectPath: "/").systemErrorMessage == nil)
    }

    /// Needs a tmpfs (root, permission to mount); the whole filesystem is 96 KiB.
    @Test(.enabled(if: mountsTmpfs(), "needs root and permission to mount a tmpfs (skipped here)"))
    func aDatasetWhoseRowsCouldNotBeWrittenRefusesLaterFlushes() throws {
        let folder = TestFiles.path("tiny", extension: "d")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", folder]) else { return }
        defer { _ = run("/bin/umount", [folder]) }
        let file = try HDF5File.create(at: folder + "/rows.h5")
        // 16 rows of 4 KiB per chunk, compressed: buffered until a flush writes the chunk raw (64 KiB).
        let rows = try file.createDataset(
            "rows", elementType: Float.self, shape: [0, 1024], maximumRows: .unlimited, chunkRows: 16, compression: .deflate(level: 1))
        var written = 0
        var failure: StorageError?
        var state: UInt64 = 99
        while failure == nil, written < 400 {
            // Incompressible values, so that compression cannot save the chunk.
            let values = (0..<1024).map { _ -> Float in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(state >> 40)
            }
            do throws(StorageError) {
                try rows.append(rows: values, count: 1)
                written += 1
                try file.flush()
            } catch {
                failure = error
            }
        }
        let error = try #require(failure, "96 KiB should not hold 400 rows of 4 KiB")
        #expect(error.systemErrorMessage == "No space left on device", "\(error.reason) \(error.operation)")
        // Later flushes must fail too (they used to succeed with the buffered rows dropped).
        #expect(throws: StorageError.self) { try file.flush() }
        #expect(throws: StorageError.self) { try rows.append(rows: [Float](repeating: 0, count: 1024), count: 1) }
        try? file.close()
    }
}

/// Whether this process may mount a tmpfs (tried once on a scratch folder).
private func mountsTmpfs() -> Bool { canMount }

private let canMount: Bool = {
    let folder = TestFiles.path("probe", extension: "d")
    guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else { return false }
    defer { try? FileManager.default.removeItem(atPath: folder) }
    guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", folder]) else { return false }
    _ = run("/bin/umount", [folder])
    return true
}()

/// Runs a program to completion, quietly; true on exit status 0.
private func run(_ program: String, _ arguments: [String]) -> Bool {
    guard FileManager.default.isExecutableFile(atPath: program) else { return false }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationReason == .exit && process.terminationStatus == 0
}

/// Reads whose size comes from a damaged extent.
@Suite struct HugeExtentTests {
    /// Fuzz finding (hdf5-mask, 2026-12-07): a mask file whose /masks extent read 3.3e16 rows of
    /// 64 x 64 made `read` trap on the element-count multiplication (`label FILE.h5` crashed). A read
    /// that overflows, or needs more bytes than the machine's memory, is now `.shapeMismatch`.
    @Test(arguments: [32_772_357_110_104_088, 1 << 40])
    func aReadLargerThanMemoryIsATypedError(_ rows: Int) throws {
        let path = TestFiles.path("huge-extent")
        defer { TestFiles.remove(path) }
        let file = try HDF5File.create(at: path)
        let masks = try file.createDataset("masks", elementType: UInt8.self, shape: [0, 64, 64], maximumRows: .unlimited, chunkRows: 4)
        try masks.setRowCount(rows)
        let error = try #require(throws: StorageError.self) { try masks.read(as: UInt8.self) }
        #expect(error.reason == .shapeMismatch)
        #expect(throws: StorageError.self) { try masks.readConverted(as: Double.self) }
        try file.close()
    }
}
