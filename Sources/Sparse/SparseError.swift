/// Errors of sparse assembly and factorization.
public enum SparseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A size did not match: an array length, a dimension or a count of values.
    case dimensionMismatch(expected: Int, actual: Int)
    /// An entry lies outside the `dimension` × `dimension` matrix.
    case indexOutOfRange(row: Int, column: Int, dimension: Int)
    /// CHOLMOD found a leading minor that is not positive definite; `column` is where the factorization stopped (`L->minor`).
    ///
    /// The column counts in the factor's pivot order (of P A Pᵀ), not in the original numbering.
    case notPositiveDefinite(column: Int)
    /// UMFPACK found the matrix singular, or CHOLMOD met a zero pivot.
    case singular
    /// The library could not allocate memory.
    case outOfMemory
    /// The input violates a structural requirement; the message says which.
    case invalidMatrix(String)
    /// Any other failure reported by `library` with its raw `status` code.
    case solverFailure(library: String, status: Int)

    /// A one-line human-readable description.
    public var description: String {
        switch self {
        case let .dimensionMismatch(expected, actual):
            "dimension mismatch: expected \(expected), got \(actual)"
        case let .indexOutOfRange(row, column, dimension):
            "entry (\(row), \(column)) out of range for dimension \(dimension)"
        case let .notPositiveDefinite(column):
            "matrix not positive definite (factorization failed at column \(column))"
        case .singular:
            "matrix is singular"
        case .outOfMemory:
            "out of memory"
        case let .invalidMatrix(message):
            "invalid matrix: \(message)"
        case let .solverFailure(library, status):
            "\(library) failed with status \(status)"
        }
    }
}
