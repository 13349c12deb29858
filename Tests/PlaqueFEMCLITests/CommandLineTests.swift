import Foundation
import Storage
import Testing

/// End-to-end tests: run the built `plaquefem` binary as a user would.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var output: String
        var error: String
    }

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("plaquefem")
    }

    static func run(_ arguments: [String]) throws -> Run {
        try run(executable, arguments)
    }

    /// Runs `program` to completion with `arguments` (and `environment`, default: this process's),
    /// collecting its standard output and error.
    static func run(_ program: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> Run {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                   error: String(decoding: error, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func verifyRingPrintsJSONWithTheDocumentedKeys() throws {
        let run = try Self.run(["verify", "ring", "--mesh-size", "0.25", "--json"])
        #expect(run.status == 0, "\(run.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        for key in ["hoop_stress_inner_kpa", "radial_stress_inner_kpa", "inner_radius_deformed_mm", "hoop_stress_inner_exact_kpa",
                    "radial_stress_inner_exact_kpa", "inner_radius_deformed_exact_mm", "dofs", "newton_iterations_per_step",
                    "solve_time_s", "reactions"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let error = try #require(object["hoop_stress_inner_relative_error"] as? Double)
        #expect(error < 0.003)
        #expect(object["dofs"] as? Int == 1640)
    }

    @Test func verifyRingTableShowsNewtonAndRefinement() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let vtu = directory.appendingPathComponent("ring.vtu").path
        let run = try Self.run(["verify", "ring", "--mesh-size", "0.25", "--refine", "1", "--vtu", vtu])
        #expect(run.status == 0, "\(run.error)")
        let text = try String(contentsOfFile: vtu, encoding: .utf8)
        #expect(text.contains("NumberOfCells=\"320\""), "the VTU holds the requested (finest) mesh")
        #expect(text.contains("pressure_kpa") && text.contains("von_mises_stress_kpa"))
        #expect(run.output.contains("Newton convergence"))
        #expect(run.output.contains("refinement study"))
        #expect(run.output.contains("reactions at the 3 rigid-body constraints"))
    }

    @Test func badArgumentsGiveAClearErrorAndNonZeroStatus() throws {
        let negative = try Self.run(["verify", "ring", "--pressure", "-5"])
        #expect(negative.status != 0)
        #expect(negative.error.contains("--pressure"))
        let radii = try Self.run(["verify", "ring", "--inner-radius", "2", "--outer-radius", "1"])
        #expect(radii.status != 0)
        let missing = try Self.run(["solve", "/nonexistent/wall.msh"])
        #expect(missing.status != 0)
        #expect(missing.error.contains("cannot read mesh file"))
    }

    @Test func meshThenSolveWritesAVTUFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let mesh = directory.appendingPathComponent("plaque.msh").path
        let vtu = directory.appendingPathComponent("plaque.vtu").path
        let made = try Self.run(["mesh", "--lumen-center", "0.4,0", "--inner-radius", "0.8", "--outer-radius", "1.8",
                                 "--mesh-size", "0.25", "--output", mesh])
        #expect(made.status == 0, "\(made.error)")
        let solved = try Self.run(["solve", mesh, "--output", vtu, "--json"])
        #expect(solved.status == 0, "\(solved.error)")
        let text = try String(contentsOfFile: vtu, encoding: .utf8)
        #expect(text.contains("max_principal_stress_kpa") && text.contains("displacement_mm"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(solved.output.utf8)) as? [String: Any])
        let snapshots = try #require(object["snapshots"] as? [[String: Any]])
        #expect(snapshots.count == 1)
        let peak = try #require(snapshots[0]["peak_max_principal_kpa"] as? Double)
        #expect(peak > 30 && peak < 80)
    }

    @Test func malformedWaveformIsRejected() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let waveform = directory.appendingPathComponent("bad.csv").path
        try "0,80\n0.2,120\n0.1,90\n".write(toFile: waveform, atomically: true, encoding: .utf8)
        let mesh = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("meshes/ring-coarse.msh").path
        let run = try Self.run(["solve", mesh, "--waveform", waveform])
        #expect(run.status != 0)
        #expect(run.error.contains("times must increase"))
    }
}

@Suite struct PhantomsCommandTests {
    @Test func sameSeedGivesTheSameFileAndPNGs() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [Data] = []
        for name in ["a", "b"] {
            let output = directory.appendingPathComponent("\(name).h5").path
            let run = try CommandLineTests.run(["phantoms", "--count", "5", "--seed", "42", "--output", output,
                                                "--png", directory.appendingPathComponent(name).path])
            #expect(run.status == 0, "\(run.error)")
            #expect(run.output.contains("wrote 5 phantoms"))
            files.append(try Data(contentsOf: directory.appendingPathComponent(name).appendingPathComponent("phantom-00003.png")))
        }
        #expect(files[0] == files[1])
        let again = try CommandLineTests.run(["phantoms", "--count", "5", "--seed", "42", "--output", directory.appendingPathComponent("a.h5").path])
        #expect(again.status != 0 && again.error.contains("--overwrite"), "existing output is not replaced silently")
    }
}

@Suite struct LabelCommandTests {
    @Test func labelsAMixedBatchAndRecordsFailures() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let masks = directory.appendingPathComponent("masks.h5").path
        let pictures = directory.appendingPathComponent("phantoms").path
        let made = try CommandLineTests.run(["phantoms", "--count", "3", "--seed", "11", "--output", masks, "--png", pictures])
        #expect(made.status == 0, "\(made.error)")
        let png = directory.appendingPathComponent("phantoms/phantom-00001.png").path
        let garbage = directory.appendingPathComponent("garbage.png").path
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: URL(fileURLWithPath: garbage))
        let output = directory.appendingPathComponent("labels.h5").path
        let stressPictures = directory.appendingPathComponent("stress").path
        let run = try CommandLineTests.run(["label", png, garbage, masks, "--output", output, "--jobs", "2", "--png", stressPictures])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("labeled 4 of 5 masks"), "\(run.output)")

        let file = try HDF5File.open(at: output)
        defer { try? file.close() }
        #expect(try file.openDataset("stress").shape == [5, 64, 64])
        let status = try file.openDataset("status").read(as: Int32.self)
        #expect(status.count == 5 && status[1] == 1 && status.enumerated().allSatisfy { $0.offset == 1 || $0.element == 0 })
        let reasons = try file.openStringDataset("failure_reason").read()
        #expect(reasons[1].contains("garbage.png") && reasons[0].isEmpty)
        #expect(try file.openStringDataset("source").read() == ["phantom-00001.png", "garbage.png", "masks.h5[0]", "masks.h5[1]", "masks.h5[2]"])
        #expect(try file.openDataset("stress").attributes.string("units") == "kPa")
        // The PNG input and mask 1 of the HDF5 file are the same phantom: same label, same bytes.
        let stress = try file.openDataset("stress").read(as: Float.self)
        #expect(Array(stress[0..<4096]) == Array(stress[(3 * 4096)..<(4 * 4096)]))
        #expect(stress[0..<4096].max()! > 10)
        let written = try FileManager.default.contentsOfDirectory(atPath: stressPictures)
        #expect(written.count == 4)
    }

    @Test func meshesAMaskToGmshAndSolvesIt() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let mask = root.appendingPathComponent("data/phantoms/masks/phantom-00003.png").path
        let mesh = directory.appendingPathComponent("wall.msh").path
        let made = try CommandLineTests.run(["mesh", "--mask", mask, "--output", mesh])
        #expect(made.status == 0, "\(made.error)")
        let angle = made.output.components(separatedBy: "angles: min ").last?.split(separator: " ").first.flatMap { Double($0) }
        #expect((angle ?? 0) >= 25, "\(made.output)")
        let solved = try CommandLineTests.run(["solve", mesh, "--json"])
        #expect(solved.status == 0, "\(solved.error)")
        let empty = directory.appendingPathComponent("empty.png").path
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: URL(fileURLWithPath: empty))
        let bad = try CommandLineTests.run(["mesh", "--mask", empty, "--output", mesh])
        #expect(bad.status != 0 && bad.error.contains("empty.png"))
    }

    @Test func refusesToResumeAFileThatIsNotALabelFile() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("labels.h5").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: output))
        let masks = directory.appendingPathComponent("masks.h5").path
        #expect(try CommandLineTests.run(["phantoms", "--count", "1", "--seed", "1", "--output", masks]).status == 0)
        let run = try CommandLineTests.run(["label", masks, "--output", output])
        #expect(run.status != 0 && run.error.contains("cannot be resumed") && run.error.contains("--overwrite"), "\(run.error)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "x", "the file is left alone")
    }
}

/// The label file read from Python with h5py (docs/python/check_labels.py). Needs python3 with
/// h5py and numpy (`.ci/setup` installs them); fails without them unless PLAQUEFEM_SKIP_PYTHON=1.
@Suite struct LabelFilePythonTests {
    static let skipped = ProcessInfo.processInfo.environment["PLAQUEFEM_SKIP_PYTHON"] == "1"

    /// Runs `python3 docs/python/<name> arguments...` from the repository.
    static func runPythonScript(_ name: String, _ arguments: [String]) throws -> CommandLineTests.Run {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("docs/python/\(name)").path
        return try CommandLineTests.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script] + arguments)
    }

    @Test(.disabled(if: skipped, "PLAQUEFEM_SKIP_PYTHON=1"))
    func h5pyReadsTheLabelFile() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let masks = directory.appendingPathComponent("masks.h5").path, labels = directory.appendingPathComponent("labels.h5").path
        #expect(try CommandLineTests.run(["phantoms", "--count", "3", "--seed", "5", "--output", masks]).status == 0)
        #expect(try CommandLineTests.run(["label", masks, "--output", labels]).status == 0)
        let check = try Self.runPythonScript("check_labels.py", [labels])
        #expect(check.status == 0, "python3 + h5py check failed (pip install h5py numpy, or set PLAQUEFEM_SKIP_PYTHON=1): \(check.error)")
        #expect(check.output.contains("labels file OK: 3 rows, 3 labeled"), "\(check.output)")
    }
}
