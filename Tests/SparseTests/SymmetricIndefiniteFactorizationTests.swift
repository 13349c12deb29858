import Foundation
import Testing
import Sparse

@Suite struct SymmetricIndefiniteFactorizationTests {
    init() { BLASThreads.set(1) }

    @Test func saddlePointRecoversKnownSolution() throws {
        let matrix = TestMatrices.saddlePoint(12)
        let exact = TestMatrices.referenceSolution(matrix.dimension)
        let factorization = try SymmetricIndefiniteFactorization(pattern: matrix.pattern)
        #expect(!factorization.isFactorized)
        #expect(factorization.estimatedFactorEntryCount > 0)
        try factorization.factorize(matrix.values)
        #expect(factorization.isFactorized)
        let x = try factorization.solve(matrix.multiply(exact))
        #expect(TestMatrices.relativeError(x, exact) < 1e-10)
        // Inertia: one negative eigenvalue per constraint (K is positive definite, B has full rank).
        #expect(factorization.negativePivotCount == 12 / 2)
        #expect(factorization.factorEntryCount > 0)
    }

    @Test func needsPivotingWhereCHOLMODFails() throws {
        // [[0, 1], [1, 0]] has no L D L^T without pivoting; MUMPS takes a 2x2 pivot.
        let matrix = try SparseMatrix(dimension: 2, triplets: [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)])
        let factorization = try SymmetricIndefiniteFactorization(pattern: matrix.pattern)
        try factorization.factorize(matrix.values)
        let x = try factorization.solve([2, 3])
        #expect(TestMatrices.relativeError(x, [3, 2]) < 1e-14)
    }

    @Test func nestedDissectionOrderingOfALargerSaddlePoint() throws {
        // 40 x 40 grid plus 20 constraints: above the threshold, so PORD orders it.
        let matrix = TestMatrices.saddlePoint(40)
        #expect(matrix.dimension >= SymmetricIndefiniteFactorization.nestedDissectionThreshold)
        let exact = TestMatrices.referenceSolution(matrix.dimension)
        let factorization = try SymmetricIndefiniteFactorization(pattern: matrix.pattern)
        try factorization.factorize(matrix.values)
        let x = try factorization.solve(matrix.multiply(exact))
        #expect(TestMatrices.relativeError(x, exact) < 1e-10)
        #expect(factorization.negativePivotCount == 20)
    }

    @Test func refactorizationWithNewValues() throws {
        let matrix = TestMatrices.saddlePoint(10)
        let exact = TestMatrices.referenceSolution(matrix.dimension)
        let factorization = try SymmetricIndefiniteFactorization(pattern: matrix.pattern)
        try factorization.factorize(matrix.values)
        let first = try factorization.solve(matrix.multiply(exact))
        // Scale K (and so the whole matrix differently per block): new values, same pattern.
        var scaled = matrix
        scaled.values = matrix.values.map { $0 == 4 ? 7 : $0 }
        try factorization.factorize(scaled.values)
        var x: [Double] = []
        try factorization.solve(scaled.multiply(exact), into: &x)
        #expect(TestMatrices.relativeError(x, exact) < 1e-10)
        // Back to the first values: the same solution again.
        try factorization.factorize(matrix.values)
        let again = try factorization.solve(matrix.multiply(exact))
        #expect(again == first)
    }

    /// A saddle point with rows and columns scaled over eight orders of magnitude: D A D.
    static func badlyScaledSaddlePoint(_ m: Int) throws -> SparseMatrix {
        let matrix = TestMatrices.saddlePoint(m)
        let d = (0..<matrix.dimension).map { pow(10.0, Double($0 % 9) - 4) }
        var triplets: [(row: Int, column: Int, value: Double)] = []
        for j in 0..<matrix.dimension {
            for k in Int(matrix.pattern.columnStarts[j])..<Int(matrix.pattern.columnStarts[j + 1]) {
                let i = Int(matrix.pattern.rowIndices[k])
                triplets.append((i, j, d[i] * matrix.values[k] * d[j]))
            }
        }
        return try SparseMatrix(dimension: matrix.dimension, triplets: triplets)
    }

    @Test func scalingReusedFromTheFirstFactorization() throws {
        let matrix = try Self.badlyScaledSaddlePoint(40)
        let exact = TestMatrices.referenceSolution(matrix.dimension)
        let factorization = try SymmetricIndefiniteFactorization(pattern: matrix.pattern, scaling: .reusedFromFirstFactorization)
        #expect(factorization.scaling == .reusedFromFirstFactorization)
        // A failed first factorization (all zeros) must not fix the scaling of the next one: the next
        // one then does the same work as on a fresh instance.
        #expect(throws: SparseError.self) { try factorization.factorize([Double](repeating: 0, count: matrix.values.count)) }
        try factorization.factorize(matrix.values)
        let fresh = try SymmetricIndefiniteFactorization(pattern: matrix.pattern, scaling: .reusedFromFirstFactorization)
        try fresh.factorize(matrix.values)
        #expect(factorization.factorizationOperationCount == fresh.factorizationOperationCount)
        let x = try factorization.solve(matrix.multiply(exact))
        #expect(TestMatrices.relativeResidual(matrix, x, matrix.multiply(exact)) < 1e-12)
        #expect(factorization.negativePivotCount == 20)
        // New values (off-diagonal entries 1.5 times, the diagonal 3 times) keep the first scaling and still solve.
        var changed = matrix
        for j in 0..<matrix.dimension {
            for k in Int(matrix.pattern.columnStarts[j])..<Int(matrix.pattern.columnStarts[j + 1]) {
                changed.values[k] *= Int(matrix.pattern.rowIndices[k]) == j ? 3 : 1.5
            }
        }
        try factorization.factorize(changed.values)
        let y = try factorization.solve(changed.multiply(exact))
        #expect(TestMatrices.relativeResidual(changed, y, changed.multiply(exact)) < 1e-12)
    }

    @Test func singularMatrixThrowsSingular() throws {
        // Two equal constraints: B has a zero-rank direction, so [K B^T; B 0] is singular.
        var triplets: [(row: Int, column: Int, value: Double)] = [(0, 0, 2), (1, 1, 2)]
        for c in [2, 3] {
            triplets += [(c, 0, 1), (0, c, 1), (c, 1, 1), (1, c, 1), (c, c, 0)]
        }
        let matrix = try SparseMatrix(dimension: 4, triplets: triplets)
        let factorization = try SymmetricIndefiniteFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.singular) { try factorization.factorize(matrix.values) }
        #expect(!factorization.isFactorized)
        #expect(throws: SparseError.self) { _ = try factorization.solve([1, 1, 1, 1]) }
        // The same object recovers with non-singular values: the second constraint becomes [1, -1].
        var regular = matrix
        regular.values = try SparseMatrix(dimension: 4, triplets: [(0, 0, 2), (1, 1, 2), (2, 0, 1), (0, 2, 1), (2, 1, 1), (1, 2, 1),
                                                                   (3, 0, 1), (0, 3, 1), (3, 1, -1), (1, 3, -1), (2, 2, 0), (3, 3, 0)]).values
        try factorization.factorize(regular.values)
        let exact = [1.0, -2, 0.5, 3]
        let x = try factorization.solve(regular.multiply(exact))
        #expect(TestMatrices.relativeError(x, exact) < 1e-14)
    }

    @Test func wrongSizesAreTypedErrors() throws {
        let matrix = TestMatrices.saddlePoint(6)
        let factorization = try SymmetricIndefiniteFactorization(pattern: matrix.pattern)
        #expect(throws: SparseError.dimensionMismatch(expected: matrix.pattern.nonzeroCount, actual: 3)) {
            try factorization.factorize([1, 2, 3])
        }
        try factorization.factorize(matrix.values)
        #expect(throws: SparseError.dimensionMismatch(expected: matrix.dimension, actual: 2)) {
            _ = try factorization.solve([1, 2])
        }
    }

    @Test func emptyMatrix() throws {
        let pattern = try SparsityPattern(dimension: 0, entries: [])
        let factorization = try SymmetricIndefiniteFactorization(pattern: pattern)
        try factorization.factorize([])
        #expect(try factorization.solve([]).isEmpty)
    }
}
