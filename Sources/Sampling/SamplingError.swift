/// Why a sampling run, a latent step or an experiment could not go on.
public enum SamplingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An option is outside its valid range; `name` is the option, `reason` the rule it breaks.
    case invalidOption(name: String, reason: String)
    /// A network operation failed (shape mismatch, ...); the text is the Neural library's error.
    case network(String)
    /// Too many proposals of one round failed to be labeled; the run cannot fill its quota.
    case tooManyFailures(round: Int, attempts: Int, lastReason: String)
    /// The pool has fewer unselected samples than the round needs.
    case poolExhausted(requested: Int, remaining: Int)
    /// Arrays that must match do not (latent dimension, label count, image size).
    case mismatch(String)
    /// Writing or reading a result file failed; the text is the storage error.
    case storage(String)

    public var description: String {
        switch self {
        case .invalidOption(let name, let reason): "invalid option \(name): \(reason)"
        case .network(let text): "network error: \(text)"
        case .tooManyFailures(let round, let attempts, let reason):
            "round \(round): \(attempts) proposals failed to be labeled (last: \(reason))"
        case .poolExhausted(let requested, let remaining): "pool exhausted: \(requested) samples requested, \(remaining) left"
        case .mismatch(let text): "mismatch: \(text)"
        case .storage(let text): "storage error: \(text)"
        }
    }
}

/// Runs a throwing Neural call and rewraps its error as `SamplingError.network`.
@inline(__always)
func neural<T>(_ body: () throws -> T) throws(SamplingError) -> T {
    do { return try body() } catch { throw .network(String(describing: error)) }
}
