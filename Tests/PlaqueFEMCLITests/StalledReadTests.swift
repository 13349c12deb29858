import Foundation
import Testing

/// libhdf5 1.10 loops forever on a damaged global heap (docs/reliability.md, note 4): the command
/// line turns that hang into a message and exit status 4 (`HDF5ReadWatchdog`).
@Suite struct StalledReadTests {
    /// `file` with the size of its first global heap collection's free-space object set to 0, the
    /// damage that makes libhdf5 1.10.8's `H5HG_read` loop forever. Layout of a collection (HDF5
    /// file format spec, "Global Heap"): "GCOL", version, 3 reserved bytes, 8-byte collection size,
    /// then objects of 2-byte index, 2-byte reference count, 4 reserved bytes, 8-byte size and the
    /// data padded to 8 bytes; index 0 is the free space.
    static func damagingGlobalHeap(of file: URL) throws -> Bool {
        var bytes = [UInt8](try Data(contentsOf: file))
        func integer(at offset: Int, count: Int) -> Int {
            (0..<count).reversed().reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
        }
        guard let start = (0..<(bytes.count - 16)).first(where: { bytes[$0..<($0 + 4)].elementsEqual("GCOL".utf8) }) else { return false }
        let end = min(bytes.count, start + integer(at: start + 8, count: 8))
        var object = start + 16
        while object + 16 <= end {
            let size = integer(at: object + 8, count: 8)
            if integer(at: object, count: 2) == 0 {
                for k in 0..<8 { bytes[object + 8 + k] = 0 }
                try Data(bytes).write(to: file)
                return true
            }
            object += 16 + (size + 7) / 8 * 8
        }
        return false
    }

    @Test func aDamagedGlobalHeapEndsWithAMessageInsteadOfAHang() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("masks.h5")
        let made = try CommandLineTests.run(["phantoms", "--count", "2", "--seed", "1", "--output", file.path])
        try #require(made.status == 0, "\(made.error)")
        try #require(try Self.damagingGlobalHeap(of: file), "no global heap free space found to damage")
        let damaged = try Data(contentsOf: file)

        // Run `inspect` with a 1 s read limit; should the watchdog fail, the process is ended after 120 s.
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["inspect", file.path]
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
        #expect(process.terminationReason == .exit && process.terminationStatus == 4, "status \(process.terminationStatus): \(message)")
        #expect(message.contains("libhdf5 did not return within 1.0 s") && message.contains("global heap"), "\(message)")
        #expect(try Data(contentsOf: file) == damaged, "the input file was changed")
    }
}
