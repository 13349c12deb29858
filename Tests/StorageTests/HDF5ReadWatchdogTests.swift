import Dispatch
import Foundation
@testable import Storage
import Testing

/// The watchdog around variable-length string reads: the last resort should libhdf5 hang or crash
/// in a read that the checked heap reader does not cover. Its deadline is checked without timing:
/// the "stalled" read waits until the handler has run.
@Suite(.serialized) struct HDF5ReadWatchdogTests {
    final class Messages: @unchecked Sendable {
        let lock = NSLock()
        var values: [String] = []
        func append(_ message: String) { lock.withLock { values.append(message) } }
        var all: [String] { lock.withLock { values } }
    }

    @Test func aReadPastTheDeadlineIsReportedWithItsObjectAndFile() {
        let messages = Messages()
        let handled = DispatchSemaphore(value: 0)
        // Other suites' reads may run meanwhile (and be slow under load): only this read counts.
        HDF5ReadWatchdog.install(timeLimit: 0.05) { message in
            guard message.contains("damaged.h5") else { return }
            messages.append(message)
            handled.signal()
        }
        defer { HDF5ReadWatchdog.remove() }
        let location = ObjectLocation(filePath: "damaged.h5", objectPath: "/")
        // Stalls until the handler has reported it (60 s backstop, never reached when it works).
        let reported = HDF5ReadWatchdog.watch(location, "read attribute 'format'") {
            handled.wait(timeout: .now() + 60) == .success
        }
        #expect(reported)
        #expect(messages.all.count == 1)
        #expect(messages.all.first?.contains("did not return within 0.05 s from read attribute 'format' (variable-length strings of / in damaged.h5)") == true,
                "\(messages.all)")
    }

    @Test func aReadThatReturnsInTimeIsNotReported() {
        let messages = Messages()
        HDF5ReadWatchdog.install(timeLimit: 3_600) { message in
            if message.contains("f.h5") { messages.append(message) }
        }
        defer { HDF5ReadWatchdog.remove() }
        let value = HDF5ReadWatchdog.watch(ObjectLocation(filePath: "f.h5", objectPath: "/x"), "read") { 42 }
        #expect(value == 42)
        #expect(messages.all.isEmpty)
    }

    @Test func theCrashReportNamesTheRunningReadOnlyWhileItRuns() {
        HDF5ReadWatchdog.prepareCrashReport()
        #expect(HDF5ReadWatchdog.crashReport == nil)
        let during = HDF5ReadWatchdog.watch(ObjectLocation(filePath: "labels.h5", objectPath: "/sources"), "read rows") {
            HDF5ReadWatchdog.crashReport.map { String(cString: $0) }
        }
        #expect(during == "libhdf5 crashed in read rows (variable-length strings of /sources in labels.h5); the file is probably damaged")
        #expect(HDF5ReadWatchdog.crashReport == nil)
    }
}
