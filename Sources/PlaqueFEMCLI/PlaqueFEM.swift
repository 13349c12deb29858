import ArgumentParser
import Foundation
import CMalloc
import Neural
import Sparse
import Storage

/// The `plaquefem` command: finite-element labeling of vessel-wall masks and its verification.
@main
struct PlaqueFEMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plaquefem",
        abstract: "Structural stress of coronary vessel walls by incompressible hyperelastic finite elements.",
        version: PlaqueFEMVersion.string,
        subcommands: [
            LabelCommand.self, PhantomsCommand.self, InspectCommand.self, ExportCommand.self, MergeCommand.self,
            Verify.self, SolveCommand.self, MeshCommand.self, SurrogateCommand.self, PredictCommand.self, VAECommand.self,
            ExperimentCommand.self, DemoCommand.self,
        ]
    )

    /// Runs the command with BLAS (and CHOLMOD's OpenMP) on one thread unless PLAQUEFEM_BLAS_THREADS says otherwise:
    /// on this 2-core class of machine a second thread brings nothing for 2D factorizations.
    static func main() {
        let threads = ProcessInfo.processInfo.environment["PLAQUEFEM_BLAS_THREADS"].flatMap(Int.init) ?? 1
        BLASThreads.set(threads)
        setBLASThreadCount(threads)
        keepLargeAllocationsOnTheHeap()
        stopOnStalledHDF5Reads()
        reportCrashesInHDF5Reads()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// Ends the process with a message (exit status 4) when libhdf5 does not return from reading a
/// file's variable-length strings within PLAQUEFEM_HDF5_READ_TIMEOUT seconds (default 60; 0: wait
/// forever), the last resort should libhdf5 1.10 hang there (it looped forever on a damaged global
/// heap before strings were read by our checked reader; docs/reliability.md). Reads come
/// before writes in every command, and label files keep their last committed rows, so stopping
/// here loses nothing that was written.
func stopOnStalledHDF5Reads() {
    let seconds = ProcessInfo.processInfo.environment["PLAQUEFEM_HDF5_READ_TIMEOUT"].flatMap(Double.init) ?? 60
    HDF5ReadWatchdog.install(timeLimit: seconds) { message in
        FileHandle.standardError.write(Data(("error: " + message + ". Stopped; files already written keep their last committed rows."
            + " (PLAQUEFEM_HDF5_READ_TIMEOUT sets the limit in seconds.)\n").utf8))
        _exit(4)
    }
}

/// The actions that were installed for SIGSEGV, SIGBUS and SIGFPE before ours (Swift's crash reporter).
nonisolated(unsafe) private var previousCrashActions: [sigaction] = [sigaction(), sigaction(), sigaction()]
private let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGFPE]

/// Says which file made libhdf5 crash in a string read, and exits with status 4: the last resort should
/// libhdf5 1.10 crash there (it copied past its buffer on a damaged global heap before strings were
/// read by our checked reader; docs/reliability.md). A crash anywhere else goes to the handler that was
/// there before (re-raised), so Swift's crash report is kept.
/// The handler only reads a prepared C string, writes it and exits (async-signal-safe calls).
func reportCrashesInHDF5Reads() {
    HDF5ReadWatchdog.prepareCrashReport()
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { signal in
        if let report = HDF5ReadWatchdog.crashReport {
            let prefix = "error: ", suffix = ". Stopped; files already written keep their last committed rows.\n"
            _ = prefix.withCString { write(2, $0, strlen($0)) }
            _ = write(2, report, strlen(report))
            _ = suffix.withCString { write(2, $0, strlen($0)) }
            _exit(4)
        }
        // Not in a watched read: give the signal back to the previous handler. Raised now, it is
        // delivered when this handler returns, at the interrupted instruction (a fault would recur
        // there anyway; a signal sent by kill would otherwise be lost).
        if let index = crashSignals.firstIndex(of: signal) { _ = sigaction(signal, &previousCrashActions[index], nil) }
        _ = raise(signal)
    }
    sigemptyset(&action.sa_mask)
    action.sa_flags = SA_ONSTACK  // runs on the alternate stack, if the runtime set one up, as after a stack overflow
    for (index, signal) in crashSignals.enumerated() { _ = sigaction(signal, &action, &previousCrashActions[index]) }
}

/// Keeps the sparse factorizations' large work arrays on the malloc heap instead of fresh mmap
/// pages that are zeroed by the kernel at every Newton iteration (about 15 % of a solve).
func keepLargeAllocationsOnTheHeap() {
    _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
    _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
}

/// A JSON encoder with sorted keys, so that the same options always give the same bytes.
let sortedJSONEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
}()

/// The software version recorded with every result.
enum PlaqueFEMVersion {
    static let string = "0.1.0"
}
