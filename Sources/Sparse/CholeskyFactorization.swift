import CSuiteSparse

/// What `CholeskyFactorization` computes.
public enum CholeskyMethod: Sendable, Equatable {
    /// Supernodal P A P^T = L L^T with dense BLAS kernels, CHOLMOD's default ordering choice (AMD, or
    /// METIS when AMD fills much): symmetric positive definite matrices only.
    case supernodalLLT
    /// Simplicial P A P^T = L D L^T without pivoting, AMD ordering: also symmetric indefinite matrices
    /// whose pivots in that order are nonzero, such as the saddle-point systems of mixed finite
    /// elements. No pivoting means no stability guarantee for indefinite matrices: check the backward
    /// error of the solution. Fastest for small 2D systems, where BLAS blocks are too small to pay.
    case simplicialLDLT
}

/// Sparse Cholesky A = L L^T (or L D L^T) via CHOLMOD: analyze once per pattern, refactorize many times.
/// Only the upper triangle of the given (full or upper) pattern is used (stype = 1).
///
/// The fill-reducing ordering P and the supernodal structure of L (with P A P^T = L L^T) are
/// computed once in `init(pattern:)`; `factorize(_:)` only redoes the numeric work, so it is
/// deterministic: the same values give bitwise the same factor, whatever was factorized before.
/// Entries below the diagonal are ignored, so A is taken as symmetric by construction.
///
/// Not thread-safe: use one instance from one thread at a time (distinct instances are independent).
public final class CholeskyFactorization: SparseFactorization {
    /// The pattern the analysis was computed for; values passed to `factorize(_:)` align with it.
    public let pattern: SparsityPattern
    /// The factorization computed.
    public let method: CholeskyMethod

    /// CHOLMOD's workspace and settings; heap-allocated so its address stays fixed for CHOLMOD.
    private let common: UnsafeMutablePointer<cholmod_common>
    /// Symbolic analysis, and after a successful `factorize(_:)` also the numeric factor.
    private var factor: UnsafeMutablePointer<cholmod_factor>?
    /// Solution and solve workspaces, allocated by CHOLMOD on the first solve and reused.
    private var solutionBuffer: UnsafeMutablePointer<cholmod_dense>?
    private var workspaceY: UnsafeMutablePointer<cholmod_dense>?
    private var workspaceE: UnsafeMutablePointer<cholmod_dense>?

    /// Whether the last `factorize(_:)` succeeded, so that `solve` may be called.
    public private(set) var isFactorized = false

    /// The matrix dimension n.
    public var dimension: Int { pattern.dimension }

    /// Nonzeros of L predicted by the analysis (fill-in included); a measure of factorization cost.
    public let factorNonzeroCount: Int

    /// Floating-point operations of one numeric factorization as predicted by the analysis
    /// (CHOLMOD's `fl`, counted for L L^T; L D L^T takes about the same).
    public let factorFlopCount: Double

    /// Analyzes the pattern: fill-reducing ordering and symbolic factorization (`cholmod_analyze`).
    ///
    /// Throws `outOfMemory` or `solverFailure` if CHOLMOD cannot analyze the pattern.
    public init(pattern: SparsityPattern, method: CholeskyMethod = .supernodalLLT) throws(SparseError) {
        let common = UnsafeMutablePointer<cholmod_common>.allocate(capacity: 1)
        guard cholmod_start(common) != 0 else {
            common.deallocate()
            throw .solverFailure(library: "CHOLMOD", status: -1)
        }
        // The library must never print: no messages, no error callback.
        common.pointee.print = 0
        common.pointee.error_handler = nil
        switch method {
        case .supernodalLLT:
            common.pointee.supernodal = CHOLMOD_SUPERNODAL
        case .simplicialLDLT:
            common.pointee.supernodal = CHOLMOD_SIMPLICIAL
            common.pointee.final_ll = 0
            // AMD alone: the same ordering every time. In the saddle-point tangents measured it put every
            // pressure after one of its displacements, so no pivot was zero (not guaranteed in general).
            common.pointee.nmethods = 1
            common.pointee.method.0.ordering = CHOLMOD_AMD
            common.pointee.postorder = 1
        }
        // Callers only need the failing column, not the partial factor CHOLMOD would otherwise finish.
        common.pointee.quick_return_if_not_posdef = 1

        var factor: UnsafeMutablePointer<cholmod_factor>?
        if pattern.dimension > 0 {
            factor = Self.withHeader(pattern: pattern, values: nil) { matrix in
                cholmod_analyze(matrix, common)
            }
            guard factor != nil else {
                let status = Int(common.pointee.status)
                cholmod_finish(common)
                common.deallocate()
                throw status == Int(CHOLMOD_OUT_OF_MEMORY)
                    ? .outOfMemory : .solverFailure(library: "CHOLMOD", status: status)
            }
        }
        // Nothing below may throw: deinit owns the C memory from here on.
        self.factorNonzeroCount = factor == nil ? 0 : Int(common.pointee.lnz)
        self.factorFlopCount = factor == nil ? 0 : common.pointee.fl
        self.pattern = pattern
        self.method = method
        self.common = common
        self.factor = factor
    }

    deinit {
        cholmod_free_dense(&solutionBuffer, common)
        cholmod_free_dense(&workspaceY, common)
        cholmod_free_dense(&workspaceE, common)
        cholmod_free_factor(&factor, common)
        cholmod_finish(common)
        common.deallocate()
    }

    /// Numeric factorization P A P^T = L L^T (or L D L^T) reusing the stored analysis (`cholmod_factorize`).
    ///
    /// `values` align with `pattern` (as in `SparseMatrix.values`); only entries with
    /// row ≤ column are read. Throws `dimensionMismatch` for a wrong count,
    /// `notPositiveDefinite(column:)` at the first failing column (L L^T: a pivot <= 0; L D L^T:
    /// a zero or NaN pivot), `singular` for a zero pivot, `outOfMemory`, or `solverFailure`.
    /// On failure `isFactorized` is false.
    public func factorize(_ values: [Double]) throws(SparseError) {
        guard values.count == pattern.nonzeroCount else {
            throw .dimensionMismatch(expected: pattern.nonzeroCount, actual: values.count)
        }
        isFactorized = false
        guard let factor else {
            isFactorized = true  // The empty matrix.
            return
        }
        guard pattern.nonzeroCount > 0 else { throw .notPositiveDefinite(column: 0) }

        let succeeded = values.withUnsafeBufferPointer { values in
            Self.withHeader(pattern: pattern, values: values.baseAddress) { matrix in
                cholmod_factorize(matrix, factor, common)
            }
        }
        let status = common.pointee.status
        let minor = factor.pointee.minor
        if status == CHOLMOD_OUT_OF_MEMORY { throw .outOfMemory }
        if status == CHOLMOD_NOT_POSDEF || minor < dimension { throw .notPositiveDefinite(column: minor) }
        if status == CHOLMOD_DSMALL { throw .singular }
        guard succeeded != 0, status >= CHOLMOD_OK else {
            throw .solverFailure(library: "CHOLMOD", status: Int(status))
        }
        isFactorized = true
    }

    /// Solves A x = b into an existing array, which is resized to `dimension` only if needed.
    ///
    /// Reuses CHOLMOD's solution and workspace buffers across calls (`cholmod_solve2`).
    /// Throws `dimensionMismatch` if `rhs.count != dimension`, `invalidMatrix` if not factorized.
    public func solve(_ rhs: [Double], into solution: inout [Double]) throws(SparseError) {
        try prepareSolve(rhs, into: &solution, isFactorized: isFactorized)
        let n = dimension
        guard let factor, n > 0 else { return }

        let succeeded = rhs.withUnsafeBufferPointer { rhs in
            // CHOLMOD only reads B, so pointing the header at the caller's buffer is safe.
            var b = cholmod_dense(
                nrow: n, ncol: 1, nzmax: n, d: n,
                x: UnsafeMutableRawPointer(mutating: rhs.baseAddress), z: nil,
                xtype: CHOLMOD_REAL, dtype: CHOLMOD_DOUBLE)
            return cholmod_solve2(
                CHOLMOD_A, factor, &b, nil, &solutionBuffer, nil, &workspaceY, &workspaceE, common)
        }
        guard succeeded != 0, let solutionBuffer, let x = solutionBuffer.pointee.x else {
            let status = Int(common.pointee.status)
            throw status == Int(CHOLMOD_OUT_OF_MEMORY)
                ? .outOfMemory : .solverFailure(library: "CHOLMOD", status: status)
        }
        // X is owned by CHOLMOD (it may reallocate it), so copy out rather than alias `solution`.
        let source = x.assumingMemoryBound(to: Double.self)
        solution.withUnsafeMutableBufferPointer { destination in
            destination.baseAddress!.update(from: source, count: n)
        }
    }

    /// Calls `body` with a non-owning CHOLMOD header over the pattern arrays and optional values.
    ///
    /// Without values the header has `xtype` pattern (enough for the analysis). CHOLMOD does not
    /// write through the header, so the const buffers may be exposed as mutable pointers.
    private static func withHeader<Result>(
        pattern: SparsityPattern,
        values: UnsafePointer<Double>?,
        _ body: (UnsafeMutablePointer<cholmod_sparse>) -> Result
    ) -> Result {
        pattern.columnStarts.withUnsafeBufferPointer { starts in
            pattern.rowIndices.withUnsafeBufferPointer { rows in
                var matrix = cholmod_sparse(
                    nrow: pattern.dimension, ncol: pattern.dimension, nzmax: pattern.nonzeroCount,
                    p: UnsafeMutableRawPointer(mutating: starts.baseAddress),
                    i: UnsafeMutableRawPointer(mutating: rows.baseAddress),
                    nz: nil,
                    x: values.map { UnsafeMutableRawPointer(mutating: $0) }, z: nil,
                    stype: 1, itype: CHOLMOD_INT,
                    xtype: values == nil ? CHOLMOD_PATTERN : CHOLMOD_REAL,
                    dtype: CHOLMOD_DOUBLE, sorted: 1, packed: 1)
                return body(&matrix)
            }
        }
    }
}
