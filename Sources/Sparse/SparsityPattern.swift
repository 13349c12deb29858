/// Square n × n compressed-column sparsity pattern: row indices sorted ascending within each column, no duplicates.
///
/// Column `j` holds the rows `rowIndices[columnStarts[j] ..< columnStarts[j + 1]]`.
/// Invariants: `columnStarts.count == dimension + 1`, `columnStarts[0] == 0`,
/// `columnStarts` is non-decreasing, `columnStarts[dimension] == rowIndices.count`,
/// every row index lies in `0 ..< dimension`, and rows are strictly increasing in each column.
/// Indices are `Int32` so the arrays can be handed to CHOLMOD and UMFPACK without copying.
public struct SparsityPattern: Sendable, Equatable {
    /// The number of rows, equal to the number of columns.
    public let dimension: Int
    /// Offsets into `rowIndices` at which each column begins; `dimension + 1` entries.
    public let columnStarts: [Int32]
    /// Row index of every structural nonzero, column by column, ascending within a column.
    public let rowIndices: [Int32]

    /// The number of structural nonzeros, `columnStarts[dimension]`.
    public var nonzeroCount: Int { rowIndices.count }

    /// Builds the pattern from (row, column) pairs; duplicates merged. Throws indexOutOfRange.
    ///
    /// Runs in O(n + number of entries).
    public init(dimension: Int, entries: [(row: Int, column: Int)]) throws(SparseError) {
        try Self.validate(dimension: dimension, entryCount: entries.count)
        var counts = [Int](repeating: 0, count: dimension + 1)
        for entry in entries {
            guard entry.row >= 0, entry.row < dimension, entry.column >= 0, entry.column < dimension else {
                throw .indexOutOfRange(row: entry.row, column: entry.column, dimension: dimension)
            }
            counts[entry.column + 1] += 1
        }
        for j in 0 ..< dimension { counts[j + 1] += counts[j] }
        // Bucket by column (counting sort), then let the shared builder merge and sort.
        var next = counts
        var rows = [Int32](repeating: 0, count: entries.count)
        for entry in entries {
            rows[next[entry.column]] = Int32(entry.row)
            next[entry.column] += 1
        }
        self = Self.compress(dimension: dimension, starts: counts, rows: rows)
    }

    /// Builds from per-column lists of row indices (any order, duplicates allowed) — the fast path for FEM: columns[j] = rows coupled to j.
    ///
    /// Throws `dimensionMismatch` if `columns.count != dimension`, `indexOutOfRange` for a bad row.
    /// Runs in O(n + total list length).
    public init(dimension: Int, columns: [[Int]]) throws(SparseError) {
        guard dimension >= 0 else { throw .invalidMatrix("negative dimension \(dimension)") }
        guard columns.count == dimension else {
            throw .dimensionMismatch(expected: dimension, actual: columns.count)
        }
        var starts = [Int](repeating: 0, count: dimension + 1)
        for j in 0 ..< dimension { starts[j + 1] = starts[j] + columns[j].count }
        try Self.validate(dimension: dimension, entryCount: starts[dimension])
        var rows = [Int32]()
        rows.reserveCapacity(starts[dimension])
        for (j, column) in columns.enumerated() {
            for row in column {
                guard row >= 0, row < dimension else {
                    throw .indexOutOfRange(row: row, column: j, dimension: dimension)
                }
                rows.append(Int32(row))
            }
        }
        self = Self.compress(dimension: dimension, starts: starts, rows: rows)
    }

    /// Wraps compressed-column arrays that already satisfy the invariants (sorted, no duplicates).
    ///
    /// Validates every invariant in O(n + nnz); throws `invalidMatrix`, `dimensionMismatch`
    /// or `indexOutOfRange` when one is violated.
    public init(dimension: Int, columnStarts: [Int32], rowIndices: [Int32]) throws(SparseError) {
        try Self.validate(dimension: dimension, entryCount: rowIndices.count)
        guard columnStarts.count == dimension + 1 else {
            throw .dimensionMismatch(expected: dimension + 1, actual: columnStarts.count)
        }
        guard columnStarts[0] == 0, Int(columnStarts[dimension]) == rowIndices.count else {
            throw .invalidMatrix("columnStarts must begin at 0 and end at rowIndices.count")
        }
        for j in 0 ..< dimension {
            let start = Int(columnStarts[j]), end = Int(columnStarts[j + 1])
            guard start <= end else { throw .invalidMatrix("columnStarts decreases at column \(j)") }
            var previous: Int32 = -1
            for p in start ..< end {
                let row = rowIndices[p]
                guard row >= 0, Int(row) < dimension else {
                    throw .indexOutOfRange(row: Int(row), column: j, dimension: dimension)
                }
                guard row > previous else {
                    throw .invalidMatrix("rows of column \(j) not strictly ascending")
                }
                previous = row
            }
        }
        self.dimension = dimension
        self.columnStarts = columnStarts
        self.rowIndices = rowIndices
    }

    /// Memberwise initializer for patterns already known to be valid.
    private init(uncheckedDimension dimension: Int, columnStarts: [Int32], rowIndices: [Int32]) {
        self.dimension = dimension
        self.columnStarts = columnStarts
        self.rowIndices = rowIndices
    }

    /// Index into the values array of entry (row, column), or nil if structurally zero. Binary search in the column.
    ///
    /// Out-of-range indices give nil.
    public func position(row: Int, column: Int) -> Int? {
        guard row >= 0, row < dimension, column >= 0, column < dimension else { return nil }
        return rowIndices.withUnsafeBufferPointer { rows in
            var low = Int(columnStarts[column])
            var high = Int(columnStarts[column + 1])
            let target = Int32(row)
            while low < high {
                let middle = (low + high) >> 1
                let value = rows[middle]
                if value == target { return middle }
                if value < target { low = middle + 1 } else { high = middle }
            }
            return nil
        }
    }

    /// Whether (j, i) is in the pattern whenever (i, j) is.
    public var isStructurallySymmetric: Bool {
        for j in 0 ..< dimension {
            for p in Int(columnStarts[j]) ..< Int(columnStarts[j + 1]) {
                let i = Int(rowIndices[p])
                if i != j, position(row: j, column: i) == nil { return false }
            }
        }
        return true
    }

    /// The pattern of the transpose: (j, i) for every (i, j).
    public func transposed() -> SparsityPattern {
        let (starts, rows) = Self.transpose(
            dimension: dimension, starts: columnStarts.map(Int.init), rows: rowIndices)
        return SparsityPattern(
            uncheckedDimension: dimension, columnStarts: starts.map { Int32($0) }, rowIndices: rows)
    }

    // MARK: - Construction helpers

    private static func validate(dimension: Int, entryCount: Int) throws(SparseError) {
        guard dimension >= 0 else { throw .invalidMatrix("negative dimension \(dimension)") }
        // Both libraries index with 32-bit ints (CHOLMOD int API, UMFPACK di).
        guard dimension < Int(Int32.max) else {
            throw .invalidMatrix("dimension \(dimension) exceeds the 32-bit index range")
        }
        guard entryCount <= Int(Int32.max) else {
            throw .invalidMatrix("\(entryCount) entries exceed the 32-bit index range")
        }
    }

    /// Compressed columns with duplicates and unsorted rows -> canonical pattern.
    ///
    /// Duplicates are dropped per column with a marker array; a double transpose then
    /// sorts the rows of every column in linear time, without comparisons.
    private static func compress(dimension n: Int, starts: [Int], rows: [Int32]) -> SparsityPattern {
        var marker = [Int](repeating: -1, count: n)
        var uniqueStarts = [Int](repeating: 0, count: n + 1)
        var uniqueRows = [Int32]()
        uniqueRows.reserveCapacity(rows.count)
        for j in 0 ..< n {
            for p in starts[j] ..< starts[j + 1] {
                let row = Int(rows[p])
                if marker[row] != j {
                    marker[row] = j
                    uniqueRows.append(rows[p])
                }
            }
            uniqueStarts[j + 1] = uniqueRows.count
        }
        let (rowStarts, columnsOfRows) = transpose(dimension: n, starts: uniqueStarts, rows: uniqueRows)
        let (sortedStarts, sortedRows) = transpose(dimension: n, starts: rowStarts, rows: columnsOfRows)
        return SparsityPattern(
            uncheckedDimension: n, columnStarts: sortedStarts.map { Int32($0) }, rowIndices: sortedRows)
    }

    /// Transposes a compressed-column structure; the output's minor indices come out ascending.
    private static func transpose(dimension n: Int, starts: [Int], rows: [Int32]) -> ([Int], [Int32]) {
        var outStarts = [Int](repeating: 0, count: n + 1)
        for row in rows { outStarts[Int(row) + 1] += 1 }
        for i in 0 ..< n { outStarts[i + 1] += outStarts[i] }
        var next = outStarts
        var outRows = [Int32](repeating: 0, count: rows.count)
        for j in 0 ..< n {
            for p in starts[j] ..< starts[j + 1] {
                let i = Int(rows[p])
                outRows[next[i]] = Int32(j)
                next[i] += 1
            }
        }
        return (outStarts, outRows)
    }
}
