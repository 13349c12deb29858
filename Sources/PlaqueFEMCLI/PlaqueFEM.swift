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
/// forever): libhdf5 1.10 loops forever on a damaged global heap (docs/reliability.md). Reads come
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
