import Foundation

/// Refines a smooth closed border so that its pixel-centre rasterization reproduces a binary region.
///
/// A mask says, for every pixel centre, whether it lies inside the region; the true border passes
/// somewhere between the inside and outside centres next to it. Starting from a smooth estimate
/// C0(s) (s = arc length, L = length, n(s) = unit normal away from the region), the refined border
/// is C(s) = C0(s) + d(s) n(s) with a Fourier series of the normal offset,
///
///     d(s) = a_0 + sum_{k=1..K} a_k cos(2 pi k s / L) + b_k sin(2 pi k s / L),  K = floor(L / lambda_min),
///
/// fitted by Levenberg-Marquardt to the pixel centres p_j within `band` of C0: with foot point s_j
/// and signed normal distance t_j of p_j from C0 (positive away from the region) and m_j = 1 for an
/// inside centre, 0 otherwise,
///
///     E(d) = sum_j (sigma((d(s_j) - t_j) / w) - m_j)^2 + beta int_0^L d''(s)^2 ds,
///
/// sigma the logistic function, w = `width`. The soft inside-indicator is 1/2 on the border, so the
/// misfit pulls the border to the middle of the gap between the inside and outside centres on both
/// sides of it, the way the mask was made; the curvature term keeps d smooth where pixels say
/// little. Lengths are in pixels. Deterministic: fixed iteration count and traversal order.
struct PixelBorderFit: Sendable {
    /// Shortest wavelength of d(s) (pixels).
    var minimumWavelength: Double
    /// Width w of the soft inside-indicator (pixels).
    var width = 0.05
    /// Pixel centres farther than this from C0 are ignored (pixels).
    var band = 2.5
    /// Weight of the data term (per pixel centre).
    var dataWeight = 100.0
    /// Weight beta of the curvature penalty (pixels^3).
    var curvatureWeight = 1e5
    /// Levenberg-Marquardt iterations.
    var iterations = 30
    /// A fit that moves the border farther than this anywhere is rejected (pixels).
    var maximumOffset = 1.5

    /// The refined border (as many points as `border`, equally spaced in arc length along C0), or
    /// nil when the fit is not trustworthy (too few points, non-finite values, offset too large).
    ///
    /// `inside` is row-major `rows` x `columns`, pixel (r, c) centred at (c + 0.5, r + 0.5); pixels
    /// outside the image count as outside.
    func refine(_ border: [Point], inside: [Bool], rows: Int, columns: Int) -> [Point]? {
        let n = border.count
        guard n >= 16, inside.count == rows * columns, minimumWavelength > 0 else { return nil }
        let curve = FourierSmoothing.resample(border, count: n)
        guard curve.count == n else { return nil }
        let length = PolygonGeometry.perimeter(curve)
        guard length > 0, length.isFinite else { return nil }
        let orientation: Double = PolygonGeometry.signedArea(curve) >= 0 ? 1 : -1
        let normals = ContourSmoothing.outwardNormals(curve)
        let step = length / Double(n)

        // Nearest border point of every pixel centre within the band: each segment visits the
        // pixels of its box grown by the band and keeps the closest segment per pixel.
        var best = [Double](repeating: .infinity, count: rows * columns)
        var arc = [Double](repeating: 0, count: rows * columns)
        var signed = [Double](repeating: 0, count: rows * columns)
        for i in 0..<n {
            let a = curve[i], b = curve[(i + 1) % n]
            let ab = b - a
            let abLength2 = Point.dot(ab, ab)
            guard abLength2 > 0 else { continue }
            let segmentNormal = (orientation / abLength2.squareRoot()) * Point(ab.y, -ab.x)
            let c0 = max(0, Int((min(a.x, b.x) - band - 0.5).rounded(.down)))
            let c1 = min(columns - 1, Int((max(a.x, b.x) + band - 0.5).rounded(.up)))
            let r0 = max(0, Int((min(a.y, b.y) - band - 0.5).rounded(.down)))
            let r1 = min(rows - 1, Int((max(a.y, b.y) + band - 0.5).rounded(.up)))
            guard c0 <= c1, r0 <= r1 else { continue }
            for r in r0...r1 {
                for c in c0...c1 {
                    let p = Point(Double(c) + 0.5, Double(r) + 0.5)
                    let u = min(max(Point.dot(p - a, ab) / abLength2, 0), 1)
                    let foot = a + u * ab
                    let d2 = Point.dot(p - foot, p - foot)
                    let index = r * columns + c
                    if d2 < best[index] {
                        best[index] = d2
                        arc[index] = (Double(i) + u) * step
                        signed[index] = Point.dot(p - foot, segmentNormal) >= 0 ? d2.squareRoot() : -d2.squareRoot()
                    }
                }
            }
        }
        var samples: [(s: Double, t: Double, target: Double)] = []
        for index in 0..<(rows * columns) where best[index] <= band * band {
            samples.append((arc[index], signed[index], inside[index] ? 1 : 0))
        }
        let modes = min(n / 2 - 1, max(1, Int(length / minimumWavelength)))
        let count = 2 * modes + 1
        guard samples.count >= 2 * count else { return nil }

        // Basis phi_0 = 1, phi_{2k-1} = cos(k theta), phi_{2k} = sin(k theta), theta = 2 pi s / L.
        func basis(_ s: Double, into phi: inout [Double], at offset: Int) {
            phi[offset] = 1
            let theta = 2 * Double.pi * s / length
            for k in 1...modes {
                phi[offset + 2 * k - 1] = cos(Double(k) * theta)
                phi[offset + 2 * k] = sin(Double(k) * theta)
            }
        }
        let sampleCount = samples.count
        var phis = [Double](repeating: 0, count: sampleCount * count)
        for j in 0..<sampleCount { basis(samples[j].s, into: &phis, at: j * count) }
        var vertexBasis = [Double](repeating: 0, count: n * count)
        for i in 0..<n { basis(Double(i) * step, into: &vertexBasis, at: i * count) }

        // Curvature of the refined border, linearized in d: kappa = kappa0 - d'' - kappa0^2 d, with
        // kappa0 of C0 by central differences (positive where the region is convex); the finite
        // differences see the corners of the resampled polygon while C0 itself is low-passed, so
        // kappa0 keeps its Fourier modes up to K only (those d can change).
        var rawKappa = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let a = curve[(i + n - 1) % n], b = curve[i], c = curve[(i + 1) % n]
            let first = (1 / (2 * step)) * (c - a), second = (1 / (step * step)) * (c - 2 * b + a)
            let speed = first.length
            rawKappa[i] = speed > 0 ? orientation * Point.cross(first, second) / (speed * speed * speed) : 0
        }
        var kappa0 = [Double](repeating: 0, count: n)
        for m in 0..<count {
            var projection = 0.0
            for i in 0..<n { projection += rawKappa[i] * vertexBasis[i * count + m] }
            projection *= (m == 0 ? 1.0 : 2.0) / Double(n)
            for i in 0..<n { kappa0[i] += projection * vertexBasis[i * count + m] }
        }
        // kappa_i = kappa0_i - (G c)_i, G_im = phi_m''(s_i) + kappa0_i^2 phi_m(s_i); the penalty
        // beta sum_i h (kappa'_i)^2 with central differences is |q - B c|^2.
        var g = [Double](repeating: 0, count: n * count)
        for i in 0..<n {
            let k2 = kappa0[i] * kappa0[i]
            for m in 0..<count {
                let k = Double((m + 1) / 2)
                let omega = 2 * Double.pi * k / length
                g[i * count + m] = (k2 - omega * omega) * vertexBasis[i * count + m]
            }
        }
        let weight = (curvatureWeight * step).squareRoot() / (2 * step)
        var q = [Double](repeating: 0, count: n), bMatrix = [Double](repeating: 0, count: n * count)
        for i in 0..<n {
            let next = (i + 1) % n, previous = (i + n - 1) % n
            q[i] = weight * (kappa0[next] - kappa0[previous])
            for m in 0..<count { bMatrix[i * count + m] = weight * (g[next * count + m] - g[previous * count + m]) }
        }
        var penaltyMatrix = [Double](repeating: 0, count: count * count), penaltyVector = [Double](repeating: 0, count: count)
        var penaltyConstant = 0.0
        for i in 0..<n {
            penaltyConstant += q[i] * q[i]
            for a in 0..<count {
                penaltyVector[a] += bMatrix[i * count + a] * q[i]
                for b in 0..<count { penaltyMatrix[a * count + b] += bMatrix[i * count + a] * bMatrix[i * count + b] }
            }
        }
        func offset(_ c: [Double], _ j: Int) -> Double {
            var d = 0.0
            for m in 0..<count { d += c[m] * phis[j * count + m] }
            return d
        }
        // Data term: logistic loss log(1 + exp(-y z)), y = +1 inside, -1 outside, z = (d - t) / w;
        // it grows linearly with how far a centre lies on the wrong side.
        func energy(_ c: [Double]) -> Double {
            var e = penaltyConstant
            for a in 0..<count {
                e -= 2 * c[a] * penaltyVector[a]
                for b in 0..<count { e += c[a] * penaltyMatrix[a * count + b] * c[b] }
            }
            for j in 0..<sampleCount {
                let z = (offset(c, j) - samples[j].t) / width
                let x = samples[j].target == 1 ? -z : z
                e += dataWeight * (max(x, 0) + log1p(exp(-abs(x))))
            }
            return e
        }

        var coefficients = [Double](repeating: 0, count: count)
        var current = energy(coefficients)
        var damping = 1e-3
        for _ in 0..<iterations {
            var normal = penaltyMatrix
            var gradient = [Double](repeating: 0, count: count)
            for a in 0..<count {
                for b in 0..<count { gradient[a] += penaltyMatrix[a * count + b] * coefficients[b] }
                gradient[a] -= penaltyVector[a]
            }
            for j in 0..<sampleCount {
                let z = (offset(coefficients, j) - samples[j].t) / width
                let f = 1 / (1 + exp(-z))
                let slope = dataWeight * (f - samples[j].target) / width, curvature = dataWeight * f * (1 - f) / (width * width)
                for a in 0..<count {
                    let pa = phis[j * count + a]
                    gradient[a] += slope * pa
                    let weighted = curvature * pa
                    for b in a..<count { normal[a * count + b] += weighted * phis[j * count + b] }
                }
            }
            for a in 0..<count {
                for b in 0..<a { normal[a * count + b] = normal[b * count + a] }
            }
            var accepted = false, largestStep = 0.0
            for _ in 0..<8 {
                var system = normal
                for a in 0..<count { system[a * count + a] += damping * (1 + normal[a * count + a]) }
                guard let delta = Self.solve(system, gradient.map { -$0 }, count) else { damping *= 10; continue }
                let trial = zip(coefficients, delta).map { $0 + $1 }
                let trialEnergy = energy(trial)
                if trialEnergy.isFinite, trialEnergy <= current {
                    coefficients = trial
                    current = trialEnergy
                    damping = max(1e-9, damping * 0.3)
                    accepted = true
                    largestStep = delta.reduce(0) { max($0, abs($1)) }
                    break
                }
                damping *= 10
            }
            if !accepted || largestStep < 1e-6 { break }
        }

        var result: [Point] = []
        result.reserveCapacity(n)
        for i in 0..<n {
            var d = 0.0
            for m in 0..<count { d += coefficients[m] * vertexBasis[i * count + m] }
            guard d.isFinite, abs(d) <= maximumOffset else { return nil }
            result.append(curve[i] + d * normals[i])
        }
        return result
    }

    /// Solves the symmetric positive definite system A x = b (row-major n x n) by Cholesky; nil
    /// when A is not numerically positive definite.
    static func solve(_ matrix: [Double], _ rhs: [Double], _ n: Int) -> [Double]? {
        var l = matrix
        for j in 0..<n {
            var diagonal = l[j * n + j]
            for k in 0..<j { diagonal -= l[j * n + k] * l[j * n + k] }
            guard diagonal > 0, diagonal.isFinite else { return nil }
            let root = diagonal.squareRoot()
            l[j * n + j] = root
            for i in (j + 1)..<max(j + 1, n) {
                var value = l[i * n + j]
                for k in 0..<j { value -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = value / root
            }
        }
        var y = rhs
        for i in 0..<n {
            for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
            y[i] /= l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<max(i + 1, n) { y[i] -= l[k * n + i] * y[k] }
            y[i] /= l[i * n + i]
        }
        return y
    }
}
