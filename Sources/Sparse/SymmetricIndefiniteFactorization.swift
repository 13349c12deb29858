import CMUMPS
import Foundation

/// Sparse symmetric indefinite factorization P A P^T = L D L^T with threshold pivoting, by MUMPS
/// (sequential, multifrontal with dense BLAS-3 fronts; D has 1x1 and 2x2 blocks).
///
/// Meant for the saddle-point systems of mixed finite elements (symmetric, with a zero block), where
/// pivoting makes the factorization stable and the BLAS fronts make it fast from a few thousand
/// unknowns on. Analyze once per pattern (`init(pattern:)`: PORD nested-dissection ordering and
/// symbolic factorization from the structure alone), then `factorize(_:)` as often as the values
/// change and `solve(_:into:)` per right-hand side. Only entries with row <= column of the pattern
/// are read: A is taken as symmetric by construction.
///
/// Measured on ring tangents of the u/p formulation (one thread, docs/benchmarks.md): 35,517
/// equations factor in about 50 ms (UMFPACK LU with METIS: 190 ms; CHOLMOD simplicial L D L^T: 150 ms).
///
/// Not thread-safe for one instance. Distinct instances may be used from different threads: calls
/// into MUMPS are serialized by a process-wide lock, because MUMPS's C interface (mumps_c.c) hands
/// the scaling, the permutations and the null-pivot list back through file-level static variables
/// (`DMUMPS_COLSCA_STATIC`, `mumps_get_sym_perm`, ...), shared by all instances of the process.
public final class SymmetricIndefiniteFactorization: SparseFactorization {
    /// The pattern the analysis was computed for; values passed to `factorize(_:)` align with it.
    public let pattern: SparsityPattern

    /// MUMPS's instance: settings, analysis and factors. Heap-allocated so its address stays fixed.
    private let instance: UnsafeMutablePointer<DMUMPS_STRUC_C>
    /// Upper-triangle entries in MUMPS's 1-based coordinate format, owned here for the instance's lifetime.
    private let rowNumbers: UnsafeMutablePointer<Int32>
    private let columnNumbers: UnsafeMutablePointer<Int32>
    private let entryValues: UnsafeMutablePointer<Double>
    /// Right-hand side on entry of a solve, the solution on return.
    private let rightHandSide: UnsafeMutablePointer<Double>
    /// The symmetric scaling D of `Scaling.reusedFromFirstFactorization` (MUMPS factors D A D), once computed.
    private var scale: [Double] = []
    /// Position in `pattern.values` of each coordinate entry.
    private let sourceIndex: [Int]
    private let entryCount: Int

    /// Whether the last `factorize(_:)` succeeded, so that `solve` may be called.
    public private(set) var isFactorized = false

    /// The matrix dimension n.
    public var dimension: Int { pattern.dimension }

    /// Entries of the factors predicted by the analysis (MUMPS INFOG(20)); a measure of the cost.
    public private(set) var estimatedFactorEntryCount = 0

    /// Entries of the factors of the last factorization (INFOG(29)), 0 before one succeeded.
    public private(set) var factorEntryCount = 0

    /// Negative pivots of the last factorization (INFOG(12)): by Sylvester's law of inertia, the
    /// number of negative eigenvalues of A (for the u/p tangent: the number of pressure unknowns).
    public private(set) var negativePivotCount = 0

    /// Floating-point operations of the last factorization (RINFOG(3)).
    public private(set) var factorizationOperationCount = 0.0

    /// The relative pivot threshold (MUMPS CNTL(1)): a pivot is accepted if it is at least this
    /// fraction of the largest entry of its column in the front, else it is delayed (or a 2x2 pivot
    /// used). MUMPS's default for symmetric matrices, 0.01.
    public static let pivotThreshold = 0.01

    /// How the matrix is scaled before it is factorized (the scaling keeps MUMPS's pivots acceptable:
    /// without one, the u/p tangents delay thousands of pivots).
    public enum Scaling: Sendable, Equatable {
        /// MUMPS computes its own scaling (ICNTL(8) = 77, automatic) at every factorization.
        case everyFactorization
        /// A symmetric equilibration D (Ruiz's iteration: every row and column of D A D ends with
        /// infinity norm about 1) is computed from the values of the first factorization and applied
        /// to every later one; MUMPS does not scale (ICNTL(8) = 0). Meant for a sequence of nearby
        /// matrices such as Newton tangents; saves MUMPS's scaling pass at every factorization.
        case reusedFromFirstFactorization
    }

    /// The scaling in use.
    public let scaling: Scaling

    /// Sweeps of Ruiz's equilibration for `Scaling.reusedFromFirstFactorization`. On the ring's tangents
    /// one sweep already gives MUMPS's flops without delayed pivots (1 to 8 sweeps: 218 M flops, 1.94 M
    /// factor entries); three leave a margin, each costs about 1.3 ms at 35k equations.
    static let equilibrationSweeps = 3

    /// Systems from this size on are ordered by PORD nested dissection, smaller ones by AMD.
    public static let nestedDissectionThreshold = 1_000

    /// Analyzes the pattern: PORD ordering (AMD below `nestedDissectionThreshold` equations) and symbolic factorization (MUMPS JOB = 1).
    ///
    /// Throws `outOfMemory` or `solverFailure(library: "MUMPS", status: INFOG(1))` if the analysis fails,
    /// `invalidMatrix` if the pattern has more entries than MUMPS's 32-bit indices can hold.
    public init(pattern: SparsityPattern, scaling: Scaling = .everyFactorization) throws(SparseError) {
        let n = pattern.dimension
        guard n < Int(Int32.max) else { throw .invalidMatrix("dimension \(n) too large for MUMPS") }
        var sourceIndex: [Int] = []
        sourceIndex.reserveCapacity(pattern.nonzeroCount / 2 + n)
        for j in 0..<n {
            for k in Int(pattern.columnStarts[j])..<Int(pattern.columnStarts[j + 1]) where Int(pattern.rowIndices[k]) <= j {
                sourceIndex.append(k)
            }
        }
        let m = sourceIndex.count
        let instance = UnsafeMutablePointer<DMUMPS_STRUC_C>.allocate(capacity: 1)
        instance.initialize(to: DMUMPS_STRUC_C())
        let rowNumbers = UnsafeMutablePointer<Int32>.allocate(capacity: max(m, 1))
        let columnNumbers = UnsafeMutablePointer<Int32>.allocate(capacity: max(m, 1))
        let entryValues = UnsafeMutablePointer<Double>.allocate(capacity: max(m, 1))
        let rightHandSide = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
        entryValues.initialize(repeating: 0, count: max(m, 1))
        rightHandSide.initialize(repeating: 0, count: max(n, 1))
        var column = 0
        for (e, k) in sourceIndex.enumerated() {
            while k >= Int(pattern.columnStarts[column + 1]) { column += 1 }
            rowNumbers[e] = Int32(pattern.rowIndices[k]) + 1
            columnNumbers[e] = Int32(column) + 1
        }
        // Nothing below may throw before self owns the memory: deinit frees it (and ends the instance).
        self.pattern = pattern
        self.instance = instance
        self.rowNumbers = rowNumbers
        self.columnNumbers = columnNumbers
        self.entryValues = entryValues
        self.rightHandSide = rightHandSide
        self.sourceIndex = sourceIndex
        self.entryCount = m
        self.scaling = scaling

        instance.pointee.job = -1  // initialize
        instance.pointee.par = 1  // the host works (the only process)
        instance.pointee.sym = 2  // general symmetric: L D L^T with 1x1 and 2x2 pivots
        instance.pointee.comm_fortran = plaquefem_mumps_use_comm_world()
        Self.call(instance)
        guard plaquefem_mumps_infog(instance, 1) >= 0 else { throw Self.error(instance) }
        // The library must never print: no error, diagnostic, global or statistics output.
        for stream in 1...3 { plaquefem_mumps_set_icntl(instance, Int32(stream), -1) }
        plaquefem_mumps_set_icntl(instance, 4, 0)
        // Ordering from the structure alone, so that the analysis needs no values: PORD nested
        // dissection (ICNTL(7) = 4; Debian's sequential MUMPS has no METIS), on the plain graph (ICNTL(12) = 1:
        // 20 % fewer flops than the compressed ordering on the ring tangents) and no matching (ICNTL(6) = 0).
        // PORD ends the process ("no valid number of stages in multisector") on some tiny graphs, such as
        // a 2x2 matrix, so small systems are ordered by AMD, where nested dissection would not pay anyway.
        plaquefem_mumps_set_icntl(instance, 7, n >= Self.nestedDissectionThreshold ? 4 : 0)
        plaquefem_mumps_set_icntl(instance, 12, 1)
        plaquefem_mumps_set_icntl(instance, 6, 0)
        plaquefem_mumps_set_cntl(instance, 1, Self.pivotThreshold)
        if scaling == .reusedFromFirstFactorization { plaquefem_mumps_set_icntl(instance, 8, 0) }
        instance.pointee.n = Int32(n)
        instance.pointee.nnz = Int64(m)
        instance.pointee.irn = rowNumbers
        instance.pointee.jcn = columnNumbers
        // No values at the analysis (they are not known yet): MUMPS must not base scaling or pivot
        // choices on placeholders. `factorize(_:)` points `a` at the values.
        instance.pointee.a = nil
        instance.pointee.rhs = rightHandSide

        guard n > 0 else { return }
        instance.pointee.job = 1
        Self.call(instance)
        guard plaquefem_mumps_infog(instance, 1) >= 0 else { throw Self.error(instance) }
        estimatedFactorEntryCount = Self.count(plaquefem_mumps_infog(instance, 20))
    }

    deinit {
        instance.pointee.job = -2  // free MUMPS's internal memory
        Self.call(instance)
        instance.deinitialize(count: 1)
        instance.deallocate()
        rowNumbers.deallocate()
        columnNumbers.deallocate()
        entryValues.deallocate()
        rightHandSide.deallocate()
    }

    /// Numeric factorization P A P^T = L D L^T reusing the analysis (MUMPS JOB = 2).
    ///
    /// `values` align with `pattern` (as in `SparseMatrix.values`); only entries with row <= column
    /// are read. If pivoting needs more room than the analysis predicted, the work space is enlarged
    /// and the factorization repeated (up to three times). Throws `dimensionMismatch` for a wrong
    /// count, `singular` for a numerically singular matrix, `outOfMemory`, or
    /// `solverFailure(library: "MUMPS", status: INFOG(1))`. On failure `isFactorized` is false.
    public func factorize(_ values: [Double]) throws(SparseError) {
        guard values.count == pattern.nonzeroCount else {
            throw .dimensionMismatch(expected: pattern.nonzeroCount, actual: values.count)
        }
        isFactorized = false
        guard dimension > 0 else {
            isFactorized = true  // The empty matrix.
            return
        }
        values.withUnsafeBufferPointer { values in
            for e in 0..<entryCount { entryValues[e] = values[sourceIndex[e]] }
        }
        if scaling == .reusedFromFirstFactorization {
            if scale.isEmpty { scale = equilibration() }
            scale.withUnsafeBufferPointer { d in
                for e in 0..<entryCount { entryValues[e] *= d[Int(rowNumbers[e]) - 1] * d[Int(columnNumbers[e]) - 1] }
            }
        }
        instance.pointee.a = entryValues
        var attempts = 0
        while true {
            instance.pointee.job = 2
            Self.call(instance)
            let status = plaquefem_mumps_infog(instance, 1)
            if status >= 0 { break }
            // -8, -9, -14, -15, -17, -20: a work array estimated by the analysis was too small
            // (delayed pivots); ICNTL(14) is the percentage of extra space allowed.
            guard [-8, -9, -14, -15, -17, -20].contains(status), attempts < 3 else {
                scale = []  // A failed matrix (zero, or not finite) must not set the scaling of the next ones.
                throw Self.error(instance)
            }
            attempts += 1
            plaquefem_mumps_set_icntl(instance, 14, 2 * max(20, plaquefem_mumps_icntl(instance, 14)))
        }
        factorEntryCount = Self.count(plaquefem_mumps_infog(instance, 29))
        negativePivotCount = Int(plaquefem_mumps_infog(instance, 12))
        factorizationOperationCount = plaquefem_mumps_rinfog(instance, 3)
        isFactorized = true
    }

    /// Solves A x = b into an existing array, which is resized to `dimension` only if needed (MUMPS JOB = 3,
    /// no iterative refinement).
    ///
    /// Throws `dimensionMismatch` if `rhs.count != dimension`, `invalidMatrix` if not factorized,
    /// `solverFailure(library: "MUMPS", status: INFOG(1))` if MUMPS fails.
    public func solve(_ rhs: [Double], into solution: inout [Double]) throws(SparseError) {
        try prepareSolve(rhs, into: &solution, isFactorized: isFactorized)
        let n = dimension
        guard n > 0 else { return }
        rhs.withUnsafeBufferPointer { rightHandSide.update(from: $0.baseAddress!, count: n) }
        // With our scaling MUMPS solves (D A D) y = D b, and x = D y.
        if !scale.isEmpty { for i in 0..<n { rightHandSide[i] *= scale[i] } }
        instance.pointee.job = 3
        Self.call(instance)
        guard plaquefem_mumps_infog(instance, 1) >= 0 else { throw Self.error(instance) }
        if !scale.isEmpty { for i in 0..<n { rightHandSide[i] *= scale[i] } }
        solution.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: rightHandSide, count: n) }
    }

    /// Ruiz's symmetric equilibration of the entries in `entryValues` (unscaled, upper triangle):
    /// d_i <- d_i / sqrt(max_j |d_i a_ij d_j|), `equilibrationSweeps` times (Ruiz 2001, "A scaling
    /// algorithm to equilibrate both rows and columns norms in matrices", RAL-TR-2001-034); rows
    /// without entries keep 1.
    private func equilibration() -> [Double] {
        let n = dimension
        var d = [Double](repeating: 1, count: n)
        var largest = [Double](repeating: 0, count: n)
        for _ in 0..<Self.equilibrationSweeps {
            largest.withUnsafeMutableBufferPointer { largest in
                d.withUnsafeBufferPointer { d in
                    largest.update(repeating: 0)
                    for e in 0..<entryCount {
                        let i = Int(rowNumbers[e]) - 1, j = Int(columnNumbers[e]) - 1
                        let v = abs(entryValues[e]) * d[i] * d[j]
                        if v > largest[i] { largest[i] = v }
                        if v > largest[j] { largest[j] = v }
                    }
                }
            }
            for i in 0..<n where largest[i] > 0 && largest[i].isFinite { d[i] /= largest[i].squareRoot() }
        }
        return d
    }

    /// Serializes calls into MUMPS across instances: its C interface passes results through statics.
    private static let lock = NSLock()

    private static func call(_ instance: UnsafeMutablePointer<DMUMPS_STRUC_C>) {
        lock.lock()
        defer { lock.unlock() }
        dmumps_c(instance)
    }

    /// MUMPS reports counts above 2^31 as negative millions.
    private static func count(_ value: Int32) -> Int {
        value >= 0 ? Int(value) : -Int(value) * 1_000_000
    }

    /// The typed error for a negative INFOG(1).
    private static func error(_ instance: UnsafeMutablePointer<DMUMPS_STRUC_C>) -> SparseError {
        switch plaquefem_mumps_infog(instance, 1) {
        case -10: .singular
        case -13: .outOfMemory
        case let status: .solverFailure(library: "MUMPS", status: Int(status))
        }
    }
}
