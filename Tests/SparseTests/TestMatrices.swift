import Sparse
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small generators of test systems with known structure.
enum TestMatrices {
    /// 1D Laplacian tridiag(-1, 2, -1) of size n (SPD).
    static func laplacian1D(_ n: Int) -> SparseMatrix {
        var triplets: [(row: Int, column: Int, value: Double)] = []
        for i in 0 ..< n {
            triplets.append((i, i, 2))
            if i > 0 { triplets.append((i, i - 1, -1)) }
            if i + 1 < n { triplets.append((i, i + 1, -1)) }
        }
        return try! SparseMatrix(dimension: n, triplets: triplets)
    }

    /// 2D 5-point Laplacian on an m × m grid with Dirichlet boundary (SPD), n = m².
    /// Built through the per-column fast path, as the FEM assembly does.
    static func laplacian2D(_ m: Int, diagonal: Double = 4) -> SparseMatrix {
        let n = m * m
        var columns = [[Int]](repeating: [], count: n)
        func index(_ i: Int, _ j: Int) -> Int { i * m + j }
        for i in 0 ..< m {
            for j in 0 ..< m {
                let k = index(i, j)
                var rows = [k]
                if i > 0 { rows.append(index(i - 1, j)) }
                if i + 1 < m { rows.append(index(i + 1, j)) }
                if j > 0 { rows.append(index(i, j - 1)) }
                if j + 1 < m { rows.append(index(i, j + 1)) }
                columns[k] = rows.reversed()  // Deliberately unsorted.
            }
        }
        let pattern = try! SparsityPattern(dimension: n, columns: columns)
        var matrix = SparseMatrix(pattern: pattern)
        for column in 0 ..< n {
            for p in Int(pattern.columnStarts[column]) ..< Int(pattern.columnStarts[column + 1]) {
                matrix.values[p] = Int(pattern.rowIndices[p]) == column ? diagonal : -1
            }
        }
        return matrix
    }

    /// Saddle-point matrix [K B^T; B 0] (symmetric indefinite, zero block stored explicitly): K the 2D
    /// Laplacian on an m x m grid, and one constraint per pair of grid rows, coupling its 2m unknowns
    /// with weights 1, 0.5, 1, 0.5, ... as a pressure couples with the displacements around it.
    static func saddlePoint(_ m: Int) -> SparseMatrix {
        let n = m * m, constraints = m / 2
        var triplets: [(row: Int, column: Int, value: Double)] = []
        let k = laplacian2D(m)
        for column in 0 ..< n {
            for p in Int(k.pattern.columnStarts[column]) ..< Int(k.pattern.columnStarts[column + 1]) {
                triplets.append((Int(k.pattern.rowIndices[p]), column, k.values[p]))
            }
        }
        for c in 0 ..< constraints {
            for u in (2 * c * m) ..< (2 * c * m + 2 * m) {
                let weight = u % 2 == 0 ? 1.0 : 0.5
                triplets.append((n + c, u, weight))
                triplets.append((u, n + c, weight))
            }
            triplets.append((n + c, n + c, 0))
        }
        return try! SparseMatrix(dimension: n + constraints, triplets: triplets)
    }

    /// A smooth, non-trivial reference solution.
    static func referenceSolution(_ n: Int) -> [Double] {
        (0 ..< n).map { (k: Int) -> Double in
            let wave: Double = sin(Double(k) * 0.37)
            let step: Double = Double(k % 7) * 0.125
            return 1 + wave + step
        }
    }

    /// ‖x − y‖∞ / ‖y‖∞.
    static func relativeError(_ x: [Double], _ y: [Double]) -> Double {
        var difference = 0.0, scale = 0.0
        for k in y.indices {
            difference = max(difference, abs(x[k] - y[k]))
            scale = max(scale, abs(y[k]))
        }
        return difference / scale
    }

    /// ‖b − A x‖₂ / ‖b‖₂.
    static func relativeResidual(_ a: SparseMatrix, _ x: [Double], _ b: [Double]) -> Double {
        let ax = a.multiply(x)
        var residual = 0.0, norm = 0.0
        for k in b.indices {
            residual += (b[k] - ax[k]) * (b[k] - ax[k])
            norm += b[k] * b[k]
        }
        return (residual / norm).squareRoot()
    }
}
