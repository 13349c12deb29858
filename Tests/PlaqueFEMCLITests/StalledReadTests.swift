import Foundation
import Testing

/// libhdf5 1.10 loops forever, or copies past its buffer and crashes, on a damaged global heap
/// (docs/reliability.md, note 4). Variable-length strings are now read by the checked reader
/// (`GlobalHeapStrings`): the same damage is a typed error for the strings it touches, and the
/// command line goes on (the watchdog and crash report stay as a last resort, `HDF5ReadWatchdogTests`).
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
    static func runBounded(_ arguments: [String]) throws -> (status: Int32, exited: Bool, output: String, error: String) {
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["PLAQUEFEM_HDF5_READ_TIMEOUT": "1"]) { $1 }
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files, not pipes: a full pipe would block the child while this thread waits for the other.
        let outputFile = directory.appendingPathComponent("stdout"), errorFile = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let stop = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 120, execute: stop)
        process.waitUntilExit()
        stop.cancel()
        let output = String(decoding: try Data(contentsOf: outputFile), as: UTF8.self)
        let message = String(decoding: try Data(contentsOf: errorFile), as: UTF8.self)
        return (process.terminationStatus, process.terminationReason == .exit, output, message)
    }

    /// The free-space object of size 0 made libhdf5 1.10.8 loop forever in `inspect`; the checked
    /// reader (`GlobalHeapStrings`) reads past it, and the strings, which are intact, are listed.
    @Test func aZeroSizedFreeSpaceObjectNoLongerHangsInspect() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("masks.h5")
        let made = try CommandLineTests.run(["phantoms", "--count", "2", "--seed", "1", "--output", file.path])
        try #require(made.status == 0, "\(made.error)")
        try #require(try Self.damagingGlobalHeap(of: file), "no global heap free space found to damage")
        let damaged = try Data(contentsOf: file)

        let run = try Self.runBounded(["inspect", file.path])
        #expect(run.exited && run.status == 0, "status \(run.status): \(run.error)")
        #expect(run.output.contains("@format = plaquefem-masks"), "\(run.output)")
        #expect(try Data(contentsOf: file) == damaged, "the input file was changed")
    }

    /// Object sizes past the collection made libhdf5 1.10.8 copy past its buffer and crash. Now
    /// `inspect` names every unreadable attribute and lists the rest, and `label` labels the file's
    /// intact masks beside another file's (a batch goes on).
    @Test func aGlobalHeapThatCrashedLibhdf5IsReportedAndTheBatchGoesOn() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("masks.h5"), intact = directory.appendingPathComponent("intact.h5")
        for (path, seed) in [(file, "1"), (intact, "2")] {
            let made = try CommandLineTests.run(["phantoms", "--count", "2", "--seed", seed, "--output", path.path])
            try #require(made.status == 0, "\(made.error)")
        }
        try #require(try Self.damagingGlobalHeap(of: file, freeSpace: false), "no global heap objects found to damage")
        let run = try Self.runBounded(["inspect", file.path])
        #expect(run.exited && run.status == 0, "status \(run.status): \(run.error)")
        #expect(run.output.contains("@format = (unreadable: damaged global heap: object"), "\(run.output)")
        #expect(run.output.contains("/masks  uint8 [2, 64, 64]"), "\(run.output)")

        let labels = directory.appendingPathComponent("labels.h5")
        let labeled = try Self.runBounded(["label", file.path, intact.path, "--output", labels.path])
        #expect(labeled.exited && labeled.status == 0, "status \(labeled.status): \(labeled.error)")
        #expect(labeled.output.contains("labeled 4 of 4 masks"), "\(labeled.output)")
    }
}
