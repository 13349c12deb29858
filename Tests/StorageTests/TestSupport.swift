import Foundation
import Storage
import Testing

/// Temporary files for tests: one directory per test process, unique names per call.
enum TestFiles {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("plaquefem-storage-tests")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// A fresh path that does not exist yet.
    static func path(_ name: String, extension fileExtension: String = "h5") -> String {
        directory.appendingPathComponent("\(name)-\(UUID().uuidString).\(fileExtension)").path
    }

    /// Removes a file, ignoring errors.
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A python3 that imports h5py and numpy; nil after recording an issue that says how to get one
/// (or, with PLAQUEFEM_SKIP_PYTHON=1, nil without one).
func pythonWithH5py() throws -> String? {
    guard ProcessInfo.processInfo.environment["PLAQUEFEM_SKIP_PYTHON"] != "1" else { return nil }
    guard let python = findExecutable("python3") else {
        Issue.record("python3 not found; install Python 3 and `pip install h5py`, or set PLAQUEFEM_SKIP_PYTHON=1")
        return nil
    }
    let probe = try runProcess(python, ["-c", "import h5py, numpy"])
    guard probe.status == 0 else {
        Issue.record("h5py is not importable by \(python): pip install h5py (or set PLAQUEFEM_SKIP_PYTHON=1). \(probe.standardError)")
        return nil
    }
    return python
}

/// The result of running a child process to completion.
struct ProcessOutput {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs an executable with arguments and collects its output.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment {
        process.environment = environment
    }
    let outputPath = TestFiles.path("stdout", extension: "txt")
    let errorPath = TestFiles.path("stderr", extension: "txt")
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer {
        TestFiles.remove(outputPath)
        TestFiles.remove(errorPath)
    }
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    let error = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    process.standardOutput = output
    process.standardError = error
    try startProcess(process)
    process.waitUntilExit()
    try output.close()
    try error.close()
    return ProcessOutput(
        status: process.terminationStatus,
        standardOutput: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
        standardError: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
}

/// Starts a child process while no HDF5 file is being opened in this process, so that the
/// child cannot inherit an HDF5 file descriptor (and its file lock) from a concurrent test.
func startProcess(_ process: Process) throws {
    try HDF5File.withLibraryLock { () throws in
        try process.run()
    }
}

/// Finds an executable on PATH.
func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
    }
    return nil
}
