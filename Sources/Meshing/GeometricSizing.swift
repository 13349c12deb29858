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

/// Nearest-sample queries over a fixed point set: a static 2-d tree (points reordered so that
/// every subtree is a contiguous range split at its median, alternating x and y), searched by
/// branch and bound. A query visits O(log n) nodes for points near the samples and stays cheap far
/// from them (a bucket grid pays for every empty cell between a lumen centre and its border).
struct NearestSampleIndex: Sendable {
    private let xs: [Double]
    private let ys: [Double]
    private let sizes: [Double]

    init(points: [Point], sizes: [Double]) {
        var order = Array(0..<points.count)
        func build(_ lo: Int, _ hi: Int, _ depth: Int) {
            guard hi - lo > 1 else { return }
            let mid = (lo + hi) / 2
            // Sorting the range is O(n log^2 n) overall: fine for the few thousand border samples.
            if depth % 2 == 0 {
                order[lo..<hi].sort { (points[$0].x, $0) < (points[$1].x, $1) }
            } else {
                order[lo..<hi].sort { (points[$0].y, $0) < (points[$1].y, $1) }
            }
            build(lo, mid, depth + 1)
            build(mid + 1, hi, depth + 1)
        }
        build(0, points.count, 0)
        xs = order.map { points[$0].x }
        ys = order.map { points[$0].y }
        self.sizes = order.map { sizes[$0] }
    }

    /// Distance from `p` to the nearest sample, and that sample's size.
    func nearest(to p: Point) -> (distance: Double, size: Double) {
        var best = Double.infinity, bestIndex = 0
        func search(_ lo: Int, _ hi: Int, _ depth: Int) {
            guard lo < hi else { return }
            let mid = (lo + hi) / 2
            let dx = xs[mid] - p.x, dy = ys[mid] - p.y
            let d = dx * dx + dy * dy
            if d < best { best = d; bestIndex = mid }
            let split = depth % 2 == 0 ? -dx : -dy
            // Near side first; the far side only if the splitting line is closer than the best.
            if split < 0 {
                search(lo, mid, depth + 1)
                if split * split < best { search(mid + 1, hi, depth + 1) }
            } else {
                search(mid + 1, hi, depth + 1)
                if split * split < best { search(lo, mid, depth + 1) }
            }
        }
        search(0, xs.count, 0)
        return (best.squareRoot(), sizes[bestIndex])
    }
}
