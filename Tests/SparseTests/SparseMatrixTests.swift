import Testing
import Sparse

@Suite struct SparseMatrixTests {
    @Test func tripletsSumDuplicates() throws {
        let matrix = try SparseMatrix(
            dimension: 3, triplets: [(0, 0, 1), (2, 1, 4), (0, 0, 2.5), (1, 2, -1), (2, 1, 1)])
        #expect(matrix.pattern.nonzeroCount == 3)
        #expect(matrix[0, 0] == 3.5)
        #expect(matrix[2, 1] == 5)
        #expect(matrix[1, 2] == -1)
        #expect(matrix[1, 1] == 0)
        #expect(matrix[5, 1] == 0)
    }

    @Test func multiplyMatchesDense() throws {
        let dense: [[Double]] = [[4, -1, 0, 2], [0, 3, 0, 0], [1, 0, 5, -2], [0, 7, 0, 1]]
        var triplets: [(row: Int, column: Int, value: Double)] = []
        for i in 0 ..< 4 { for j in 0 ..< 4 where dense[i][j] != 0 { triplets.append((i, j, dense[i][j])) } }
        let matrix = try SparseMatrix(dimension: 4, triplets: triplets)
        let x = [1.0, -2, 0.5, 3]
        let expected = dense.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(matrix.multiply(x) == expected)
        var y = [Double](repeating: 9, count: 4)
        matrix.multiply(x, into: &y)
        #expect(y == expected)
    }

    @Test func valuesCountMismatchThrows() throws {
        let pattern = try SparsityPattern(dimension: 2, entries: [(0, 0), (1, 1)])
        #expect(throws: SparseError.dimensionMismatch(expected: 2, actual: 3)) {
            try SparseMatrix(pattern: pattern, values: [1, 2, 3])
        }
        let matrix = try SparseMatrix(pattern: pattern, values: [1, 2])
        #expect(matrix[1, 1] == 2)
    }

    @Test func infinityNormIsTheLargestAbsoluteRowSum() throws {
        // Rows: |1| + |-2| = 3, |4| = 4, |-1.5| + |3| = 4.5.
        let matrix = try SparseMatrix(dimension: 3, triplets: [(0, 0, 1), (0, 2, -2), (1, 1, 4), (2, 0, -1.5), (2, 2, 3)])
        #expect(matrix.infinityNorm == 4.5)
        #expect(SparseMatrix(pattern: try SparsityPattern(dimension: 0, entries: [])).infinityNorm == 0)
    }

    @Test func setZeroKeepsPattern() {
        var matrix = TestMatrices.laplacian1D(5)
        let pattern = matrix.pattern
        matrix.setZero()
        #expect(matrix.pattern == pattern)
        #expect(matrix.values == [Double](repeating: 0, count: pattern.nonzeroCount))
    }

    @Test func symmetryTest() throws {
        #expect(TestMatrices.laplacian2D(5).isSymmetric(tolerance: 0))
        let nearly = try SparseMatrix(dimension: 2, triplets: [(0, 0, 1e6), (0, 1, 1), (1, 0, 1 + 1e-9)])
        #expect(!nearly.isSymmetric(tolerance: 0))
        #expect(nearly.isSymmetric(tolerance: 1e-12))
        let oneSided = try SparseMatrix(dimension: 2, triplets: [(0, 0, 1), (0, 1, 0.5)])
        #expect(!oneSided.isSymmetric(tolerance: 1e-3))
        let explicitZero = try SparseMatrix(dimension: 2, triplets: [(0, 0, 1), (0, 1, 0)])
        #expect(explicitZero.isSymmetric(tolerance: 0))
    }
}
