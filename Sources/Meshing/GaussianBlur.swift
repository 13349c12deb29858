import Foundation

/// Separable Gaussian blur of a row-major image, with zeros outside the image.
enum GaussianBlur {
    /// The image convolved with exp(-d^2 / (2 sigma^2)) (normalized, truncated at 3 sigma), sigma
    /// in pixels; sigma <= 0 returns the image unchanged.
    static func apply(_ values: [Double], rows: Int, columns: Int, sigma: Double) -> [Double] {
        guard sigma > 0 else { return values }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        for k in kernel.indices { kernel[k] /= total }
        var temporary = [Double](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns {
                var sum = 0.0
                for k in -radius...radius where c + k >= 0 && c + k < columns {
                    sum += kernel[k + radius] * values[r * columns + c + k]
                }
                temporary[r * columns + c] = sum
            }
        }
        var result = [Double](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns {
                var sum = 0.0
                for k in -radius...radius where r + k >= 0 && r + k < rows {
                    sum += kernel[k + radius] * temporary[(r + k) * columns + c]
                }
                result[r * columns + c] = sum
            }
        }
        return result
    }
}
