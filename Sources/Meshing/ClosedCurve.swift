import Foundation

/// A smooth closed curve: the periodic cubic spline through a closed polyline, parameterized by
/// cumulative chord length (mm when the knots are in mm).
///
/// With knots p_0 ... p_{n-1} at parameters t_0 = 0 < t_1 < ... < t_{n-1} < T (T = `period`, the
/// closed polyline's length), x(t) and y(t) are C2 cubic splines with period T that interpolate
/// the knots. On [t_i, t_{i+1}] with h = t_{i+1} - t_i,
///
///     S(t) = M_i (t_{i+1} - t)^3 / (6h) + M_{i+1} (t - t_i)^3 / (6h)
///          + (p_i / h - M_i h / 6) (t_{i+1} - t) + (p_{i+1} / h - M_{i+1} h / 6) (t - t_i),
///
/// where the second derivatives M_i solve the cyclic tridiagonal system
/// h_{i-1} M_{i-1} + 2 (h_{i-1} + h_i) M_i + h_i M_{i+1} = 6 ((p_{i+1} - p_i)/h_i - (p_i - p_{i-1})/h_{i-1}).
/// Parameters wrap: `point(at: t + period) == point(at: t)`. Chord length is close to arc length
/// for a finely sampled smooth polyline, so equal parameter steps give nearly equal arc steps.
public struct ClosedCurve: Sendable, Equatable {
    /// Interpolated points (without repeating the first one at the end).
    public private(set) var knots: [Point]
    /// Knot parameters t_0 = 0 ... t_{n-1}, followed by the period T (count n + 1).
    public private(set) var parameters: [Double]
    /// Second derivatives d^2 p / dt^2 at the knots.
    private var secondDerivatives: [Point]

    /// Parameter length of one loop: the length of the closed polyline through the knots.
    public var period: Double { parameters[parameters.count - 1] }

    /// Fits the periodic spline through `points` (consecutive duplicates are dropped).
    /// Throws `MeshError.invalidGeometry` when fewer than 3 distinct points remain or a point is
    /// not finite.
    public init(through points: [Point]) throws(MeshError) {
        var p: [Point] = []
        p.reserveCapacity(points.count)
        for q in points {
            guard q.x.isFinite, q.y.isFinite else { throw .invalidGeometry("closed curve through a non-finite point") }
            if let last = p.last, last == q { continue }
            p.append(q)
        }
        while p.count > 1, p[p.count - 1] == p[0] { p.removeLast() }
        guard p.count >= 3 else { throw .invalidGeometry("a closed curve needs at least 3 distinct points, got \(p.count)") }
        let n = p.count
        var t = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { t[i + 1] = t[i] + p[i].distance(to: p[(i + 1) % n]) }
        knots = p
        parameters = t
        secondDerivatives = Self.solveSecondDerivatives(points: p, parameters: t)
    }

    /// Cyclic tridiagonal solve by Sherman-Morrison on top of the Thomas algorithm.
    private static func solveSecondDerivatives(points p: [Point], parameters t: [Double]) -> [Point] {
        let n = p.count
        var h = [Double](repeating: 0, count: n)
        for i in 0..<n { h[i] = t[i + 1] - t[i] }
        var a = [Double](repeating: 0, count: n), b = a, c = a
        var rx = a, ry = a
        for i in 0..<n {
            let previous = (i + n - 1) % n, following = (i + 1) % n
            a[i] = h[previous]
            b[i] = 2 * (h[previous] + h[i])
            c[i] = h[i]
            let forward = p[following] - p[i], backward = p[i] - p[previous]
            rx[i] = 6 * (forward.x / h[i] - backward.x / h[previous])
            ry[i] = 6 * (forward.y / h[i] - backward.y / h[previous])
        }
        // A = tridiag(a, b, c) + corners A[0][n-1] = a_0, A[n-1][0] = c_{n-1}.
        let alpha = c[n - 1], beta = a[0], gamma = -b[0]
        var bb = b
        bb[0] = b[0] - gamma
        bb[n - 1] = b[n - 1] - alpha * beta / gamma
        var u = [Double](repeating: 0, count: n)
        u[0] = gamma
        u[n - 1] = alpha
        let z = thomas(a, bb, c, u)
        let xs = thomas(a, bb, c, rx), ys = thomas(a, bb, c, ry)
        let denominator = 1 + z[0] + beta * z[n - 1] / gamma
        let fx = (xs[0] + beta * xs[n - 1] / gamma) / denominator
        let fy = (ys[0] + beta * ys[n - 1] / gamma) / denominator
        return (0..<n).map { Point(xs[$0] - fx * z[$0], ys[$0] - fy * z[$0]) }
    }

    /// Solves the plain tridiagonal system (a below, b on, c above the diagonal).
    private static func thomas(_ a: [Double], _ b: [Double], _ c: [Double], _ r: [Double]) -> [Double] {
        let n = b.count
        var cp = [Double](repeating: 0, count: n), x = cp
        var denominator = b[0]
        x[0] = r[0] / denominator
        for i in 1..<n {
            cp[i - 1] = c[i - 1] / denominator
            denominator = b[i] - a[i] * cp[i - 1]
            x[i] = (r[i] - a[i] * x[i - 1]) / denominator
        }
        for i in stride(from: n - 2, through: 0, by: -1) { x[i] -= cp[i] * x[i + 1] }
        return x
    }

    /// Knot interval i with t_i <= tau < t_{i+1}, and tau = t wrapped into [0, T).
    private func locate(_ t: Double) -> (index: Int, tau: Double) {
        let period = self.period
        var tau = t - (t / period).rounded(.down) * period
        if tau >= period || tau < 0 { tau = 0 }
        var low = 0, high = knots.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if parameters[mid] <= tau { low = mid } else { high = mid - 1 }
        }
        return (low, tau)
    }

    /// The curve point at parameter `t` (any real; wraps with the period).
    public func point(at t: Double) -> Point {
        let (i, tau) = locate(t)
        let j = (i + 1) % knots.count
        let h = parameters[i + 1] - parameters[i]
        let u = parameters[i + 1] - tau, v = tau - parameters[i]
        let mi = secondDerivatives[i], mj = secondDerivatives[j]
        let pi = knots[i], pj = knots[j]
        func component(_ m0: Double, _ m1: Double, _ y0: Double, _ y1: Double) -> Double {
            m0 * u * u * u / (6 * h) + m1 * v * v * v / (6 * h) + (y0 / h - m0 * h / 6) * u + (y1 / h - m1 * h / 6) * v
        }
        return Point(component(mi.x, mj.x, pi.x, pj.x), component(mi.y, mj.y, pi.y, pj.y))
    }

    /// The derivative dp/dt at parameter `t` (close to a unit tangent for a chord-length parameter).
    public func derivative(at t: Double) -> Point {
        let (i, tau) = locate(t)
        let j = (i + 1) % knots.count
        let h = parameters[i + 1] - parameters[i]
        let u = parameters[i + 1] - tau, v = tau - parameters[i]
        let mi = secondDerivatives[i], mj = secondDerivatives[j]
        let pi = knots[i], pj = knots[j]
        func component(_ m0: Double, _ m1: Double, _ y0: Double, _ y1: Double) -> Double {
            -m0 * u * u / (2 * h) + m1 * v * v / (2 * h) - (y0 / h - m0 * h / 6) + (y1 / h - m1 * h / 6)
        }
        return Point(component(mi.x, mj.x, pi.x, pj.x), component(mi.y, mj.y, pi.y, pj.y))
    }

    /// Arc length of one loop, by 3-point Gauss-Legendre quadrature of |dp/dt| on every knot interval.
    public var length: Double {
        let nodes = [-0.774_596_669_241_483_4, 0.0, 0.774_596_669_241_483_4]
        let weights = [5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0]
        var total = 0.0
        for i in 0..<knots.count {
            let t0 = parameters[i], t1 = parameters[i + 1]
            let half = 0.5 * (t1 - t0), centre = 0.5 * (t0 + t1)
            for k in 0..<3 { total += weights[k] * half * derivative(at: centre + half * nodes[k]).length }
        }
        return total
    }

    /// `count` points at equal parameter steps T / count, starting at t = 0.
    public func samples(count: Int) -> [Point] {
        guard count > 0 else { return [] }
        let step = period / Double(count)
        return (0..<count).map { point(at: Double($0) * step) }
    }

    /// Area enclosed by the curve (signed like the shoelace formula), from a dense polygon of
    /// 8 points per knot interval.
    public var signedArea: Double {
        var dense: [Point] = []
        dense.reserveCapacity(8 * knots.count)
        for i in 0..<knots.count {
            let t0 = parameters[i], t1 = parameters[i + 1]
            for k in 0..<8 { dense.append(point(at: t0 + (t1 - t0) * Double(k) / 8)) }
        }
        return PolygonGeometry.signedArea(dense)
    }
}
