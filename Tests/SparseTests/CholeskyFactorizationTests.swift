import Testing
import Sparse

@Suite struct CholeskyFactorizationTests {
    init() { BLASThreads.set(1) }

    @Test func recoversKnownSolution1D() throws {
        let matrix = TestMatrices.laplacian1D(12)
        let exact = TestMatrices.referenceSolution(12)
        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        #expect(!cholesky.isFactorized)
        try cholesky.factorize(matrix.values)
        #expect(cholesky.isFactorized)
        let x = try cholesky.solve(matrix.multiply(exact))
        #expect(TestMatrices.relativeError(x, exact) < 1e-12)
    }

    @Test func recoversKnownSolution2D() throws {
        let matrix = TestMatrices.laplacian2D(9)
        let exact = TestMatrices.referenceSolution(81)
        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        #expect(cholesky.factorFlopCount > 0 && cholesky.factorNonzeroCount > 0)
        try cholesky.factorize(matrix.values)
        let x = try cholesky.solve(matrix.multiply(exact))
        #expect(TestMatrices.relativeError(x, exact) < 1e-12)
    }

    @Test func handWrittenMatrix() throws {
        // A = [[4, 1, 0], [1, 3, 1], [0, 1, 2]], x* = [1, 2, 3] -> b = [6, 10, 8].
        let matrix = try SparseMatrix(
            dimension: 3,
            triplets: [(0, 0, 4), (0, 1, 1), (1, 0, 1), (1, 1, 3), (1, 2, 1), (2, 1, 1), (2, 2, 2)])
        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        try cholesky.factorize(matrix.values)
        let x = try cholesky.solve([6, 10, 8])
        #expect(TestMatrices.relativeError(x, [1, 2, 3]) < 1e-14)
    }

    @Test func upperTriangleOnlyIsUsed() throws {
        let full = TestMatrices.laplacian2D(6)
        let exact = TestMatrices.referenceSolution(36)
        let b = full.multiply(exact)
        // Upper-triangle-only pattern gives the same answer as the full one.
        var entries: [(row: Int, column: Int, value: Double)] = []
        for j in 0 ..< 36 {
            for p in Int(full.pattern.columnStarts[j]) ..< Int(full.pattern.columnStarts[j + 1]) {
                let i = Int(full.pattern.rowIndices[p])
                if i <= j { entries.append((i, j, full.values[p])) }
            }
        }
        let upper = try SparseMatrix(dimension: 36, triplets: entries)
        let cholesky = try CholeskyFactorization(pattern: upper.pattern)
        try cholesky.factorize(upper.values)
        #expect(TestMatrices.relativeError(try cholesky.solve(b), exact) < 1e-12)
        // Garbage below the diagonal of the full pattern is ignored.
        var garbage = full
        for j in 0 ..< 36 {
            for p in Int(full.pattern.columnStarts[j]) ..< Int(full.pattern.columnStarts[j + 1])
            where Int(full.pattern.rowIndices[p]) > j {
                garbage.values[p] = 1e3
            }
        }
        let fromFull = try CholeskyFactorization(pattern: garbage.pattern)
        try fromFull.factorize(garbage.values)
        #expect(TestMatrices.relativeError(try fromFull.solve(b), exact) < 1e-12)
    }

    @Test func refactorizationIsBitwiseIdenticalToFreshFactorization() throws {
        let matrix = TestMatrices.laplacian2D(20)
        let b = TestMatrices.referenceSolution(400)
        let reused = try CholeskyFactorization(pattern: matrix.pattern)
        try reused.factorize(matrix.values)
        let first = try reused.solve(b)

        var changed = TestMatrices.laplacian2D(20, diagonal: 5.5)
        for p in changed.values.indices { changed.values[p] *= 1 + 0.01 * Double(p % 5) }
        changed = symmetrized(changed)
        try reused.factorize(changed.values)
        let second = try reused.solve(b)

        let fresh = try CholeskyFactorization(pattern: matrix.pattern)
        try fresh.factorize(changed.values)
        #expect(second == (try fresh.solve(b)))
        #expect(first != second)
        #expect(TestMatrices.relativeResidual(changed, second, b) < 1e-13)
    }

    @Test func indefiniteMatrixThrowsNotPositiveDefinite() throws {
        let matrix = TestMatrices.laplacian2D(8, diagonal: 1)  // Smallest eigenvalue < 0.
        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        let error = #expect(throws: SparseError.self) { try cholesky.factorize(matrix.values) }
        guard case let .notPositiveDefinite(column) = error else {
            Issue.record("expected notPositiveDefinite, got \(String(describing: error))")
            return
        }
        #expect((0 ..< 64).contains(column))
        #expect(!cholesky.isFactorized)
        #expect(throws: SparseError.self) { try cholesky.solve([Double](repeating: 1, count: 64)) }
    }

    @Test func ldltSolvesASaddlePointSystem() throws {
        let matrix = TestMatrices.saddlePoint(10)
        let x = TestMatrices.referenceSolution(matrix.pattern.dimension)
        let b = matrix.multiply(x)
        let supernodal = try CholeskyFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.self) { try supernodal.factorize(matrix.values) }
        let ldlt = try CholeskyFactorization(pattern: matrix.pattern, method: .simplicialLDLT)
        #expect(ldlt.method == .simplicialLDLT)
        try ldlt.factorize(matrix.values)
        let solution = try ldlt.solve(b)
        #expect(TestMatrices.relativeResidual(matrix, solution, b) < 1e-13)
        #expect(TestMatrices.relativeError(solution, x) < 1e-10)
        // Refactorizing gives the same bytes.
        try ldlt.factorize(matrix.values)
        #expect(try ldlt.solve(b) == solution)
    }

    @Test func ldltReportsAZeroPivot() throws {
        // [[0, 1], [1, 0]] is nonsingular but has no L D L^T without pivoting: the first pivot is 0.
        let matrix = try SparseMatrix(dimension: 2, triplets: [(0, 0, 0), (1, 0, 1), (0, 1, 1), (1, 1, 0)])
        let ldlt = try CholeskyFactorization(pattern: matrix.pattern, method: .simplicialLDLT)
        let error = #expect(throws: SparseError.self) { try ldlt.factorize(matrix.values) }
        guard case .notPositiveDefinite = error else {
            Issue.record("expected notPositiveDefinite, got \(String(describing: error))")
            return
        }
        #expect(!ldlt.isFactorized)
    }

    @Test func negativeDiagonalReportsItsColumn() throws {
        // Diagonal matrix: the minor is where the first non-positive pivot sits in the ordering.
        let matrix = try SparseMatrix(dimension: 3, triplets: [(0, 0, 1), (1, 1, -2), (2, 2, 3)])
        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        let error = #expect(throws: SparseError.self) { try cholesky.factorize(matrix.values) }
        guard case let .notPositiveDefinite(column) = error else {
            Issue.record("expected notPositiveDefinite, got \(String(describing: error))")
            return
        }
        #expect((0 ..< 3).contains(column))
    }

    @Test func recoversAfterFailedFactorization() throws {
        let good = TestMatrices.laplacian2D(10)
        let bad = TestMatrices.laplacian2D(10, diagonal: 0.5)
        let b = TestMatrices.referenceSolution(100)
        let cholesky = try CholeskyFactorization(pattern: good.pattern)
        #expect(throws: SparseError.self) { try cholesky.factorize(bad.values) }
        try cholesky.factorize(good.values)
        let fresh = try CholeskyFactorization(pattern: good.pattern)
        try fresh.factorize(good.values)
        #expect(try cholesky.solve(b) == fresh.solve(b))
    }

    @Test func dimensionErrors() throws {
        let matrix = TestMatrices.laplacian1D(5)
        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.dimensionMismatch(expected: 13, actual: 12)) {
            try cholesky.factorize(Array(matrix.values.dropLast()))
        }
        try cholesky.factorize(matrix.values)
        #expect(throws: SparseError.dimensionMismatch(expected: 5, actual: 4)) {
            try cholesky.solve([1, 2, 3, 4])
        }
    }

    @Test func solveIntoReusesTheOutputArray() throws {
        let matrix = TestMatrices.laplacian1D(30)
        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        try cholesky.factorize(matrix.values)
        var solution: [Double] = []
        for shift in 0 ..< 3 {
            let exact = TestMatrices.referenceSolution(30).map { $0 + Double(shift) }
            try cholesky.solve(matrix.multiply(exact), into: &solution)
            #expect(TestMatrices.relativeError(solution, exact) < 1e-12)
        }
        // The right-hand side may be the output array itself.
        var b = matrix.multiply(TestMatrices.referenceSolution(30))
        try cholesky.solve(b, into: &b)
        #expect(TestMatrices.relativeError(b, TestMatrices.referenceSolution(30)) < 1e-12)
    }

    @Test func emptyMatrix() throws {
        let cholesky = try CholeskyFactorization(pattern: SparsityPattern(dimension: 0, entries: []))
        try cholesky.factorize([])
        #expect(try cholesky.solve([]) == [])
    }

    @Test func missingDiagonalIsNotPositiveDefinite() throws {
        let pattern = try SparsityPattern(dimension: 3, entries: [(0, 0), (2, 2)])
        let cholesky = try CholeskyFactorization(pattern: pattern)
        let error = #expect(throws: SparseError.self) { try cholesky.factorize([1, 1]) }
        guard case let .notPositiveDefinite(column) = error else {
            Issue.record("expected notPositiveDefinite, got \(String(describing: error))")
            return
        }
        #expect((0 ..< 3).contains(column))
    }

    /// (A + Aᵀ) / 2 on a structurally symmetric pattern.
    private func symmetrized(_ a: SparseMatrix) -> SparseMatrix {
        var result = a
        for j in 0 ..< a.pattern.dimension {
            for p in Int(a.pattern.columnStarts[j]) ..< Int(a.pattern.columnStarts[j + 1]) {
                let i = Int(a.pattern.rowIndices[p])
                result.values[p] = 0.5 * (a[i, j] + a[j, i])
            }
        }
        return result
    }
}

@Suite struct DegenerateInputTests {
    @Test func patternWithoutEntries() throws {
        let pattern = try SparsityPattern(dimension: 3, entries: [])
        let cholesky = try CholeskyFactorization(pattern: pattern)
        #expect(throws: SparseError.notPositiveDefinite(column: 0)) { try cholesky.factorize([]) }
        let lu = try LUFactorization(pattern: pattern)
        #expect(throws: SparseError.singular) { try lu.factorize([]) }
    }

    @Test func solveBeforeFactorizeThrows() throws {
        let matrix = TestMatrices.laplacian1D(4)
        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.self) { try cholesky.solve([1, 2, 3, 4]) }
        let lu = try LUFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.self) { try lu.solve([1, 2, 3, 4]) }
    }

    @Test func blasThreadCount() {
        BLASThreads.set(1)
        #expect(BLASThreads.count == 1)
        BLASThreads.set(0)  // Clamped.
        #expect(BLASThreads.count == 1)
    }
}
