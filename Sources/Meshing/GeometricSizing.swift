import Foundation

/// Element size from the wall's own geometry, independent of any pixel grid:
///
///     h(p) = min( h_l + (h_o - h_l) d_l / (d_l + d_o),      graded from lumen to outer border
///                 (d_l + d_o) / k,                           k elements across the local thickness
///                 h_c,l(q_l) + d_l,  h_c,o(q_o) + d_o )      border curvature, spread 1:1 inwards
///
/// with d_l, d_o the distances from p to the lumen and outer borders (for p in the wall their sum
/// is the local wall thickness), q_l, q_o the nearest border samples, h_l = P_l / n (P_l the lumen
/// perimeter, n `circumferentialElements`), h_o = f h_l, and h_c = rho 2 pi / n at a border sample of
/// curvature radius rho (so a circle gets n segments, a tight bend more). Distances are to dense
/// samples of the border curves, found through a bucket grid (a query costs O(1) for smooth borders).
/// A class: the size field is copied into the refinement's deep call frames, which stay small.
final class GeometricSizing: Sendable {
    let lumenLength: Double
    let outerLength: Double
    let elementsAcrossWall: Double
    private let lumen: NearestSampleIndex
    private let outer: NearestSampleIndex

    /// Sizing for the wall between `lumenCurve` and `outerCurve` (any length unit; the result is in it).
    init(lumenCurve: ClosedCurve, outerCurve: ClosedCurve, circumferentialElements: Double, outerFactor: Double,
         elementsAcrossWall: Double) {
        let hl = lumenCurve.period / circumferentialElements
        lumenLength = hl
        outerLength = outerFactor * hl
        self.elementsAcrossWall = elementsAcrossWall
        // Samples fine enough that distances (and so thicknesses) are right to a few per cent of the
        // thinnest walls that the knots resolve.
        func samples(_ curve: ClosedCurve, length: Double) -> (points: [Point], sizes: [Double]) {
            let knotSpacing = curve.period / Double(curve.knots.count)
            let count = min(20_000, max(64, Int((curve.period / min(length / 8, knotSpacing / 2)).rounded(.up))))
            let dt = curve.period / Double(count)
            var points: [Point] = [], sizes: [Double] = []
            points.reserveCapacity(count)
            sizes.reserveCapacity(count)
            for i in 0..<count {
                let t = Double(i) * dt
                points.append(curve.point(at: t))
                // Curvature radius from the turning of the tangent over one sample step.
                let d0 = curve.derivative(at: t - 0.5 * dt), d1 = curve.derivative(at: t + 0.5 * dt)
                let turn = abs(atan2(Point.cross(d0, d1), Point.dot(d0, d1)))
                let radius = turn > 0 ? dt / turn : .infinity
                sizes.append(min(length, max(length / 8, radius * 2 * Double.pi / circumferentialElements)))
            }
            return (points, sizes)
        }
        let l = samples(lumenCurve, length: hl), o = samples(outerCurve, length: outerFactor * hl)
        lumen = NearestSampleIndex(points: l.points, sizes: l.sizes)
        outer = NearestSampleIndex(points: o.points, sizes: o.sizes)
    }

    /// Target edge length at `p`.
    func length(at p: Point) -> Double {
        let (dl, hcl) = lumen.nearest(to: p), (d0, hco) = outer.nearest(to: p)
        let thickness = dl + d0
        let graded = thickness > 0 ? lumenLength + (outerLength - lumenLength) * dl / thickness : lumenLength
        return min(graded, thickness / elementsAcrossWall, hcl + dl, hco + d0)
    }
}

/// Nearest-sample queries over a fixed point set through a uniform bucket grid.
struct NearestSampleIndex: Sendable {
    private let points: [Point]
    private let sizes: [Double]
    private let origin: Point
    private let cell: Double
    private let columns: Int
    private let rows: Int
    /// Bucket b holds sample indices `order[start[b]..<start[b + 1]]`.
    private let start: [Int]
    private let order: [Int32]

    init(points: [Point], sizes: [Double]) {
        self.points = points
        self.sizes = sizes
        var lo = points[0], hi = points[0]
        for p in points {
            lo = Point(min(lo.x, p.x), min(lo.y, p.y))
            hi = Point(max(hi.x, p.x), max(hi.y, p.y))
        }
        let extent = max(hi.x - lo.x, hi.y - lo.y, 1e-12)
        // About one sample per bucket along a border that spans the box.
        cell = max(extent / 256, extent / Double(max(1, points.count)) * 2)
        origin = lo
        columns = Int((hi.x - lo.x) / cell) + 1
        rows = Int((hi.y - lo.y) / cell) + 1
        var counts = [Int](repeating: 0, count: rows * columns + 1)
        let (bucketRows, bucketColumns, size) = (rows, columns, cell)
        let buckets = points.map { p in
            min(bucketRows - 1, Int((p.y - lo.y) / size)) * bucketColumns + min(bucketColumns - 1, Int((p.x - lo.x) / size))
        }
        for b in buckets { counts[b + 1] += 1 }
        for b in 0..<(rows * columns) { counts[b + 1] += counts[b] }
        var fill = counts
        var order = [Int32](repeating: 0, count: points.count)
        for (i, b) in buckets.enumerated() {
            order[fill[b]] = Int32(i)
            fill[b] += 1
        }
        start = counts
        self.order = order
    }

    /// Distance from `p` to the nearest sample, and that sample's size.
    func nearest(to p: Point) -> (distance: Double, size: Double) {
        let u = (p.x - origin.x) / cell, v = (p.y - origin.y) / cell
        let c0 = min(max(Int(u.rounded(.down)), 0), columns - 1), r0 = min(max(Int(v.rounded(.down)), 0), rows - 1)
        // Distance from p to the box of buckets searched so far bounds every unsearched sample.
        var best = Double.infinity, bestIndex = 0
        var ring = 0
        let maxRing = max(rows, columns)
        while ring <= maxRing {
            let r1 = r0 - ring, r2 = r0 + ring, cA = c0 - ring, cB = c0 + ring
            for r in max(r1, 0)...min(r2, rows - 1) {
                let onEdgeRow = r == r1 || r == r2
                var c = max(cA, 0)
                while c <= min(cB, columns - 1) {
                    let b = r * columns + c
                    for k in start[b]..<start[b + 1] {
                        let i = Int(order[k])
                        let dx = points[i].x - p.x, dy = points[i].y - p.y
                        let d = dx * dx + dy * dy
                        if d < best { best = d; bestIndex = i }
                    }
                    // Inner rows only need their two edge columns.
                    c = onEdgeRow || c == cB ? c + 1 : max(c + 1, cB)
                }
            }
            // Every sample outside the searched box is at least this far from p.
            let gap = min(u - Double(cA), Double(cB + 1) - u, v - Double(r1), Double(r2 + 1) - v) * cell
            if best.isFinite, best <= gap * gap { break }
            ring += 1
        }
        return (best.squareRoot(), sizes[bestIndex])
    }
}
