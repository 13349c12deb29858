import Foundation

/// A one-line progress bar with rate and ETA on standard error.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var nextMilestone = 1

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    /// Redraws at most ten times a second (and always at the end); call under the caller's lock.
    func update(done: Int, failed: Int) {
        let now = ContinuousClock.now
        // Without a terminal (logs, CI) print a line at every 10 % instead of redrawing.
        if !isTerminal {
            guard done == total || done * 10 >= nextMilestone * total else { return }
            while nextMilestone * total <= done * 10 { nextMilestone += 1 }
        } else {
            guard done == total || now - lastDraw >= .milliseconds(100) else { return }
        }
        lastDraw = now
        let elapsed = max(1e-9, seconds(now - start))
        let rate = Double(done) / elapsed
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
        let line = String(format: "%@ [%@] %d/%d  %.1f/s  ETA %@  failed %d", label, bar, done, total, rate, format(eta), failed)
        let text = isTerminal ? "\r" + line + (done == total ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    private func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) * 1e-18
    }

    private func format(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
