import Sparse

/// The linear solver of the Newton systems of one mesh.
///
/// The mixed u/p tangent is symmetric (the follower pressure acts on a closed lumen) and indefinite
/// (zero pressure block). Below `ldltThreshold` equations it is factorized as L D L^T without
/// pivoting (CHOLMOD, simplicial, AMD ordering): half the flops of LU and, for the 2-5k unknowns of a
/// 64x64 mask, about 3.5x faster than UMFPACK (2.0 vs 7.1 ms per factorization, measured on a
/// phantom's tangent). Larger systems whose CHOLMOD factorization would be expensive are factorized as
/// L D L^T with threshold pivoting by MUMPS (multifrontal, BLAS-3 fronts, PORD ordering): 3 to 4 times
/// faster than UMFPACK LU with METIS from about 6k equations on (ring tangents, docs/benchmarks.md).
/// Which of the two pays depends on the mesh, not only its size (`prefersMultifrontal`). Every solution is checked by its normwise
/// backward error |A x - b|_inf / (|A|_inf |x|_inf + |b|_inf) against the full matrix (which also
/// catches a tangent that is not symmetric); a failed factorization (CHOLMOD: zero pivot; MUMPS: any
/// error) or a backward error above `backwardErrorLimit` switches this solver to UMFPACK LU
/// (symmetric strategy) for good.
final class TangentSolver {
    /// The method in use.
    enum Method: Equatable {
        /// CHOLMOD simplicial L D L^T without pivoting.
        case ldlt
        /// MUMPS multifrontal L D L^T with threshold pivoting.
        case multifrontal
        /// UMFPACK LU.
        case lu
    }

    /// Systems with fewer equations use CHOLMOD's L D L^T (ring tangent of 1,637 equations, one thread:
    /// CHOLMOD 1.5 ms per factorization, MUMPS 6.0 ms, and MUMPS's analysis costs 12 vs 0.7 ms).
    static let ldltThreshold = 4_000
    /// Systems from this size on use MUMPS without a CHOLMOD analysis first.
    static let multifrontalThreshold = 20_000
    /// In between, MUMPS is used when CHOLMOD's AMD analysis predicts more floating-point operations
    /// per factorization than this. CHOLMOD's simplicial L D L^T runs at about 2 GFLOP/s here, MUMPS
    /// costs 5-16 ms per factorization and 2-3 factorizations for its analysis at these sizes; measured
    /// break-even (one thread, factorizations per solve 7-8.5): IVUS contour meshes of 7,186 equations
    /// (22 M flops: CHOLMOD 11.4 ms, MUMPS 8.2 ms) are even, 8,242 equations (11 M flops: 8.5 vs 8.5 ms)
    /// favour CHOLMOD through MUMPS's analysis, the ring's 5,849 equations (26 M flops: 12.2 vs 5.4 ms)
    /// and the contour meshes of 8,773 equations (48 M: 22.5 vs 13.3 ms) favour MUMPS.
    static let multifrontalFlopThreshold = 20e6

    /// Whether a system of `dimension` equations whose CHOLMOD analysis (AMD) predicts
    /// `predictedFlops` per factorization should be factorized by MUMPS instead.
    static func prefersMultifrontal(dimension: Int, predictedFlops: Double) -> Bool {
        dimension >= multifrontalThreshold || (dimension >= ldltThreshold && predictedFlops > multifrontalFlopThreshold)
    }
    /// MUMPS's scaling: one equilibration from the first tangent of the solve, reused by every later
    /// factorization, instead of MUMPS's own scaling pass at every factorization. On the 35k-dof ring
    /// the factors are the same size (218 M flops, no delayed pivot either way) and a solve takes
    /// about 30 ms less CPU (docs/benchmarks.md, "A solver that scales").
    static let multifrontalScaling = SymmetricIndefiniteFactorization.Scaling.reusedFromFirstFactorization
    /// Largest accepted backward error of an L D L^T solution; a stable solve gives about 1e-15.
    static let backwardErrorLimit = 1e-11

    let pattern: SparsityPattern
    private(set) var method: Method
    /// Why L D L^T was abandoned, if it was.
    private(set) var fallbackReason: String?
    private var ldlt: CholeskyFactorization?
    private var multifrontal: SymmetricIndefiniteFactorization?
    private var lu: LUFactorization?
    /// The matrix last factorized, and its infinity norm, for the backward error check.
    private var factorized: SparseMatrix
    private var factorizedNorm = 0.0
    private var product: [Double] = []

    init(pattern: SparsityPattern, preferredMethod: Method? = nil) throws(SparseError) {
        self.pattern = pattern
        factorized = SparseMatrix(pattern: pattern)
        let n = pattern.dimension
        var method = preferredMethod ?? (n < Self.ldltThreshold ? .ldlt : n >= Self.multifrontalThreshold ? .multifrontal : nil)
        if method == nil || method == .ldlt {
            let cholesky = try CholeskyFactorization(pattern: pattern, method: .simplicialLDLT)
            if method == nil, Self.prefersMultifrontal(dimension: n, predictedFlops: cholesky.factorFlopCount) {
                method = .multifrontal
            } else {
                method = .ldlt
                ldlt = cholesky
            }
        }
        if method == .multifrontal { multifrontal = try SymmetricIndefiniteFactorization(pattern: pattern, scaling: Self.multifrontalScaling) }
        self.method = method!
    }

    /// What the report says about the solver.
    var description: String {
        switch method {
        case .ldlt:
            "CHOLMOD L D L^T (simplicial, AMD ordering, no pivoting) of the symmetric indefinite u/p tangent, "
                + "each solution checked by its backward error"
        case .multifrontal:
            "MUMPS L D L^T (multifrontal, PORD ordering, threshold pivoting) of the symmetric indefinite u/p tangent, "
                + "each solution checked by its backward error"
        case .lu:
            "UMFPACK LU, symmetric strategy, \(Self.luOrdering(pattern) == .metis ? "METIS" : "AMD") ordering"
                + (fallbackReason.map { " (L D L^T abandoned: \($0))" } ?? "")
        }
    }

    /// LU systems from this size on are ordered by METIS, smaller ones by AMD: METIS's smaller factors
    /// pay from about 12k equations (`plaquefem-bench ring`, medians of 3: 13,108 dofs 435 vs 461 ms
    /// per solve); below that AMD's cheaper analysis wins (9,120 dofs: 280 vs 319 ms).
    static let metisOrderingThreshold = 11_000

    static func luOrdering(_ pattern: SparsityPattern) -> LUFillReducingOrdering {
        pattern.dimension < metisOrderingThreshold ? .amd : .metis
    }

    /// Factorizes the tangent `values` (aligned with `pattern`).
    func factorize(_ values: [Double]) throws(SparseError) {
        factorized = try SparseMatrix(pattern: pattern, values: values)
        if method == .ldlt, let ldlt {
            do {
                try ldlt.factorize(values)
                factorizedNorm = factorized.infinityNorm
                return
            } catch .notPositiveDefinite(let column) {
                abandonLDLT("zero pivot at column \(column) of the AMD order")
            }
        }
        if method == .multifrontal, let multifrontal {
            do {
                try multifrontal.factorize(values)
                factorizedNorm = factorized.infinityNorm
                return
            } catch {
                abandonLDLT("MUMPS: \(error)")
            }
        }
        try luFactorization().factorize(values)
    }

    /// Solves A x = rhs with the last factorization.
    func solve(_ rhs: [Double], into solution: inout [Double]) throws(SparseError) {
        if method != .lu {
            if let ldlt {
                try ldlt.solve(rhs, into: &solution)
            } else if let multifrontal {
                try multifrontal.solve(rhs, into: &solution)
            }
            let error = backwardError(solution, rhs)
            guard !(error <= Self.backwardErrorLimit) else { return }
            abandonLDLT("backward error \(error) above \(Self.backwardErrorLimit)")
            try luFactorization().factorize(factorized.values)
        }
        try luFactorization().solve(rhs, into: &solution)
    }

    private func abandonLDLT(_ reason: String) {
        method = .lu
        fallbackReason = reason
        ldlt = nil
        multifrontal = nil
    }

    private func luFactorization() throws(SparseError) -> LUFactorization {
        if let lu { return lu }
        let made = try LUFactorization(pattern: pattern, strategy: .symmetric, ordering: Self.luOrdering(pattern))
        // Newton corrects any error of the step itself, so UMFPACK's refinement steps are wasted work.
        made.iterativeRefinementSteps = 0
        lu = made
        return made
    }

    /// |A x - b|_inf / (|A|_inf |x|_inf + |b|_inf) with the full (both triangles) factorized matrix; NaN stays NaN.
    private func backwardError(_ x: [Double], _ b: [Double]) -> Double {
        factorized.multiply(x, into: &product)
        let n = pattern.dimension
        var residual = 0.0, xNorm = 0.0, bNorm = 0.0
        for i in 0..<n {
            let r = abs(product[i] - b[i])
            residual = r > residual || r.isNaN ? r : residual
            xNorm = max(xNorm, abs(x[i]))
            bNorm = max(bNorm, abs(b[i]))
        }
        return residual == 0 ? 0 : residual / (factorizedNorm * xNorm + bNorm)
    }
}
