import Foundation
import Testing

/// libhdf5 1.10 loops forever, or copies past its buffer and crashes, on a damaged global heap
/// (docs/reliability.md, note 4): the command line turns both into a message and exit status 4
/// (`HDF5ReadWatchdog`).
@Suite struct StalledReadTests {
    /// `file` with the size of one object of its first global heap collection replaced: the
    /// free-space object's (index 0) by 0, which makes libhdf5 1.10.8's `H5HG_read` loop forever, or
    /// every string object's (index > 0) by 0x5300000000000009, which makes it copy far past its
    /// buffer. Layout of a collection (HDF5 file format spec, "Global Heap"): "GCOL", version, 3
    /// reserved bytes, 8-byte collection size, then objects of 2-byte index, 2-byte reference count,
    /// 4 reserved bytes, 8-byte size and the data padded to 8 bytes.
    static func damagingGlobalHeap(of file: URL, freeSpace: Bool = true) throws -> Bool {
        var bytes = [UInt8](try Data(contentsOf: file))
        func integer(at offset: Int, count: Int) -> Int {
            (0..<count).reversed().reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
        }
        guard let start = (0..<(bytes.count - 16)).first(where: { bytes[$0..<($0 + 4)].elementsEqual("GCOL".utf8) }) else { return false }
        let end = min(bytes.count, start + integer(at: start + 8, count: 8))
        var object = start + 16, damaged = false
        while object + 16 <= end {
            let size = integer(at: object + 8, count: 8), index = integer(at: object, count: 2)
            if (index == 0) == freeSpace {
                let value: UInt64 = freeSpace ? 0 : 0x5300_0000_0000_0009
                for k in 0..<8 { bytes[object + 8 + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
                damaged = true
            }
            if index == 0 { break }
            object += 16 + (size + 7) / 8 * 8
        }
        if damaged { try Data(bytes).write(to: file) }
        return damaged
    }

    /// Runs `plaquefem ARGUMENTS` with a read limit of 1 s, ending it after 120 s should that fail.
    static func runBounded(_ arguments: [String]) throws -> (status: Int32, exited: Bool, error: String) {
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["PLAQUEFEM_HDF5_READ_TIMEOUT": "1"]) { $1 }
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stop = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: stop)
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        stop.cancel()
        return (process.terminationStatus, process.terminationReason == .exit, message)
    }

    @Test func aDamagedGlobalHeapEndsWithAMessageInsteadOfAHang() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("masks.h5")
        let made = try CommandLineTests.run(["phantoms", "--count", "2", "--seed", "1", "--output", file.path])
        try #require(made.status == 0, "\(made.error)")
        try #require(try Self.damagingGlobalHeap(of: file), "no global heap free space found to damage")
        let damaged = try Data(contentsOf: file)

        let run = try Self.runBounded(["inspect", file.path])
        #expect(run.exited && run.status == 4, "status \(run.status): \(run.error)")
        #expect(run.error.contains("libhdf5 did not return within 1.0 s") && run.error.contains("global heap"), "\(run.error)")
        #expect(try Data(contentsOf: file) == damaged, "the input file was changed")
    }

    @Test func aGlobalHeapThatCrashesLibhdf5EndsWithAMessage() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("masks.h5")
        let made = try CommandLineTests.run(["phantoms", "--count", "2", "--seed", "1", "--output", file.path])
        try #require(made.status == 0, "\(made.error)")
        try #require(try Self.damagingGlobalHeap(of: file, freeSpace: false), "no global heap objects found to damage")
        let run = try Self.runBounded(["inspect", file.path])
        #expect(run.exited && run.status == 4, "status \(run.status): \(run.error)")
        #expect(run.error.contains("libhdf5 crashed in read attribute") && run.error.contains("global heap"), "\(run.error)")
    }
}
