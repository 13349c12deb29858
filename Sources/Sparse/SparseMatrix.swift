/// Matrix with a fixed pattern and refillable values (refilled every Newton iteration).
///
/// `values[p]` is the entry at row `pattern.rowIndices[p]` of the column whose range contains `p`;
/// `values.count == pattern.nonzeroCount` always holds for matrices built by the initializers
/// (keep it so when mutating `values` directly). Entries outside the pattern are zero.
public struct SparseMatrix: Sendable {
    /// The structure shared by every refill.
    public let pattern: SparsityPattern
    /// Numerical values aligned with `pattern.rowIndices`.
    public var values: [Double]

    /// A matrix with the given pattern and all values zero.
    public init(pattern: SparsityPattern) {
        self.pattern = pattern
        self.values = [Double](repeating: 0, count: pattern.nonzeroCount)
    }

    /// A matrix with the given pattern and values; throws `dimensionMismatch` if `values.count != pattern.nonzeroCount`.
    public init(pattern: SparsityPattern, values: [Double]) throws(SparseError) {
        guard values.count == pattern.nonzeroCount else {
            throw .dimensionMismatch(expected: pattern.nonzeroCount, actual: values.count)
        }
        self.pattern = pattern
        self.values = values
    }

    /// Builds from (row, column, value) triplets. Sums duplicates.
    ///
    /// The pattern holds every position named by a triplet, even where the summed value is 0.
    public init(dimension: Int, triplets: [(row: Int, column: Int, value: Double)]) throws(SparseError) {
        let pattern = try SparsityPattern(
            dimension: dimension, entries: triplets.map { (row: $0.row, column: $0.column) })
        var values = [Double](repeating: 0, count: pattern.nonzeroCount)
        for triplet in triplets {
            // Every triplet was inserted into the pattern above, so the position exists.
            values[pattern.position(row: triplet.row, column: triplet.column)!] += triplet.value
        }
        self.pattern = pattern
        self.values = values
    }

    /// The matrix dimension n.
    public var dimension: Int { pattern.dimension }

    /// Entry a(row, column); 0 if not in pattern (or out of range).
    public subscript(row: Int, column: Int) -> Double {
        guard let p = pattern.position(row: row, column: column) else { return 0 }
        return values[p]
    }

    /// y = A x. Requires `x.count == dimension`.
    public func multiply(_ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: dimension)
        multiply(x, into: &y)
        return y
    }

    /// y = A x into an existing array, which is resized to `dimension` only if needed.
    ///
    /// Requires `x.count == dimension`.
    public func multiply(_ x: [Double], into y: inout [Double]) {
        let n = dimension
        precondition(x.count == n, "multiply: x has \(x.count) entries, expected \(n)")
        precondition(values.count == pattern.nonzeroCount, "multiply: values do not match the pattern")
        if y.count != n { y = [Double](repeating: 0, count: n) }
        pattern.columnStarts.withUnsafeBufferPointer { starts in
            pattern.rowIndices.withUnsafeBufferPointer { rows in
                values.withUnsafeBufferPointer { a in
                    x.withUnsafeBufferPointer { x in
                        y.withUnsafeMutableBufferPointer { y in
                            y.update(repeating: 0)
                            for j in 0 ..< n {
                                let xj = x[j]
                                if xj == 0 { continue }
                                for p in Int(starts[j]) ..< Int(starts[j + 1]) {
                                    y[Int(rows[p])] += a[p] * xj
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The infinity norm max_i sum_j |a(i,j)| (largest absolute row sum); 0 for the empty matrix.
    public var infinityNorm: Double {
        var rowSums = [Double](repeating: 0, count: dimension)
        for p in 0 ..< values.count { rowSums[Int(pattern.rowIndices[p])] += abs(values[p]) }
        return rowSums.max() ?? 0
    }

    /// Sets every value to zero, keeping the pattern and the storage.
    public mutating func setZero() {
        values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Whether |a(i,j) − a(j,i)| ≤ tolerance · max|a| for all i, j.
    ///
    /// The tolerance is relative to the largest absolute value, so the test is scale invariant;
    /// `tolerance: 0` demands exact symmetry. Entries outside the pattern count as 0.
    public func isSymmetric(tolerance: Double) -> Bool {
        let scale = values.reduce(0) { max($0, abs($1)) }
        let bound = tolerance * scale
        for j in 0 ..< dimension {
            for p in Int(pattern.columnStarts[j]) ..< Int(pattern.columnStarts[j + 1]) {
                let i = Int(pattern.rowIndices[p])
                // Visiting both (i, j) and (j, i) also catches entries without a mirrored partner;
                // the negated comparison makes NaN count as asymmetric.
                if i != j, !(abs(values[p] - self[j, i]) <= bound) { return false }
            }
        }
        return true
    }
}
