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
/// and signed normal distance t_j of p_j from C0 (positive away from the region), y_j = +1 for an
/// inside centre and -1 otherwise, z_j = (d(s_j) - t_j) / w,
///
///     E(d) = W sum_j log(1 + exp(-y_j z_j)) + beta sum_i h (kappa'(s_i))^2,
///
/// w = `width`, W = `dataWeight`, beta = `curvatureWeight`, h the vertex spacing. The logistic
/// misfit is nearly a hard constraint (it grows by W / w per pixel of violation and fades within a
/// few w on the right side); the second term is the variation of the curvature kappa along the
/// border (its arc-length derivative at the vertices, kappa linearized in d: kappa = kappa0 - d'' -
/// kappa0^2 d). Among the curves that put the pixel centres on the side the mask says, the fit
/// takes one of least curvature variation: the staircase of a small lumen is mostly a mode-4
/// wiggle that the mask alone does not rule out, and the stress at the lumen follows its curvature.
/// Lengths are in pixels. Deterministic: fixed iteration budget and traversal order.
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
    var curvatureWeight = 5e4
    /// Levenberg-Marquardt iterations.
    var iterations = 30
    /// A fit that moves the border farther than this anywhere is rejected (pixels).
    var maximumOffset = 1.5
    /// No fit (nil) for a border that needs more Fourier modes K than this. A fit costs
    /// O(samples x K^2) per iteration: a 512 x 512 mask of a vessel (lumen about 650 px around,
    /// K about 100) took 8-11 s. Such a border is long against the pixel: its staircase (half a
    /// pixel) is far below what its shape needs, and the blurred, smoothed estimate already follows
    /// it to a fraction of a pixel. Never binds on 64 x 64 masks (a border inside the image is at
    /// most about 195 px long, K <= 32 at the default 6 px wavelength).
    var maximumModes = 48

    /// The objective E(c) of one fit for fixed pixel data; c are the Fourier coefficients of d.
    struct Objective: Sendable {
        /// Number of coefficients, 2K + 1.
        var count: Int
        /// phi_m(s_j), row-major (samples x count).
        var basis: [Double]
        /// Signed normal distance t_j of each pixel centre from C0 (pixels, positive away from the region).
        var distances: [Double]
        /// m_j: 1 for a centre inside the region, 0 otherwise.
        var targets: [Double]
        /// Width w of the soft indicator (pixels).
        var width: Double
        /// Weight W of the data term.
        var dataWeight: Double
        /// B^T B (row-major), B^T q and q^T q of the curvature penalty |q - B c|^2.
        var penaltyMatrix: [Double], penaltyVector: [Double], penaltyConstant: Double

        /// d(s_j) = sum_m c_m phi_m(s_j) (pixels).
        func offset(_ c: [Double], at j: Int) -> Double {
            var d = 0.0
            for m in 0..<count { d += c[m] * basis[j * count + m] }
            return d
        }

        /// E(c) = W sum_j log(1 + exp(-y_j z_j)) + |q - B c|^2 with y_j = 2 m_j - 1 and
        /// z_j = (d(s_j) - t_j) / w: the logistic misfit grows linearly with how far a centre lies
        /// on the wrong side and fades exponentially on the right side.
        func energy(_ c: [Double]) -> Double {
            var e = penaltyConstant
            for a in 0..<count {
                e -= 2 * c[a] * penaltyVector[a]
                for b in 0..<count { e += c[a] * penaltyMatrix[a * count + b] * c[b] }
            }
            for j in 0..<distances.count {
                let z = (offset(c, at: j) - distances[j]) / width
                let x = targets[j] == 1 ? -z : z
                e += dataWeight * (max(x, 0) + log1p(exp(-abs(x))))
            }
            return e
        }

        /// The gradient dE/dc = W sum_j (f_j - m_j) phi_j / w + 2 (B^T B c - B^T q), f_j = sigma(z_j),
        /// and the Newton matrix W sum_j f_j (1 - f_j) phi_j phi_j^T / w^2 + 2 B^T B (the exact
        /// Hessian: both parts are exact second derivatives), row-major.
        func gradientAndHessian(_ c: [Double]) -> (gradient: [Double], hessian: [Double]) {
            var hessian = penaltyMatrix.map { 2 * $0 }
            var gradient = [Double](repeating: 0, count: count)
            for a in 0..<count {
                var value = -penaltyVector[a]
                for b in 0..<count { value += penaltyMatrix[a * count + b] * c[b] }
                gradient[a] = 2 * value
            }
            for j in 0..<distances.count {
                let z = (offset(c, at: j) - distances[j]) / width
                let f = 1 / (1 + exp(-z))
                let slope = dataWeight * (f - targets[j]) / width
                let curvature = dataWeight * f * (1 - f) / (width * width)
                for a in 0..<count {
                    let pa = basis[j * count + a]
                    gradient[a] += slope * pa
                    let weighted = curvature * pa
                    for b in a..<count { hessian[a * count + b] += weighted * basis[j * count + b] }
                }
            }
            for a in 0..<count {
                for b in 0..<a { hessian[a * count + b] = hessian[b * count + a] }
            }
            return (gradient, hessian)
        }
    }

    /// What one fit needs: the objective, C0 resampled equally in arc length, its outward unit
    /// normals and the basis at its vertices (n x count, row-major).
    struct Problem: Sendable {
        var objective: Objective
        var curve: [Point]
        var normals: [Point]
        var vertexBasis: [Double]
    }

    /// The refined border (as many points as `border`, equally spaced in arc length along C0), or
    /// nil when the fit is not trustworthy (too few points, non-finite values, offset too large).
    ///
    /// `inside` is row-major `rows` x `columns`, pixel (r, c) centred at (c + 0.5, r + 0.5); pixels
    /// outside the image count as outside. Levenberg-Marquardt from d = 0 with a fixed iteration budget.
    func refine(_ border: [Point], inside: [Bool], rows: Int, columns: Int) -> [Point]? {
        guard let problem = problem(border, inside: inside, rows: rows, columns: columns) else { return nil }
        let objective = problem.objective, count = objective.count
        var coefficients = [Double](repeating: 0, count: count)
        var current = objective.energy(coefficients)
        var damping = 1e-3
        for _ in 0..<iterations {
            let (gradient, hessian) = objective.gradientAndHessian(coefficients)
            var accepted = false, largestStep = 0.0
            for _ in 0..<8 {
                var system = hessian
                for a in 0..<count { system[a * count + a] += damping * (1 + hessian[a * count + a]) }
                guard let delta = Self.solve(system, gradient.map { -$0 }, count) else { damping *= 10; continue }
                let trial = zip(coefficients, delta).map { $0 + $1 }
                let trialEnergy = objective.energy(trial)
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
        let n = problem.curve.count
        var result: [Point] = []
        result.reserveCapacity(n)
        for i in 0..<n {
            var d = 0.0
            for m in 0..<count { d += coefficients[m] * problem.vertexBasis[i * count + m] }
            guard d.isFinite, abs(d) <= maximumOffset else { return nil }
            result.append(problem.curve[i] + d * problem.normals[i])
        }
        return result
    }

    /// The fitting problem of `border` against the region `inside` (see `refine`), or nil when
    /// there is too little data.
    func problem(_ border: [Point], inside: [Bool], rows: Int, columns: Int) -> Problem? {
        let n = border.count
        guard n >= 16, inside.count == rows * columns, minimumWavelength > 0 else { return nil }
        let curve = FourierSmoothing.resample(border, count: n)
        guard curve.count == n else { return nil }
        let length = PolygonGeometry.perimeter(curve)
        guard length > 0, length.isFinite, Int(length / minimumWavelength) <= maximumModes else { return nil }
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
        let objective = Objective(
            count: count, basis: phis, distances: samples.map { $0.t }, targets: samples.map { $0.target }, width: width,
            dataWeight: dataWeight, penaltyMatrix: penaltyMatrix, penaltyVector: penaltyVector, penaltyConstant: penaltyConstant)
        return Problem(objective: objective, curve: curve, normals: normals, vertexBasis: vertexBasis)
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
