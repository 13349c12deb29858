import Datasets
import Foundation
import Testing

/// Resume after SIGKILL, sharding and merge, inspect and export, run on the built binary.
@Suite(.serialized) struct DatasetCommandTests {
    /// Starts `plaquefem` without waiting for it; its standard error goes to the file `errorPath`.
    static func start(_ arguments: [String], errorPath: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        return process
    }

    /// The largest `done` of the progress lines ("labeling [===>  ] done/total ...") in `errorPath`.
    static func reportedProgress(_ errorPath: String) -> Int {
        let text = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        var best = 0
        for line in text.split(separator: "\n") where line.hasPrefix("labeling [") {
            guard let close = line.firstIndex(of: "]") else { continue }
            let fields = line[line.index(after: close)...].split(separator: " ")
            if let fraction = fields.first, let done = fraction.split(separator: "/").first.flatMap({ Int($0) }) {
                best = max(best, done)
            }
        }
        return best
    }

    static func phantoms(_ count: Int, in directory: URL) throws -> String {
        let masks = directory.appendingPathComponent("masks.h5").path
        let run = try CommandLineTests.run(["phantoms", "--count", "\(count)", "--seed", "11", "--output", masks])
        #expect(run.status == 0, "\(run.error)")
        return masks
    }

    /// The columns a resumed or merged file must reproduce exactly.
    static func rows(_ contents: LabelFileContents) -> [LabelRecord] {
        (0..<contents.count).map { contents.record($0) }
    }

    @Test func labelKilledRepeatedlyResumesToTheUninterruptedResult() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let count = 12
        let masks = try Self.phantoms(count, in: directory)
        let reference = directory.appendingPathComponent("reference.h5").path
        let full = try CommandLineTests.run(["label", masks, "--output", reference, "--jobs", "2"])
        #expect(full.status == 0, "\(full.error)")
        let referenceRows = Self.rows(try LabelFileReader.read(at: reference))

        let killed = directory.appendingPathComponent("killed.h5").path
        let errorPath = directory.appendingPathComponent("stderr.txt").path
        var counts: [Int] = []
        var kills = 0
        // Kill on observed progress, not after fixed delays (a busy machine once left no committed row
        // by a delay's end): each run is killed once it has reported at least two more masks. With one
        // job and a commit after every row, a reported mask is a committed row, so each kill leaves rows
        // behind. The wait is bounded: a run that reports nothing for two minutes is killed anyway and
        // the expectations below say so.
        for rowsBeforeKill in [2, 2, 2] {
            let process = try Self.start(["label", masks, "--output", killed, "--jobs", "1", "--commit-interval", "0"], errorPath: errorPath)
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning, Self.reportedProgress(errorPath) < rowsBeforeKill, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.005)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { kills += 1 }
            #expect(Self.reportedProgress(errorPath) >= rowsBeforeKill, "the run reported no progress within 2 minutes")
            guard FileManager.default.fileExists(atPath: killed) else { continue }
            // Every file a kill leaves opens and holds whole rows, equal to the uninterrupted run's.
            let contents = try LabelFileReader.read(at: killed)
            counts.append(contents.count)
            #expect(Self.rows(contents) == Array(referenceRows.prefix(contents.count)))
        }
        #expect(kills == 3, "a run finished before it was killed; the test needs more masks")
        #expect(counts == counts.sorted(), "resumed runs never lose committed rows: \(counts)")
        #expect(counts.count == 3 && counts.last ?? 0 >= 6, "three kills after two rows each should leave at least 6 committed rows: \(counts)")
        let resumed = try CommandLineTests.run(["label", masks, "--output", killed, "--jobs", "2"])
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(resumed.error.contains("resuming"))
        #expect(Self.rows(try LabelFileReader.read(at: killed)) == referenceRows)

        // Rerunning a finished job labels nothing and changes nothing.
        let again = try CommandLineTests.run(["label", masks, "--output", killed])
        #expect(again.status == 0 && again.output.contains("labeled 0 of 0"))
        #expect(try LabelFileReader.read(at: killed).count == count)
    }

    @Test func aSecondJobOnTheSameOutputIsRefusedAndCorruptsNothing() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let masks = try Self.phantoms(12, in: directory)
        let output = directory.appendingPathComponent("labels.h5").path
        let errorPath = directory.appendingPathComponent("stderr.txt").path
        let first = try Self.start(["label", masks, "--output", output, "--jobs", "1"], errorPath: errorPath)
        // Once the first job has labeled a mask, it holds the file open for writing.
        let deadline = Date().addingTimeInterval(120)
        while first.isRunning, Self.reportedProgress(errorPath) < 2, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(first.isRunning, "the first job ended before the second one started; the test needs more masks")
        // Before HDF5 file locks were probed, --overwrite truncated the first job's file to nothing.
        for extra in [["--overwrite"], []] {
            let second = try CommandLineTests.run(["label", masks, "--output", output, "--jobs", "1"] + extra)
            #expect(second.status != 0 && second.error.contains("in use by another process"), "\(extra): \(second.error)")
        }
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        let contents = try LabelFileReader.read(at: output)
        #expect(contents.count == 12 && contents.status.allSatisfy { $0 == 0 })
    }

    @Test func resumeRefusesOtherOptionsAndOtherInputs() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let masks = try Self.phantoms(2, in: directory)
        let output = directory.appendingPathComponent("labels.h5").path
        #expect(try CommandLineTests.run(["label", masks, "--output", output]).status == 0)
        let steps = try CommandLineTests.run(["label", masks, "--output", output, "--steps", "3"])
        #expect(steps.status != 0 && steps.error.contains("different labeling options") && steps.error.contains("--overwrite"))
        let other = directory.appendingPathComponent("other.h5").path
        #expect(try CommandLineTests.run(["phantoms", "--count", "2", "--seed", "12", "--output", other]).status == 0)
        let inputs = try CommandLineTests.run(["label", other, "--output", output])
        #expect(inputs.status != 0 && inputs.error.contains("row 0"), "\(inputs.error)")
        #expect(try CommandLineTests.run(["label", other, "--output", output, "--overwrite"]).status == 0)
    }

    @Test func shardsMergeIntoTheUnshardedFile() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let masks = try Self.phantoms(5, in: directory)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        #expect(try CommandLineTests.run(["label", masks, "--output", path("all.h5")]).status == 0)
        for k in 1...2 {
            let run = try CommandLineTests.run(["label", masks, "--output", path("part\(k).h5"), "--shard", "\(k)/2", "--jobs", "1"])
            #expect(run.status == 0, "\(run.error)")
        }
        #expect(try LabelFileReader.read(at: path("part1.h5")).inputIndices == [0, 2, 4])

        let partial = try CommandLineTests.run(["merge", path("partial.h5"), path("part2.h5")])
        #expect(partial.status == 0 && partial.error.contains("3 inputs of the job are in no file"), "\(partial.error)")
        // Overlapping identical shards are kept once.
        let merge = try CommandLineTests.run(["merge", path("merged.h5"), path("part2.h5"), path("part1.h5"), path("part2.h5")])
        #expect(merge.status == 0 && merge.output.contains("5 rows") && merge.output.contains("2 identical duplicates"), "\(merge.output)")
        let merged = try LabelFileReader.read(at: path("merged.h5")), all = try LabelFileReader.read(at: path("all.h5"))
        #expect(Self.rows(merged) == Self.rows(all))
        #expect(merged.configuration.shard == nil && merged.configuration.inputCount == 5)

        let other = try CommandLineTests.run(["label", masks, "--output", path("steps.h5"), "--shard", "1/2", "--steps", "3"])
        #expect(other.status == 0)
        let mixed = try CommandLineTests.run(["merge", path("mixed.h5"), path("part2.h5"), path("steps.h5")])
        #expect(mixed.status != 0 && mixed.error.contains("labeling options"), "\(mixed.error)")
    }

    /// This process's environment without Slurm's variables, plus `slurm`.
    static func environment(_ slurm: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLURM_") }.merging(slurm) { $1 }
    }

    /// The variables of task `id` of `sbatch --array=0-1`.
    static func arrayTask(_ id: Int) -> [String: String] {
        ["SLURM_JOB_ID": "\(500 + id)", "SLURM_ARRAY_JOB_ID": "500", "SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_COUNT": "2",
         "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "1", "SLURM_ARRAY_TASK_STEP": "1"]
    }

    @Test func shardAutoTakesTheShardFromTheSlurmArrayTask() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let masks = try Self.phantoms(3, in: directory)
        let (lumen, eem) = try ContourCommandTests.contourFiles(in: directory)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        // Mask and contour jobs alike: task 1 of --array=0-1 is shard 2/2.
        for (name, input) in [("masks", [masks]), ("contours", ["--lumen", lumen, "--eem", eem, "--grid-size", "32"])] {
            let auto = try CommandLineTests.run(CommandLineTests.executable,
                                                ["label"] + input + ["--output", path("\(name)-auto.h5"), "--shard", "auto", "--jobs", "1"],
                                                environment: Self.environment(Self.arrayTask(1)))
            #expect(auto.status == 0 && auto.error.contains("shard 2/2 from Slurm array task 500_1"), "\(auto.error)")
            let given = try CommandLineTests.run(["label"] + input + ["--output", path("\(name)-given.h5"), "--shard", "2/2", "--jobs", "1"])
            #expect(given.status == 0, "\(given.error)")
            let fromSlurm = try LabelFileReader.read(at: path("\(name)-auto.h5")), fromFlag = try LabelFileReader.read(at: path("\(name)-given.h5"))
            #expect(fromSlurm.configuration.shard == LabelFileConfiguration.Shard(index: 2, count: 2))
            #expect(fromSlurm.inputIndices == [1] + (name == "contours" ? [3] : []))
            #expect(Self.rows(fromSlurm) == Self.rows(fromFlag))
            // Rerunning the same array task resumes its file (nothing left to label).
            let again = try CommandLineTests.run(CommandLineTests.executable,
                                                 ["label"] + input + ["--output", path("\(name)-auto.h5"), "--shard", "auto", "--jobs", "1"],
                                                 environment: Self.environment(Self.arrayTask(1)))
            #expect(again.status == 0 && again.output.contains("labeled 0 of 0"), "\(again.output) \(again.error)")
        }
        // Outside an array job, and in an array that is not evenly spaced: clear errors, nothing written.
        let outside = try CommandLineTests.run(CommandLineTests.executable, ["label", masks, "--output", path("x.h5"), "--shard", "auto"],
                                               environment: Self.environment([:]))
        #expect(outside.status != 0 && outside.error.contains("not running in a Slurm array job"), "\(outside.error)")
        var list = Self.arrayTask(3)
        list["SLURM_ARRAY_TASK_COUNT"] = "3"; list["SLURM_ARRAY_TASK_MIN"] = "1"; list["SLURM_ARRAY_TASK_MAX"] = "8"
        let uneven = try CommandLineTests.run(CommandLineTests.executable, ["label", masks, "--output", path("x.h5"), "--shard", "auto"],
                                              environment: Self.environment(list))
        #expect(uneven.status != 0 && uneven.error.contains("unsupported array"), "\(uneven.error)")
        #expect(!FileManager.default.fileExists(atPath: path("x.h5")))
    }

    @Test func inspectAndExportALabelFile() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let masks = try Self.phantoms(2, in: directory)
        let labels = directory.appendingPathComponent("labels.h5").path
        let empty = directory.appendingPathComponent("empty.npy").path
        try Data(repeating: 0, count: 10).write(to: URL(fileURLWithPath: empty))
        #expect(try CommandLineTests.run(["label", masks, empty, "--output", labels]).status == 0)

        let text = try CommandLineTests.run(["inspect", labels])
        #expect(text.status == 0 && text.output.contains("3 masks of 64x64 pixels at 0.125 mm; 2 labeled, 1 failed"), "\(text.output)")
        #expect(text.output.contains("failed 1x: status 1"))
        let json = try CommandLineTests.run(["inspect", labels, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["labeled"] as? Int == 2 && object["units"] as? String == "kPa" && object["quantity"] as? String == "max-principal")
        let listing = try CommandLineTests.run(["inspect", masks])
        #expect(listing.status == 0 && listing.output.contains("/masks  uint8 [2, 64, 64]"), "\(listing.output)")

        for format in ["png", "npy", "vtu"] {
            let folder = directory.appendingPathComponent(format).path
            let run = try CommandLineTests.run(["export", labels, "--format", format, "--output", folder])
            #expect(run.status == 0, "\(run.error)")
        }
        let pngs = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("png").path).sorted()
        #expect(pngs == ["00000-stress.png", "00001-stress.png", "00002-mask.png"])
        let vtu = try String(contentsOfFile: directory.appendingPathComponent("vtu/00001.vtu").path, encoding: .utf8)
        #expect(vtu.contains("NumberOfCells=\"4096\"") && vtu.contains("Name=\"stress_kPa\""))
        let npy = try Data(contentsOf: directory.appendingPathComponent("npy/status.npy"))
        #expect(String(decoding: npy.prefix(80), as: UTF8.self).contains("'shape': (3,)"))
        let bad = try CommandLineTests.run(["export", labels, "--format", "png", "--output", directory.path, "--index", "7"])
        #expect(bad.status != 0 && bad.error.contains("row 7 is outside 0..<3"))
    }
}
