import Testing
import Sparse

@Suite struct SparsityPatternTests {
    @Test func entriesAreMergedAndSorted() throws {
        let pattern = try SparsityPattern(
            dimension: 3,
            entries: [(2, 0), (0, 0), (2, 0), (1, 2), (0, 2), (1, 1), (0, 2), (2, 2)])
        #expect(pattern.dimension == 3)
        #expect(pattern.columnStarts == [0, 2, 3, 6])
        #expect(pattern.rowIndices == [0, 2, 1, 0, 1, 2])
        #expect(pattern.nonzeroCount == 6)
        #expect(pattern.position(row: 0, column: 0) == 0)
        #expect(pattern.position(row: 2, column: 0) == 1)
        #expect(pattern.position(row: 1, column: 1) == 2)
        #expect(pattern.position(row: 2, column: 2) == 5)
        #expect(pattern.position(row: 1, column: 0) == nil)
        #expect(pattern.position(row: 0, column: 1) == nil)
        #expect(pattern.position(row: 3, column: 0) == nil)
        #expect(pattern.position(row: 0, column: -1) == nil)
    }

    @Test func columnsAreMergedAndSorted() throws {
        let pattern = try SparsityPattern(dimension: 4, columns: [[3, 0, 3, 1], [], [2, 2, 2], [0, 3, 1, 2, 0]])
        #expect(pattern.columnStarts == [0, 3, 3, 4, 8])
        #expect(pattern.rowIndices == [0, 1, 3, 2, 0, 1, 2, 3])
        for column in 0 ..< 4 {
            for p in Int(pattern.columnStarts[column]) ..< Int(pattern.columnStarts[column + 1]) {
                #expect(pattern.position(row: Int(pattern.rowIndices[p]), column: column) == p)
            }
        }
        #expect(pattern.position(row: 0, column: 1) == nil)
    }

    @Test func entriesAndColumnsAgree() throws {
        let columns = [[1, 0, 4], [1, 3], [4, 2, 2], [0, 3], [4, 1, 0, 2]]
        var entries: [(row: Int, column: Int)] = []
        for (column, rows) in columns.enumerated() { for row in rows { entries.append((row, column)) } }
        #expect(try SparsityPattern(dimension: 5, entries: entries.reversed())
            == SparsityPattern(dimension: 5, columns: columns))
    }

    @Test func outOfRangeThrows() {
        #expect(throws: SparseError.indexOutOfRange(row: 3, column: 1, dimension: 3)) {
            try SparsityPattern(dimension: 3, entries: [(0, 0), (3, 1)])
        }
        #expect(throws: SparseError.indexOutOfRange(row: 0, column: -1, dimension: 3)) {
            try SparsityPattern(dimension: 3, entries: [(0, -1)])
        }
        #expect(throws: SparseError.indexOutOfRange(row: -2, column: 1, dimension: 2)) {
            try SparsityPattern(dimension: 2, columns: [[0], [1, -2]])
        }
        #expect(throws: SparseError.dimensionMismatch(expected: 3, actual: 2)) {
            try SparsityPattern(dimension: 3, columns: [[0], [1]])
        }
    }

    @Test func compressedArraysAreValidated() throws {
        let pattern = try SparsityPattern(dimension: 2, columnStarts: [0, 2, 3], rowIndices: [0, 1, 1])
        #expect(pattern == (try SparsityPattern(dimension: 2, entries: [(0, 0), (1, 0), (1, 1)])))
        #expect(throws: SparseError.self) {
            try SparsityPattern(dimension: 2, columnStarts: [0, 2, 3], rowIndices: [1, 0, 1])
        }
        #expect(throws: SparseError.indexOutOfRange(row: 2, column: 1, dimension: 2)) {
            try SparsityPattern(dimension: 2, columnStarts: [0, 1, 2], rowIndices: [0, 2])
        }
        #expect(throws: SparseError.dimensionMismatch(expected: 3, actual: 2)) {
            try SparsityPattern(dimension: 2, columnStarts: [0, 1], rowIndices: [0])
        }
    }

    @Test func structuralSymmetry() throws {
        #expect(try SparsityPattern(dimension: 3, entries: [(0, 0), (0, 2), (2, 0), (1, 1)]).isStructurallySymmetric)
        let upper = try SparsityPattern(dimension: 3, entries: [(0, 0), (0, 2), (1, 1)])
        #expect(!upper.isStructurallySymmetric)
        #expect(upper.transposed() == (try SparsityPattern(dimension: 3, entries: [(0, 0), (2, 0), (1, 1)])))
        #expect(TestMatrices.laplacian2D(7).pattern.isStructurallySymmetric)
    }

    @Test func emptyPattern() throws {
        let pattern = try SparsityPattern(dimension: 0, entries: [])
        #expect(pattern.columnStarts == [0])
        #expect(pattern.nonzeroCount == 0)
        #expect(pattern.isStructurallySymmetric)
    }
}
