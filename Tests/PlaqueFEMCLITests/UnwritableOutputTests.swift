import Datasets
import Foundation
import Testing

/// A tmpfs of a given size mounted on a fresh temporary folder: a disk that fills up (or, remounted
/// read-only, a folder that cannot be written even by root, for whom chmod changes nothing).
/// Needs root and permission to mount (a container without CAP_SYS_ADMIN has neither).
struct TinyFilesystem {
    let path: String

    /// Whether this process can mount a tmpfs (tried once: mount and unmount a 64 KiB one).
    static let isAvailable: Bool = {
        guard let probe = try? TinyFilesystem(kilobytes: 64) else { return false }
        probe.unmount()
        return true
    }()

    /// Mounts a tmpfs of `kilobytes` KiB on a new temporary folder.
    init(kilobytes: Int) throws {
        path = try CommandLineTests.temporaryDirectory().path
        guard Self.mount(["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path]) else {
            try? FileManager.default.removeItem(atPath: path)
            throw CLIError("cannot mount a tmpfs on \(path)")
        }
    }

    /// Remounts with other options ("ro", "size=4m", ...); false when that failed.
    @discardableResult
    func remount(_ options: String) -> Bool { Self.mount(["-o", "remount," + options, path]) }

    /// Unmounts and removes the folder.
    func unmount() {
        _ = Self.run("/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func mount(_ arguments: [String]) -> Bool { run("/bin/mount", arguments) }

    private static func run(_ program: String, _ arguments: [String]) -> Bool {
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

    struct CLIError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Output that cannot be written: a disk that fills up while labeling, a read-only folder. Each
/// gives a clear error (exit status 1, not a crash), and every committed row of the file stays
/// readable and equal to the uninterrupted result.
@Suite(.enabled(if: TinyFilesystem.isAvailable, "needs root and permission to mount a tmpfs (skipped here)"))
struct UnwritableOutputTests {
    @Test func aFullDiskStopsLabelingWithAClearErrorAndKeepsEveryCommittedRow() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let masks = try DatasetCommandTests.phantoms(12, in: directory)
        let reference = directory.appendingPathComponent("reference.h5").path
        let done = try CommandLineTests.run(["label", masks, "--output", reference, "--jobs", "1"])
        #expect(done.status == 0, "\(done.error)")
        let expected = DatasetCommandTests.rows(try LabelFileReader.read(at: reference))

        // About 50 KiB of layout, then about 40 KiB per 4 rows of 64x64 masks: 160 KiB fills up
        // after a few rows (measured: 4 committed).
        let disk = try TinyFilesystem(kilobytes: 160)
        defer { disk.unmount() }
        let output = disk.path + "/labels.h5"
        let arguments = ["label", masks, "--output", output, "--jobs", "1", "--commit-interval", "0"]
        let full = try CommandLineTests.run(arguments)
        #expect(full.status == 1, "a clear error, not a crash: status \(full.status), \(full.error)")
        #expect(full.error.contains("cannot write \(output): No space left on device"), "\(full.error)")
        #expect(!full.error.contains("[HDF5:"), "one clear sentence, not HDF5's error stack")
        let kept = try LabelFileReader.read(at: output)
        #expect(kept.count < expected.count)
        #expect(full.error.contains("keeps its \(kept.count) committed rows of 12"), "\(full.error)")
        #expect(DatasetCommandTests.rows(kept) == Array(expected.prefix(kept.count)), "a committed row differs from the reference")

        // With room again, the same command resumes after the committed rows and ends with the reference.
        #expect(disk.remount("size=8m"))
        let resumed = try CommandLineTests.run(arguments)
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(resumed.error.contains("\(kept.count) of 12 masks already labeled"), "\(resumed.error)")
        #expect(DatasetCommandTests.rows(try LabelFileReader.read(at: output)) == expected)
    }

    @Test func aReadOnlyFolderIsAClearErrorAndChangesNothing() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let masks = try DatasetCommandTests.phantoms(3, in: directory)
        let disk = try TinyFilesystem(kilobytes: 1024)
        defer { disk.unmount() }
        let output = disk.path + "/labels.h5"
        let first = try CommandLineTests.run(["label", masks, "--output", output, "--jobs", "1"])
        #expect(first.status == 0, "\(first.error)")
        let before = DatasetCommandTests.rows(try LabelFileReader.read(at: output))
        #expect(before.count == 3)
        #expect(disk.remount("ro"))

        let resume = try CommandLineTests.run(["label", masks, "--output", output, "--jobs", "1"])
        #expect(resume.status == 1, "status \(resume.status): \(resume.error)")
        #expect(resume.error.contains("cannot open \(output) to resume labeling: Read-only file system"), "\(resume.error)")
        #expect(resume.error.contains("Nothing was changed"))
        for target in [output, disk.path + "/new.h5"] {
            let create = try CommandLineTests.run(["label", masks, "--output", target, "--jobs", "1", "--overwrite"])
            #expect(create.status == 1, "status \(create.status): \(create.error)")
            #expect(create.error.contains("cannot create \(target): Read-only file system"), "\(create.error)")
        }
        #expect(DatasetCommandTests.rows(try LabelFileReader.read(at: output)) == before)
    }
}
