import Foundation

/// Low-pass filtering of a closed curve by truncating its Fourier series in arc length.
///
/// The curve z(s) = x(s) + i y(s), s in [0, L), is resampled at N points equally spaced in arc
/// length, its coefficients c_k = (1/N) sum_j z_j exp(-2 pi i k j / N) are kept for
/// |k| <= K = floor(L / lambda_min) and the curve is rebuilt from them. Features shorter than
/// lambda_min along the border (the pixel staircase and its beats) are removed, longer ones kept;
/// because K follows the length, the filter acts at the same scale on every border.
public struct FourierSmoothing: Sendable {
    /// Shortest wavelength kept, in the units of the points (pixels in the mesher).
    public var minimumWavelength: Double

    /// Creates a filter keeping wavelengths >= `minimumWavelength`.
    public init(minimumWavelength: Double) {
        self.minimumWavelength = minimumWavelength
    }

    /// The filtered curve, sampled at the same number of points as the input (at least 16).
    public func smooth(_ points: [Point]) -> [Point] {
        let n = max(16, points.count)
        let resampled = Self.resample(points, count: n)
        guard resampled.count == n, minimumWavelength > 0 else { return points }
        var length = 0.0
        for k in 0..<points.count { length += points[k].distance(to: points[(k + 1) % points.count]) }
        let modes = min(n / 2 - 1, max(1, Int(length / minimumWavelength)))
        var real = [Double](repeating: 0, count: 2 * modes + 1), imaginary = real
        for (index, k) in (-modes...modes).enumerated() {
            var re = 0.0, im = 0.0
            for j in 0..<n {
                let angle = -2 * Double.pi * Double(k * j) / Double(n)
                let (c, s) = (cos(angle), sin(angle))
                re += resampled[j].x * c - resampled[j].y * s
                im += resampled[j].x * s + resampled[j].y * c
            }
            real[index] = re / Double(n)
            imaginary[index] = im / Double(n)
        }
        return (0..<n).map { j in
            var x = 0.0, y = 0.0
            for (index, k) in (-modes...modes).enumerated() {
                let angle = 2 * Double.pi * Double(k * j) / Double(n)
                let (c, s) = (cos(angle), sin(angle))
                x += real[index] * c - imaginary[index] * s
                y += real[index] * s + imaginary[index] * c
            }
            return Point(x, y)
        }
    }

    /// `count` points equally spaced in arc length along the closed polyline.
    static func resample(_ points: [Point], count: Int) -> [Point] {
        guard points.count >= 3 else { return points }
        var cumulative = [0.0]
        for k in 0..<points.count { cumulative.append(cumulative[k] + points[k].distance(to: points[(k + 1) % points.count])) }
        let length = cumulative[points.count]
        guard length > 0 else { return points }
        var out: [Point] = []
        out.reserveCapacity(count)
        var segment = 0
        for j in 0..<count {
            let s = length * Double(j) / Double(count)
            while segment < points.count - 1, cumulative[segment + 1] < s { segment += 1 }
            let a = points[segment], b = points[(segment + 1) % points.count]
            let span = cumulative[segment + 1] - cumulative[segment]
            let t = span > 0 ? (s - cumulative[segment]) / span : 0
            out.append(a + t * (b - a))
        }
        return out
    }
}
