import Foundation
import Synchronization

/// A deadline for reads of variable-length strings, the last resort should libhdf5 hang in one.
///
/// libhdf5 1.10.8 (Debian 12) loops forever on a damaged global heap collection (a free-space
/// object of size 0; `H5HG_read`, found by fuzzing, docs/reliability.md), holding the library's
/// lock, with no way to interrupt the call from outside. Strings are now read out of the heap by
/// `GlobalHeapStrings`, which checks every size, so no known input reaches that loop; the watchdog
/// stays for what the checks do not cover. It cannot interrupt a call; it turns a hang into a
/// report: when a read of variable-length strings has not returned after `timeLimit` seconds, the
/// installed handler is called (on another thread) with a message naming the file and object. The
/// executable's handler prints it and ends the process; this library only reports. Reads of
/// fixed-size data are not watched: their time grows with their size.
///
/// The same heap damage made libhdf5 copy far past its buffer and crash (a segmentation fault in
/// `H5HG_read`). While a watched read runs, `crashReport` holds a message naming it, readable from a
/// signal handler (a plain C string, no allocation), so that the executable can say what crashed.
public enum HDF5ReadWatchdog {
    private struct Settings {
        var timeLimit: Double
        var handler: @Sendable (String) -> Void
    }

    private static let settings = Mutex<Settings?>(nil)

    /// Calls `handler` with a message when a variable-length string read runs longer than
    /// `timeLimit` seconds (positive and finite; otherwise the watchdog is switched off). The read
    /// itself goes on (it cannot be stopped): the handler is expected to end the process.
    public static func install(timeLimit: Double, handler: @escaping @Sendable (String) -> Void) {
        settings.withLock { $0 = timeLimit > 0 && timeLimit.isFinite ? Settings(timeLimit: timeLimit, handler: handler) : nil }
    }

    /// Switches the watchdog off.
    public static func remove() {
        settings.withLock { $0 = nil }
    }

    /// Capacity of the crash report, bytes (longer reports are cut).
    private static let reportCapacity = 4096
    /// The crash report's storage, allocated once and never freed (a signal handler may read it);
    /// written only under the library's lock, one read at a time.
    nonisolated(unsafe) private static let reportBuffer: UnsafeMutablePointer<CChar> = {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: reportCapacity)
        buffer.initialize(repeating: 0, count: reportCapacity)
        return buffer
    }()
    /// Whether a watched read is running (then `reportBuffer` names it).
    private static let reading = Atomic<Bool>(false)

    /// While a watched read runs: a NUL-terminated message naming it ("libhdf5 crashed in ... of
    /// OBJECT in FILE; the file is probably damaged"); nil otherwise. Safe to read from
    /// a signal handler once `prepareCrashReport()` has run (no allocation, no lock).
    public static var crashReport: UnsafePointer<CChar>? {
        reading.load(ordering: .acquiring) ? UnsafePointer(reportBuffer) : nil
    }

    /// Allocates the crash report's storage now, so that a signal handler never initializes it.
    public static func prepareCrashReport() {
        _ = reportBuffer
        _ = reading.load(ordering: .relaxed)
    }

    /// Whether a read has finished; shared with the deadline's closure.
    private final class Completion: Sendable {
        let finished = Atomic<Bool>(false)
    }

    /// Runs `read` (a libhdf5 call that reads variable-length strings at `location`) under the deadline.
    static func watch<Result>(_ location: ObjectLocation, _ operation: String, _ read: () -> Result) -> Result {
        let what = "\(operation) (variable-length strings of \(location.objectPath) in \(location.filePath))"
        // Reads run one at a time (under the library's lock), so one report buffer serves them all;
        // its last byte stays 0, so a cut report is still terminated.
        "libhdf5 crashed in \(what); the file is probably damaged".withCString { _ = strncpy(reportBuffer, $0, reportCapacity - 1) }
        reading.store(true, ordering: .releasing)
        defer { reading.store(false, ordering: .releasing) }
        guard let current = settings.withLock({ $0 }) else { return read() }
        let completion = Completion()
        let limit = current.timeLimit, handler = current.handler
        DispatchQueue.global().asyncAfter(deadline: .now() + limit) {
            guard !completion.finished.load(ordering: .acquiring) else { return }
            handler("libhdf5 did not return within \(limit) s from \(what); the file is probably damaged (libhdf5 1.10 loops forever on some damaged files)")
        }
        defer { completion.finished.store(true, ordering: .releasing) }
        return read()
    }
}
