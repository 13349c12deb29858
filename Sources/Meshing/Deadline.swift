import Foundation

/// When a long computation should give up: an instant on the continuous clock that the mesher's and
/// the solver's loops check every so many iterations (cheaply: one clock read, none without a
/// limit), throwing their typed time-limit errors once it has passed.
///
/// Cooperative: no thread is ever stopped from outside, so work that does not check (a sparse
/// factorization inside SuiteSparse or MUMPS) runs to its end before the next check sees the
/// deadline. It lives in `Meshing`, the lowest module whose loops check it; `FEM` and `Labeling`
/// pass the same value on.
public struct Deadline: Sendable {
    /// The instant from which on `isExpired` is true; nil is never.
    public let instant: ContinuousClock.Instant?
    /// The time limit this deadline was made from (seconds), for messages; nil when it was given
    /// as an instant.
    public let seconds: Double?
    /// Counts the checks, and may end the deadline after a number of them (tests, measurements).
    public let probe: DeadlineProbe?

    /// No deadline: `isExpired` is always false.
    public static let never = Deadline(nil)

    /// A deadline at `instant` (nil: never), watched by `probe` if given.
    public init(_ instant: ContinuousClock.Instant?, probe: DeadlineProbe? = nil) {
        self.instant = instant
        self.seconds = nil
        self.probe = probe
    }

    /// A deadline `seconds` after `start` (nil: never; limits beyond 30 years count as none, as a
    /// `Duration` cannot hold every Double), watched by `probe` if given.
    public init(seconds: Double?, after start: ContinuousClock.Instant = .now, probe: DeadlineProbe? = nil) {
        if let seconds, seconds < 1e9 {
            instant = start + .seconds(max(seconds, 0))
        } else {
            instant = nil
        }
        self.seconds = seconds
        self.probe = probe
    }

    /// The earlier of this deadline and `other` (with its `seconds`), watched by this deadline's
    /// probe or else by `other`'s.
    public func earlier(_ other: Deadline) -> Deadline {
        let takesOther = switch (instant, other.instant) {
        case (let a?, let b?): b < a
        case (nil, _?): true
        case (_, nil): false
        }
        let chosen = takesOther ? other : self
        return Deadline(instant: chosen.instant, seconds: chosen.seconds, probe: probe ?? other.probe)
    }

    private init(instant: ContinuousClock.Instant?, seconds: Double?, probe: DeadlineProbe?) {
        self.instant = instant
        self.seconds = seconds
        self.probe = probe
    }

    /// Whether the deadline has passed (or the probe has ended it). Each call is one check; `file`
    /// and `line` name the check for the probe's record of the longest span between checks.
    public func isExpired(file: StaticString = #fileID, line: UInt = #line) -> Bool {
        if let probe, probe.check(file: file, line: line) { return true }
        guard let instant else { return false }
        return ContinuousClock.now >= instant
    }
}

/// Watches the checks of a `Deadline`: counts them, can make the deadline expire at a given check
/// (so tests prove deterministically, without a clock, that a loop checks from inside), and records
/// the longest wall-clock span between two successive checks (what a time limit can overrun by),
/// overall and for each pair of check sites.
/// Thread-safe; one probe per computation gives meaningful spans.
public final class DeadlineProbe: @unchecked Sendable {
    /// The longest span between two successive checks.
    public struct Span: Sendable, CustomStringConvertible {
        /// Its length (seconds).
        public var seconds: Double
        /// The check that started it (`file:line`; "start" for the probe's creation).
        public var from: String
        /// The check that ended it (`file:line`).
        public var to: String

        public var description: String { String(format: "%.4f s from %@ to %@", seconds, from, to) }
    }

    private let lock = NSLock()
    private let expiresAtCheck: Int?
    private var count = 0
    private var lastCheck: (instant: ContinuousClock.Instant, site: String)
    private var longest: Span?
    private var longestBySites: [String: Span] = [:]

    /// A probe; with `expiringAfterChecks` n, the deadline expires at check n + 1 and stays expired
    /// (0: at the first check).
    public init(expiringAfterChecks: Int? = nil) {
        expiresAtCheck = expiringAfterChecks.map { max($0, 0) + 1 }
        lastCheck = (ContinuousClock.now, "start")
    }

    /// Checks made so far.
    public var checks: Int { lock.withLock { count } }

    /// The longest span between successive checks so far (from the probe's creation to the first
    /// check counts too); nil before the first check.
    public var longestSpan: Span? { lock.withLock { longest } }

    /// The longest span between each pair of successive check sites seen so far, longest first.
    public var longestSpansBySites: [Span] { lock.withLock { longestBySites.values.sorted { $0.seconds > $1.seconds } } }

    /// Counts one check at `file:line`; true when the deadline is to expire now.
    func check(file: StaticString, line: UInt) -> Bool {
        let now = ContinuousClock.now
        return lock.withLock {
            count += 1
            let (seconds, attoseconds) = (now - lastCheck.instant).components
            let span = Double(seconds) + Double(attoseconds) * 1e-18
            let site = "\(file):\(line)"
            let current = Span(seconds: span, from: lastCheck.site, to: site)
            if span > longest?.seconds ?? -1 { longest = current }
            let key = lastCheck.site + " " + site
            if span > longestBySites[key]?.seconds ?? -1 { longestBySites[key] = current }
            lastCheck = (now, site)
            return expiresAtCheck.map { count >= $0 } ?? false
        }
    }
}

extension Deadline {
    /// Throws `MeshError.timeLimitExceeded` naming `step` once the deadline has passed.
    @inline(__always)
    func check(during step: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) throws(MeshError) {
        if isExpired(file: file, line: line) { throw .timeLimitExceeded(during: step()) }
    }
}
