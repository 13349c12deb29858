import Foundation
import Meshing

/// Finds, for points in the reference configuration, the element and local coordinates
/// (xi, eta) with X(xi, eta) = x on the isoparametric P2 map, and for points just outside the
/// mesh the nearest point of its border.
///
/// Elements are binned by their (slightly enlarged) bounding boxes on a uniform grid; the map is
/// inverted by Newton's method from the element centroid.
final class PointLocator {
    private let discretization: MixedDiscretization
    private let origin: Point
    private let cellSize: Double
    private let columns: Int
    private let rows: Int
    private var buckets: [[Int32]]
    /// Each element's padded bounding box (min x, min y, max x, max y): a point outside it is not
    /// in the element, which saves the Newton inversion for most of a bucket's elements.
    private var boxes: [SIMD4<Double>]
    /// Border segments as (element, local edge k: nodes k, k+1 mod 3 with mid-side node 3 + k).
    private let borderEdges: [(element: Int, edge: Int)]

    init(discretization d: MixedDiscretization) {
        discretization = d
        var lo = Point(Double.infinity, Double.infinity), hi = Point(-Double.infinity, -Double.infinity)
        for p in d.nodes.positions {
            lo = Point(min(lo.x, p.x), min(lo.y, p.y))
            hi = Point(max(hi.x, p.x), max(hi.y, p.y))
        }
        let meanArea = d.area / Double(max(1, d.elementCount))
        cellSize = max(2 * meanArea.squareRoot(), 1e-9)
        origin = lo
        columns = max(1, Int(((hi.x - lo.x) / cellSize).rounded(.up)) + 1)
        rows = max(1, Int(((hi.y - lo.y) / cellSize).rounded(.up)) + 1)
        buckets = [[Int32]](repeating: [], count: columns * rows)
        boxes = [SIMD4<Double>](repeating: SIMD4(0, 0, -1, -1), count: d.elementCount)
        for e in 0..<d.elementCount {
            var bl = Point(Double.infinity, Double.infinity), bh = Point(-Double.infinity, -Double.infinity)
            for a in 0..<6 {
                let p = d.nodes.positions[Int(d.elementNodes[6 * e + a])]
                bl = Point(min(bl.x, p.x), min(bl.y, p.y))
                bh = Point(max(bh.x, p.x), max(bh.y, p.y))
            }
            // A curved edge can bulge past its three nodes; widen the box by a quarter of its size.
            let pad = 0.25 * max(bh.x - bl.x, bh.y - bl.y)
            boxes[e] = SIMD4(bl.x - pad, bl.y - pad, bh.x + pad, bh.y + pad)
            let c0 = max(0, Int((bl.x - pad - lo.x) / cellSize)), c1 = min(columns - 1, Int((bh.x + pad - lo.x) / cellSize))
            let r0 = max(0, Int((bl.y - pad - lo.y) / cellSize)), r1 = min(rows - 1, Int((bh.y + pad - lo.y) / cellSize))
            if c0 > c1 || r0 > r1 { continue }
            for r in r0...r1 { for c in c0...c1 { buckets[r * columns + c].append(Int32(e)) } }
        }
        var edgeOwner: [SIMD2<Int32>: (Int, Int)] = [:]
        for e in 0..<d.elementCount {
            for k in 0..<3 {
                let a = d.elementNodes[6 * e + k], b = d.elementNodes[6 * e + (k + 1) % 3]
                edgeOwner[a < b ? SIMD2(a, b) : SIMD2(b, a)] = (e, k)
            }
        }
        borderEdges = d.mesh.boundarySegments.compactMap { s in
            edgeOwner[s.start < s.end ? SIMD2(s.start, s.end) : SIMD2(s.end, s.start)].map { (element: $0.0, edge: $0.1) }
        }
    }

    /// Reference coordinates of the element node positions mapped at (xi, eta).
    private func position(element e: Int, xi: Double, eta: Double) -> Point {
        let N = ReferenceTriangle.quadraticValues(xi, eta)
        var x = Point.zero
        for a in 0..<6 { x = x + N[a] * discretization.nodes.positions[Int(discretization.elementNodes[6 * e + a])] }
        return x
    }

    /// Inverts the isoparametric map of element e at x by Newton's method; nil if it does not converge.
    private func invert(element e: Int, at x: Point) -> (xi: Double, eta: Double)? {
        var xi = 1.0 / 3, eta = 1.0 / 3
        for _ in 0..<25 {
            let g = ReferenceTriangle.quadraticGradients(xi, eta)
            var X = Point.zero, j11 = 0.0, j12 = 0.0, j21 = 0.0, j22 = 0.0
            let N = ReferenceTriangle.quadraticValues(xi, eta)
            for a in 0..<6 {
                let p = discretization.nodes.positions[Int(discretization.elementNodes[6 * e + a])]
                X = X + N[a] * p
                j11 += p.x * g[2 * a]; j12 += p.x * g[2 * a + 1]
                j21 += p.y * g[2 * a]; j22 += p.y * g[2 * a + 1]
            }
            let det = j11 * j22 - j12 * j21
            guard det > 0 else { return nil }
            let r = x - X
            let dxi = (j22 * r.x - j12 * r.y) / det, deta = (-j21 * r.x + j11 * r.y) / det
            xi += dxi
            eta += deta
            if abs(xi) > 10 || abs(eta) > 10 { return nil }
            // Reference coordinates are O(1); round-off in x (about 1e-15 x |x|) limits them to about
            // 1e-15 |x| / h, so a tighter test would fail on small elements far from the origin.
            if abs(dxi) + abs(deta) < 1e-10 { return (xi, eta) }
        }
        return nil
    }

    /// The element and local coordinates containing x, or nil when x lies outside the mesh.
    func locate(_ x: Point) -> (element: Int, xi: Double, eta: Double)? {
        let c = Int(((x.x - origin.x) / cellSize).rounded(.down)), r = Int(((x.y - origin.y) / cellSize).rounded(.down))
        guard c >= 0, c < columns, r >= 0, r < rows else { return nil }
        let tolerance = 1e-10
        for e in buckets[r * columns + c] {
            let box = boxes[Int(e)]
            if x.x < box.x || x.y < box.y || x.x > box.z || x.y > box.w { continue }
            if let (xi, eta) = invert(element: Int(e), at: x), xi >= -tolerance, eta >= -tolerance, xi + eta <= 1 + tolerance {
                return (Int(e), xi, eta)
            }
        }
        return nil
    }

    /// The point of the mesh border nearest to x, as element and local coordinates, with its distance (mm).
    func nearestBorderPoint(to x: Point) -> (element: Int, xi: Double, eta: Double, distance: Double) {
        var best = (element: 0, xi: 0.0, eta: 0.0, distance: Double.infinity)
        // Local coordinates of edge k at parameter t in [0, 1] from node k to node k + 1.
        func local(_ k: Int, _ t: Double) -> (Double, Double) {
            switch k {
            case 0: (t, 0)
            case 1: (1 - t, t)
            default: (0, 1 - t)
            }
        }
        for (e, k) in borderEdges {
            var bestT = 0.0, bestDistance = Double.infinity
            for step in 0...16 {
                let t = Double(step) / 16
                let (xi, eta) = local(k, t)
                let distance = position(element: e, xi: xi, eta: eta).distance(to: x)
                if distance < bestDistance { (bestT, bestDistance) = (t, distance) }
            }
            // Golden-section refinement around the best sample.
            var a = max(0, bestT - 1.0 / 16), b = min(1, bestT + 1.0 / 16)
            for _ in 0..<40 {
                let m1 = a + 0.382 * (b - a), m2 = a + 0.618 * (b - a)
                let (x1, y1) = local(k, m1), (x2, y2) = local(k, m2)
                if position(element: e, xi: x1, eta: y1).distance(to: x) < position(element: e, xi: x2, eta: y2).distance(to: x) {
                    b = m2
                } else {
                    a = m1
                }
            }
            let t = 0.5 * (a + b)
            let (xi, eta) = local(k, t)
            let distance = position(element: e, xi: xi, eta: eta).distance(to: x)
            if distance < best.distance { best = (e, xi, eta, distance) }
        }
        return best
    }
}
