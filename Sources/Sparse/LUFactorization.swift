import CSuiteSparse

/// Fill-reducing ordering strategy of UMFPACK (`Control[UMFPACK_STRATEGY]`).
public enum LUOrderingStrategy: Sendable {
    /// UMFPACK chooses from the matrix: symmetric for (nearly) symmetric patterns with a zero-free diagonal.
    case automatic
    /// AMD on A + A^T with preference for diagonal pivots; suits symmetric indefinite (saddle-point) systems.
    case symmetric
    /// COLAMD on A with column elimination tree postordering; suits genuinely unsymmetric systems.
    case unsymmetric
}

/// Fill-reducing column ordering of UMFPACK (`Control[UMFPACK_ORDERING]`).
public enum LUFillReducingOrdering: Sendable {
    /// Approximate minimum degree (UMFPACK's default).
    case amd
    /// METIS nested dissection: less fill on 2D finite-element meshes.
    case metis
    /// Tries AMD, METIS and others and keeps the one with least fill (slower analysis).
    case best
}

/// Size and cost of an LU factorization.
public struct LUStatistics: Sendable, Equatable {
    /// Nonzeros of L.
    public var lowerNonzeros: Int
    /// Nonzeros of U.
    public var upperNonzeros: Int
    /// Floating-point operations of the numeric factorization.
    public var flops: Double
}

/// Sparse LU via UMFPACK (di): symbolic once per pattern, numeric many times. For symmetric indefinite and unsymmetric systems.
///
/// Computes P R^-1 A Q = L U (row scaling R, row/column permutations P and Q, partial pivoting).
/// The symbolic object (column ordering Q and supernodal bounds) depends only on the pattern
/// (UMFPACK reads the values of the first call only for statistics), so refactorizing with the
/// same values gives bitwise the same result as a fresh factorization.
///
/// Not thread-safe: use one instance from one thread at a time (distinct instances are independent).
public final class LUFactorization: SparseFactorization {
    /// The pattern the analysis is computed for; values passed to `factorize(_:)` align with it.
    public let pattern: SparsityPattern
    /// The ordering strategy passed to UMFPACK.
    public let strategy: LUOrderingStrategy
    /// The fill-reducing ordering passed to UMFPACK.
    public let ordering: LUFillReducingOrdering

    private var control: [Double]
    private var info: [Double]
    private var symbolic: UnsafeMutableRawPointer?
    private var numeric: UnsafeMutableRawPointer?
    /// Values of the current factorization; iterative refinement in the solve needs A itself.
    /// Holding the array is a reference-count increment, not a copy (the caller's next in-place
    /// write to its own array then copies it once, by copy-on-write).
    private var factorizedValues: [Double] = []
    /// Preallocated `umfpack_di_wsolve` workspaces: Wi has n entries, W has 5n.
    private var integerWorkspace: [Int32]
    private var realWorkspace: [Double]

    /// Whether the last `factorize(_:)` succeeded, so that `solve` may be called.
    public private(set) var isFactorized = false

    /// The matrix dimension n.
    public var dimension: Int { pattern.dimension }

    /// Maximum number of iterative refinement steps per solve (`Control[UMFPACK_IRSTEP]`); UMFPACK's default is 2.
    ///
    /// Each step costs about one extra solve plus two products with A; UMFPACK stops early once
    /// the componentwise backward error is at roundoff level. 0 disables refinement, which can be
    /// several times faster when the factor is accurate enough (e.g. inside a Newton iteration).
    public var iterativeRefinementSteps: Int {
        get { Int(control[Int(UMFPACK_IRSTEP)]) }
        set { control[Int(UMFPACK_IRSTEP)] = Double(max(0, newValue)) }
    }

    /// Prepares an LU factorization for the pattern; the symbolic analysis happens on the first `factorize(_:)`.
    ///
    /// Only sets UMFPACK's controls and allocates the solve workspaces; it does not currently
    /// throw (library errors surface in `factorize(_:)`), but keeps `throws` so that checks may be added.
    public init(
        pattern: SparsityPattern, strategy: LUOrderingStrategy = .automatic, ordering: LUFillReducingOrdering = .amd
    ) throws(SparseError) {
        self.pattern = pattern
        self.strategy = strategy
        self.ordering = ordering
        var control = [Double](repeating: 0, count: Int(UMFPACK_CONTROL))
        umfpack_di_defaults(&control)
        control[Int(UMFPACK_PRL)] = 0  // The library must never print.
        control[Int(UMFPACK_STRATEGY)] = switch strategy {
        case .automatic: Double(UMFPACK_STRATEGY_AUTO)
        case .symmetric: Double(UMFPACK_STRATEGY_SYMMETRIC)
        case .unsymmetric: Double(UMFPACK_STRATEGY_UNSYMMETRIC)
        }
        control[Int(UMFPACK_ORDERING)] = switch ordering {
        case .amd: Double(UMFPACK_ORDERING_AMD)
        case .metis: Double(UMFPACK_ORDERING_METIS)
        case .best: Double(UMFPACK_ORDERING_BEST)
        }
        self.control = control
        self.info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
        let n = pattern.dimension
        self.integerWorkspace = [Int32](repeating: 0, count: n)
        // Sized for refinement (5n) so that `iterativeRefinementSteps` can change at any time.
        self.realWorkspace = [Double](repeating: 0, count: 5 * n)
    }

    deinit {
        if numeric != nil { umfpack_di_free_numeric(&numeric) }
        if symbolic != nil { umfpack_di_free_symbolic(&symbolic) }
    }

    /// Numeric factorization. The symbolic analysis is computed lazily on the first call (UMFPACK's symbolic needs values) and reused afterwards.
    ///
    /// `values` align with `pattern`. Throws `dimensionMismatch` for a wrong count, `singular`
    /// for a structurally or numerically singular matrix, `outOfMemory`, or `solverFailure`.
    /// On failure `isFactorized` is false.
    public func factorize(_ values: [Double]) throws(SparseError) {
        guard values.count == pattern.nonzeroCount else {
            throw .dimensionMismatch(expected: pattern.nonzeroCount, actual: values.count)
        }
        isFactorized = false
        if numeric != nil { umfpack_di_free_numeric(&numeric) }
        factorizedValues = []
        let n = Int32(pattern.dimension)
        guard n > 0 else {
            isFactorized = true  // The empty matrix: nothing to factor.
            return
        }
        guard pattern.nonzeroCount > 0 else { throw .singular }

        let status: Int32 = pattern.columnStarts.withUnsafeBufferPointer { starts in
            pattern.rowIndices.withUnsafeBufferPointer { rows in
                values.withUnsafeBufferPointer { values in
                    if symbolic == nil {
                        let status = umfpack_di_symbolic(
                            n, n, starts.baseAddress, rows.baseAddress, values.baseAddress,
                            &symbolic, control, &info)
                        guard status == UMFPACK_OK else {
                            if symbolic != nil { umfpack_di_free_symbolic(&symbolic) }
                            return status
                        }
                    }
                    return umfpack_di_numeric(
                        starts.baseAddress, rows.baseAddress, values.baseAddress,
                        symbolic, &numeric, control, &info)
                }
            }
        }
        if status == UMFPACK_WARNING_singular_matrix {
            // UMFPACK still returns a (useless) factor; drop it so solve cannot divide by zero.
            if numeric != nil { umfpack_di_free_numeric(&numeric) }
            throw .singular
        }
        // Positive statuses other than singular are determinant under/overflow warnings: the factor is fine.
        guard status >= UMFPACK_OK else {
            if numeric != nil { umfpack_di_free_numeric(&numeric) }
            throw Self.error(status)
        }
        factorizedValues = values
        isFactorized = true
    }

    /// Solves A x = b into an existing array, which is resized to `dimension` only if needed.
    ///
    /// Uses `umfpack_di_wsolve` with preallocated workspaces and at most
    /// `iterativeRefinementSteps` steps of iterative refinement.
    /// Throws `dimensionMismatch` if `rhs.count != dimension`, `invalidMatrix` if not factorized.
    public func solve(_ rhs: [Double], into solution: inout [Double]) throws(SparseError) {
        try prepareSolve(rhs, into: &solution, isFactorized: isFactorized)
        let n = dimension
        guard n > 0 else { return }

        let status: Int32 = pattern.columnStarts.withUnsafeBufferPointer { starts in
            pattern.rowIndices.withUnsafeBufferPointer { rows in
                factorizedValues.withUnsafeBufferPointer { values in
                    rhs.withUnsafeBufferPointer { b in
                        solution.withUnsafeMutableBufferPointer { x in
                            umfpack_di_wsolve(
                                UMFPACK_A, starts.baseAddress, rows.baseAddress, values.baseAddress,
                                x.baseAddress, b.baseAddress, numeric, control, &info,
                                &integerWorkspace, &realWorkspace)
                        }
                    }
                }
            }
        }
        if status == UMFPACK_WARNING_singular_matrix { throw .singular }
        guard status >= UMFPACK_OK else { throw Self.error(status) }
    }

    /// Statistics of the last numeric factorization (UMFPACK's Info array): nonzeros of L and U
    /// (diagonal counted in both) and floating-point operations.
    public var statistics: LUStatistics {
        LUStatistics(
            lowerNonzeros: Int(info[Int(UMFPACK_LNZ)]), upperNonzeros: Int(info[Int(UMFPACK_UNZ)]),
            flops: info[Int(UMFPACK_FLOPS)])
    }

    private static func error(_ status: Int32) -> SparseError {
        status == UMFPACK_ERROR_out_of_memory
            ? .outOfMemory : .solverFailure(library: "UMFPACK", status: Int(status))
    }
}
