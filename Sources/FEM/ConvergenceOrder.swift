import Foundation

/// Observed order of convergence under mesh refinement.
public enum ConvergenceOrder {
    /// Slopes log(e_k / e_{k+1}) / log(h_k / h_{k+1}) between successive meshes.
    public static func observed(sizes: [Double], errors: [Double]) -> [Double] {
        guard sizes.count == errors.count, sizes.count >= 2 else { return [] }
        return (0..<(sizes.count - 1)).map { (k: Int) -> Double in
            let errorRatio: Double = errors[k] / errors[k + 1]
            let sizeRatio: Double = sizes[k] / sizes[k + 1]
            return Foundation.log(errorRatio) / Foundation.log(sizeRatio)
        }
    }

    /// Least-squares slope of log e against log h (the order fitted over all meshes).
    public static func fitted(sizes: [Double], errors: [Double]) -> Double? {
        guard sizes.count == errors.count, sizes.count >= 2 else { return nil }
        let x = sizes.map { Foundation.log($0) }, y = errors.map { Foundation.log($0) }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0
        for k in x.indices {
            sxy += (x[k] - mx) * (y[k] - my)
            sxx += (x[k] - mx) * (x[k] - mx)
        }
        return sxx > 0 ? sxy / sxx : nil
    }
}
