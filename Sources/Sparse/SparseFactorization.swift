/// A factorization of a square sparse matrix A that solves A x = b (CHOLMOD, UMFPACK, MUMPS).
///
/// Conformers implement `solve(_:into:)`; `solve(_:)` and the argument checks are shared.
public protocol SparseFactorization: AnyObject {
    /// Number of rows and columns of A.
    var dimension: Int { get }
    /// Solves A x = b into `solution`, resized to `dimension` only if needed.
    func solve(_ rhs: [Double], into solution: inout [Double]) throws(SparseError)
}

extension SparseFactorization {
    /// Solves A x = b with the current factors; returns x.
    ///
    /// Throws `dimensionMismatch` if `rhs.count != dimension`, `invalidMatrix` if not factorized.
    public func solve(_ rhs: [Double]) throws(SparseError) -> [Double] {
        var solution = [Double](repeating: 0, count: dimension)
        try solve(rhs, into: &solution)
        return solution
    }

    /// The checks every `solve(_:into:)` starts with: factors present, `rhs` of length `dimension`;
    /// sizes `solution` to `dimension`.
    func prepareSolve(_ rhs: [Double], into solution: inout [Double], isFactorized: Bool) throws(SparseError) {
        guard isFactorized else { throw .invalidMatrix("solve called before a successful factorize") }
        guard rhs.count == dimension else { throw .dimensionMismatch(expected: dimension, actual: rhs.count) }
        if solution.count != dimension { solution = [Double](repeating: 0, count: dimension) }
    }
}
