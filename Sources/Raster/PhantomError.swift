/// Why a `PhantomGenerator` cannot be created.
public enum PhantomError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The grid cannot hold the distribution's vessels, or its pixels are too coarse for the
    /// thinnest walls to pass validation.
    case unsupportedGrid(reason: String)
    /// The distribution is invalid (empty or out-of-range parameters).
    case invalidDistribution(reason: String)

    /// One-sentence explanation.
    public var description: String {
        switch self {
        case let .unsupportedGrid(reason): "unsupported phantom grid: \(reason)"
        case let .invalidDistribution(reason): "invalid phantom distribution: \(reason)"
        }
    }
}
