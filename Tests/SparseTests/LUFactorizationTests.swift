import Testing
import Sparse

@Suite struct LUFactorizationTests {
    @Test(arguments: [LUOrderingStrategy.automatic, .symmetric, .unsymmetric])
    func recoversKnownSolutionOfLaplacian(strategy: LUOrderingStrategy) throws {
        let matrix = TestMatrices.laplacian2D(9)
        let exact = TestMatrices.referenceSolution(81)
        let lu = try LUFactorization(pattern: matrix.pattern, strategy: strategy)
        #expect(!lu.isFactorized)
        try lu.factorize(matrix.values)
        #expect(lu.isFactorized)
        let x = try lu.solve(matrix.multiply(exact))
        #expect(TestMatrices.relativeError(x, exact) < 1e-12)
    }

    @Test func handWrittenUnsymmetricMatrix() throws {
        // A = [[2, 0, 1], [3, 1, 0], [0, -4, 5]] with a zero (0, 1) entry the pattern leaves out.
        // x* = [1, -1, 2] -> b = [4, 2, 14].
        let matrix = try SparseMatrix(
            dimension: 3, triplets: [(0, 0, 2), (0, 2, 1), (1, 0, 3), (1, 1, 1), (2, 1, -4), (2, 2, 5)])
        #expect(!matrix.pattern.isStructurallySymmetric)
        for strategy in [LUOrderingStrategy.automatic, .unsymmetric] {
            let lu = try LUFactorization(pattern: matrix.pattern, strategy: strategy)
            try lu.factorize(matrix.values)
            #expect(TestMatrices.relativeError(try lu.solve([4, 2, 14]), [1, -1, 2]) < 1e-14)
        }
    }

    @Test func convectionDiffusion() throws {
        // Upwinded 2D convection–diffusion: unsymmetric values on a symmetric pattern.
        let m = 15, n = m * m
        var matrix = TestMatrices.laplacian2D(m)
        for j in 0 ..< n {
            for p in Int(matrix.pattern.columnStarts[j]) ..< Int(matrix.pattern.columnStarts[j + 1]) {
                let i = Int(matrix.pattern.rowIndices[p])
                if i == j + 1 { matrix.values[p] -= 2 }
                if i == j { matrix.values[p] += 2 }
            }
        }
        #expect(!matrix.isSymmetric(tolerance: 1e-3))
        let exact = TestMatrices.referenceSolution(n)
        let lu = try LUFactorization(pattern: matrix.pattern, strategy: .unsymmetric)
        try lu.factorize(matrix.values)
        #expect(TestMatrices.relativeError(try lu.solve(matrix.multiply(exact)), exact) < 1e-12)
    }

    @Test(arguments: [LUOrderingStrategy.automatic, .symmetric])
    func saddlePointSystem(strategy: LUOrderingStrategy) throws {
        // [[K, Bᵀ], [B, 0]]: K a 1D Laplacian (8 × 8), B averages neighbouring pairs (3 × 8).
        let nK = 8, nB = 3, n = nK + nB
        var triplets: [(row: Int, column: Int, value: Double)] = []
        let k = TestMatrices.laplacian1D(nK)
        for j in 0 ..< nK {
            for p in Int(k.pattern.columnStarts[j]) ..< Int(k.pattern.columnStarts[j + 1]) {
                triplets.append((Int(k.pattern.rowIndices[p]), j, k.values[p]))
            }
        }
        for r in 0 ..< nB {
            for (column, value) in [(2 * r + 1, 1.0), (2 * r + 2, -0.5), (2 * r + 3, 0.25)] {
                triplets.append((nK + r, column, value))
                triplets.append((column, nK + r, value))
            }
            triplets.append((nK + r, nK + r, 0))  // Explicit zero diagonal of the constraint block.
        }
        let matrix = try SparseMatrix(dimension: n, triplets: triplets)
        #expect(matrix.isSymmetric(tolerance: 0))
        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.self) { try cholesky.factorize(matrix.values) }

        let exact = TestMatrices.referenceSolution(n)
        let lu = try LUFactorization(pattern: matrix.pattern, strategy: strategy)
        try lu.factorize(matrix.values)
        #expect(TestMatrices.relativeError(try lu.solve(matrix.multiply(exact)), exact) < 1e-12)
    }

    @Test func refactorizationIsBitwiseIdenticalToFreshFactorization() throws {
        let matrix = TestMatrices.laplacian2D(20)
        let b = TestMatrices.referenceSolution(400)
        let reused = try LUFactorization(pattern: matrix.pattern)
        try reused.factorize(matrix.values)
        let first = try reused.solve(b)

        var changed = matrix
        for p in changed.values.indices { changed.values[p] *= 1 + 0.03 * Double(p % 7) }
        try reused.factorize(changed.values)
        let second = try reused.solve(b)

        let fresh = try LUFactorization(pattern: matrix.pattern)
        try fresh.factorize(changed.values)
        #expect(second == (try fresh.solve(b)))
        #expect(first != second)
        #expect(TestMatrices.relativeResidual(changed, second, b) < 1e-13)
    }

    @Test func structurallySingularThrows() throws {
        // Column 1 is empty.
        let matrix = try SparseMatrix(dimension: 3, triplets: [(0, 0, 1), (1, 2, 2), (2, 2, 3), (2, 0, 1)])
        let lu = try LUFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.singular) { try lu.factorize(matrix.values) }
        #expect(!lu.isFactorized)
        #expect(throws: SparseError.self) { try lu.solve([1, 2, 3]) }
    }

    @Test func numericallySingularThrows() throws {
        let matrix = try SparseMatrix(dimension: 2, triplets: [(0, 0, 1), (0, 1, 2), (1, 0, 2), (1, 1, 4)])
        let lu = try LUFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.singular) { try lu.factorize(matrix.values) }
        // The same object recovers with non-singular values.
        try lu.factorize([1, 2, 2, 5])
        #expect(TestMatrices.relativeError(try lu.solve([5, 12]), [1, 2]) < 1e-14)
    }

    @Test func dimensionErrors() throws {
        let matrix = TestMatrices.laplacian1D(5)
        let lu = try LUFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.dimensionMismatch(expected: 13, actual: 14)) {
            try lu.factorize(matrix.values + [1])
        }
        try lu.factorize(matrix.values)
        #expect(throws: SparseError.dimensionMismatch(expected: 5, actual: 6)) {
            try lu.solve([1, 2, 3, 4, 5, 6])
        }
    }

    @Test func solveIntoAndAliasing() throws {
        let matrix = TestMatrices.laplacian1D(30)
        let exact = TestMatrices.referenceSolution(30)
        let lu = try LUFactorization(pattern: matrix.pattern)
        try lu.factorize(matrix.values)
        var b = matrix.multiply(exact)
        try lu.solve(b, into: &b)
        #expect(TestMatrices.relativeError(b, exact) < 1e-12)
    }

    @Test func emptyMatrix() throws {
        let lu = try LUFactorization(pattern: SparsityPattern(dimension: 0, entries: []))
        try lu.factorize([])
        #expect(try lu.solve([]) == [])
    }
}

@Suite struct LargeSystemTests {
    /// 2D 5-point Laplacian, 100 × 100 grid = 10,000 unknowns, solved by both factorizations.
    @Test func laplacian10k() throws {
        BLASThreads.set(1)
        #expect(BLASThreads.count == 1)
        let matrix = TestMatrices.laplacian2D(100)
        let n = matrix.pattern.dimension
        #expect(n == 10_000)
        let b = (0 ..< n).map { Double(($0 * 7919) % 13) - 6 }

        let cholesky = try CholeskyFactorization(pattern: matrix.pattern)
        try cholesky.factorize(matrix.values)
        let xCholesky = try cholesky.solve(b)
        #expect(TestMatrices.relativeResidual(matrix, xCholesky, b) < 1e-12)

        let lu = try LUFactorization(pattern: matrix.pattern)
        try lu.factorize(matrix.values)
        let xLU = try lu.solve(b)
        #expect(TestMatrices.relativeResidual(matrix, xLU, b) < 1e-12)
        #expect(TestMatrices.relativeError(xLU, xCholesky) < 1e-10)
    }
}

@Suite struct LUSettingsTests {
    @Test func refinementCanBeDisabled() throws {
        let matrix = TestMatrices.laplacian2D(12)
        let exact = TestMatrices.referenceSolution(144)
        let lu = try LUFactorization(pattern: matrix.pattern)
        #expect(lu.iterativeRefinementSteps == 2)
        lu.iterativeRefinementSteps = 0
        #expect(lu.iterativeRefinementSteps == 0)
        try lu.factorize(matrix.values)
        #expect(TestMatrices.relativeError(try lu.solve(matrix.multiply(exact)), exact) < 1e-12)
    }

    @Test func errorDescriptions() {
        #expect(SparseError.singular.description == "matrix is singular")
        #expect(SparseError.notPositiveDefinite(column: 3).description.contains("3"))
        #expect(SparseError.solverFailure(library: "UMFPACK", status: -3).description.contains("UMFPACK"))
    }
}
