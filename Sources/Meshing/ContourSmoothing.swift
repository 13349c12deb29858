import Foundation

/// Taubin (lambda/mu) smoothing of closed polylines followed by an area-restoring normal offset.
///
/// One iteration is a shrinking Laplacian step p_i += lambda (m_i - p_i) and an inflating step
/// p_i += mu (m_i - p_i), with m_i = (p_{i-1} + p_{i+1}) / 2 and mu < -lambda < 0. It removes the
/// pixel staircase (high curve frequencies) while nearly keeping the low frequencies that carry
/// the shape. `offset(_:toArea:)` then moves every vertex along its normal by one common distance
/// so that the enclosed area equals a target, so smoothing never shrinks the wall.
public struct ContourSmoothing: Sendable {
    /// Number of lambda/mu iteration pairs.
    public var iterations: Int
    /// Shrinking factor, in (0, 1).
    public var lambda: Double
    /// Inflating factor, with mu < -lambda.
    public var mu: Double

    /// Creates a smoother; the defaults give a pass band k_PB = 1/lambda + 1/mu of about 0.1.
    public init(iterations: Int = 20, lambda: Double = 0.5, mu: Double = -0.53) {
        self.iterations = iterations
        self.lambda = lambda
        self.mu = mu
    }

    /// The closed polyline after `iterations` lambda/mu pairs (vertex count and order unchanged).
    public func smooth(_ points: [Point]) -> [Point] {
        let n = points.count
        guard n >= 3, iterations > 0 else { return points }
        var p = points
        var q = points
        for _ in 0..<iterations {
            for factor in [lambda, mu] {
                for i in 0..<n {
                    let a = p[i == 0 ? n - 1 : i - 1], b = p[i == n - 1 ? 0 : i + 1]
                    let m = Point(0.5 * (a.x + b.x), 0.5 * (a.y + b.y))
                    q[i] = Point(p[i].x + factor * (m.x - p[i].x), p[i].y + factor * (m.y - p[i].y))
                }
                swap(&p, &q)
            }
        }
        return p
    }

    /// Moves both borders of a wall by one distance d away from the wall (the outer border
    /// outwards, the lumen border into the lumen) so that the wall area |A_outer| - |A_lumen|
    /// equals `area`. Newton-like steps on A(d) ~ A(0) + d (P_outer + P_lumen), at most eight.
    public static func offsetWall(outer: [Point], lumen: [Point], toArea area: Double) -> (outer: [Point], lumen: [Point]) {
        guard outer.count >= 3, lumen.count >= 3 else { return (outer, lumen) }
        let outerNormals = outwardNormals(outer), lumenNormals = outwardNormals(lumen)
        var resultOuter = outer, resultLumen = lumen
        var distance = 0.0
        for _ in 0..<8 {
            let current = abs(PolygonGeometry.signedArea(resultOuter)) - abs(PolygonGeometry.signedArea(resultLumen))
            let perimeter = PolygonGeometry.perimeter(resultOuter) + PolygonGeometry.perimeter(resultLumen)
            guard perimeter > 0, abs(area - current) > 1e-13 * area else { break }
            distance += (area - current) / perimeter
            for i in outer.indices { resultOuter[i] = outer[i] + distance * outerNormals[i] }
            for i in lumen.indices { resultLumen[i] = lumen[i] - distance * lumenNormals[i] }
        }
        return (resultOuter, resultLumen)
    }

    /// Unit normals pointing away from the region the closed polyline encloses (right of travel,
    /// (t_y, -t_x), for a counter-clockwise polyline; left of travel for a clockwise one), from
    /// central differences.
    static func outwardNormals(_ points: [Point]) -> [Point] {
        let n = points.count
        let sign: Double = PolygonGeometry.signedArea(points) >= 0 ? 1 : -1
        return (0..<n).map { i in
            let t = points[i == n - 1 ? 0 : i + 1] - points[i == 0 ? n - 1 : i - 1]
            let length = t.length
            return length > 0 ? Point(sign * t.y / length, -sign * t.x / length) : .zero
        }
    }

    /// Moves every vertex by one distance d along the outward unit normal (away from the enclosed
    /// region, whatever the orientation) so that |signed area| = `area`.
    ///
    /// Newton-like steps on A(d) ~ A(0) + d P with P the perimeter, at most eight; a few reach the
    /// target to rounding for the sub-pixel offsets that smoothing needs.
    public static func offset(_ points: [Point], toArea area: Double) -> [Point] {
        let n = points.count
        guard n >= 3 else { return points }
        let normals = outwardNormals(points)
        var result = points
        var distance = 0.0
        for _ in 0..<8 {
            let current = abs(PolygonGeometry.signedArea(result))
            let perimeter = PolygonGeometry.perimeter(result)
            guard perimeter > 0, abs(area - current) > 1e-13 * area else { break }
            distance += (area - current) / perimeter
            for i in 0..<n { result[i] = points[i] + distance * normals[i] }
        }
        return result
    }
}
