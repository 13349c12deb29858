/// The outline of one plaque component inside the wall (a lipid pool or a calcium deposit): a
/// closed curve through `points` (mm for contour input, pixels for mask input before scaling).
public struct ComponentOutline: Sendable, Equatable {
    /// Which component the outline encloses (`.lipid` or `.calcium`; `.wall` is what is left).
    public var component: TissueComponent
    /// Points of the closed outline (the last need not repeat the first).
    public var points: [Point]

    /// Creates an outline.
    public init(component: TissueComponent, points: [Point]) {
        self.component = component
        self.points = points
    }
}

/// How one component outline was fitted into the wall mesh: where it crosses the lumen or outer
/// border the outline is clipped to the wall (the border takes over as the component's border).
public struct ComponentClipping: Sendable, Equatable, Codable {
    /// The component.
    public var component: TissueComponent
    /// Area enclosed by the outline's smooth curve (mm^2).
    public var outlineArea: Double
    /// Area of the mesh triangles given to the outline (mm^2).
    public var meshedArea: Double
    /// How often the outline crosses the lumen border.
    public var lumenCrossings: Int
    /// How often the outline crosses the outer border (EEM).
    public var outerCrossings: Int

    /// Outline area left out of the wall, max(0, outline - meshed) (mm^2).
    public var clippedArea: Double { max(0, outlineArea - meshedArea) }
    /// Whether the outline had to be clipped (it crosses a border).
    public var isClipped: Bool { lumenCrossings + outerCrossings > 0 }
}

/// Turns component outlines into interface chains of the wall triangulation (clipped to the wall)
/// and gives every triangle its region afterwards.
struct ComponentChains {
    struct Crossing {
        var outlineParameter: Double
        var border: Int  // loop index: 0 outer, 1 lumen
        var borderParameter: Double
    }

    /// One outline's curve, dense polygon and crossings.
    struct Fitted {
        var component: TissueComponent
        /// Area of the polygon of the outline's points as given (curve units squared).
        var outlineArea: Double
        var curve: ClosedCurve
        var polygon: [Point]
        var crossings: [Crossing]
    }

    var fitted: [Fitted] = []
    /// Chains for `ConstrainedDelaunay`, with the outline each belongs to.
    var chains: [(outline: Int, chain: ConstrainedDelaunay.InterfaceChain)] = []

    /// Dense (parameter, point) samples of a curve, `perKnot` per knot interval.
    static func dense(_ curve: ClosedCurve, perKnot: Int) -> [(t: Double, p: Point)] {
        var out: [(Double, Point)] = []
        out.reserveCapacity(perKnot * curve.knots.count)
        for i in 0..<curve.knots.count {
            let t0 = curve.parameters[i], t1 = curve.parameters[i + 1]
            for k in 0..<perKnot {
                let t = t0 + (t1 - t0) * Double(k) / Double(perKnot)
                out.append((t, curve.point(at: t)))
            }
        }
        return out
    }

    /// Fits `outlines` (curve units) to the wall between `outer` and `lumen`, whose border vertices
    /// sit at `borderParameters` ([outer, lumen]); crossing points are added to those parameters.
    /// Interface vertices are spaced by `size` (at most 1/24 of the outline's length).
    init(outlines: [ComponentOutline], outer: ClosedCurve, lumen: ClosedCurve, borderParameters: inout [[Double]],
         size: (Point) -> Double) throws(MeshError) {
        let borders = [outer, lumen]
        let borderDense = borders.map { Self.dense($0, perKnot: 4) }
        let borderPolygons = borderDense.map { $0.map(\.p) }
        let borderIndices = borderDense.map(Self.borderIndex)
        func inWall(_ p: Point) -> Bool {
            PolygonGeometry.contains(borderPolygons[0], p) && !PolygonGeometry.contains(borderPolygons[1], p)
        }
        for (index, outline) in outlines.enumerated() {
            guard outline.component != .wall else {
                throw .invalidGeometry("component outline \(index) is marked wall; outlines enclose lipid or calcium")
            }
            var points = outline.points
            while points.count > 1, points[points.count - 1].distance(to: points[0]) < 1e-9 { points.removeLast() }
            guard points.count >= 4, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
                throw .invalidGeometry("component outline \(index) needs at least 4 finite points")
            }
            // An outline point closer to a border than half the local element size is taken to lie
            // on it: it moves to that distance outside the wall, along the border's normal, so that
            // the outline is clipped there instead of leaving a sliver of wall only tiny elements
            // could fill (traced outlines often run a few micrometres inside the lumen or EEM).
            // Points farther out stay; the clipping removes them. The first of these that gives an
            // outline that does not cross itself is used: points on either side moved (the rule as
            // designed for traced contours), points inside the wall only (an outline that runs
            // along just outside a border, as a class mask's grown deposit does, no longer folds
            // onto the same line twice), the outline as given (where the band of half an element
            // is wider than the outline's own detail, as on fine masks, so moving folds it).
            var fit: (curve: ClosedCurve, dense: [(t: Double, p: Point)])?
            let spacing = 0.3 * PolygonGeometry.perimeter(outline.points) / Double(outline.points.count)
            for rule in [BorderSnapping.bothSides, .insideOnly, .none] {
                let moved = Self.snapped(points, rule: rule, borders: borders, borderDense: borderDense, borderIndices: borderIndices,
                                         size: size, spacing: spacing)
                guard moved.count >= 4 else {
                    throw .invalidGeometry("component outline \(index) lies along a border (nothing left in the wall)")
                }
                let curve = try ClosedCurve(through: moved)
                let dense = Self.dense(curve, perKnot: 4)
                if PolygonGeometry.selfIntersection(dense.map(\.p)) == nil { fit = (curve, dense); break }
            }
            guard let (curve, dense) = fit else {
                throw .borderSelfIntersects("component outline \(index) crosses itself")
            }
            let polygon = dense.map(\.p)
            for (j, other) in fitted.enumerated() where PolygonGeometry.intersection(polygon, other.polygon) != nil {
                throw .invalidGeometry("component outlines \(j) and \(index) cross or touch (outlines must not overlap)")
            }
            // Crossings with the borders, by segment intersection of the dense polygons with
            // linear interpolation of both parameters.
            var crossings: [Crossing] = []
            for (b, borderSamples) in borderDense.enumerated() {
                let boxes = PolygonGeometry.edgeBoxes(borderSamples.map(\.p))
                let longestBorderSegment = boxes.reduce(0) { max($0, $1.maxX - $1.minX, $1.maxY - $1.minY) }
                for i in 0..<dense.count {
                    let p1 = dense[i].p, p2 = dense[(i + 1) % dense.count].p
                    let s1 = dense[i].t, s2 = i + 1 < dense.count ? dense[i + 1].t : curve.period
                    // A segment farther from every border sample than its own length plus the
                    // longest border segment (diagonal bound) cannot meet the border: most of a
                    // long outline is skipped without the scan over all border segments.
                    let reach = p1.distance(to: p2) + 1.5 * longestBorderSegment
                    if borderIndices[b].nearest(to: p1).distance > reach { continue }
                    let box = PolygonGeometry.Box(minX: min(p1.x, p2.x), minY: min(p1.y, p2.y), maxX: max(p1.x, p2.x), maxY: max(p1.y, p2.y))
                    for j in boxes.indices where boxes[j].overlaps(box) {
                        let q1 = borderSamples[j].p, q2 = borderSamples[(j + 1) % borderSamples.count].p
                        let d = Point.cross(p2 - p1, q2 - q1)
                        guard d != 0 else { continue }
                        let u = Point.cross(q1 - p1, q2 - q1) / d, v = Point.cross(q1 - p1, p2 - p1) / d
                        guard u >= 0, u < 1, v >= 0, v < 1 else { continue }
                        let t1 = borderSamples[j].t, t2 = j + 1 < borderSamples.count ? borderSamples[j + 1].t : borders[b].period
                        crossings.append(Crossing(outlineParameter: s1 + u * (s2 - s1), border: b, borderParameter: t1 + v * (t2 - t1)))
                    }
                }
            }
            crossings.sort { $0.outlineParameter < $1.outlineParameter }
            if crossings.count % 2 == 1 {
                throw .invalidGeometry("component outline \(index) crosses the wall borders an odd number of times (touches a border?)")
            }
            fitted.append(Fitted(component: outline.component, outlineArea: abs(PolygonGeometry.signedArea(outline.points)), curve: curve, polygon: polygon, crossings: crossings))
        }

        // Border vertices at the crossings: existing vertices closer than 0.4 of the local spacing
        // give way, so no border segment is much shorter than its neighbours.
        var added: [[Double]] = [[], []]
        for f in fitted { for c in f.crossings { added[c.border].append(c.borderParameter) } }
        for b in 0..<2 where !added[b].isEmpty {
            let old = borderParameters[b]
            let period = borders[b].period
            let spacing = period / Double(old.count)
            var kept = old.filter { t in
                !added[b].contains { x in
                    let d = abs(t - x)
                    return min(d, period - d) < 0.4 * spacing
                }
            }
            kept += added[b]
            kept.sort()
            for k in 1..<kept.count where kept[k] - kept[k - 1] <= 1e-12 * period {
                throw .invalidGeometry("two component outlines cross a border at the same point")
            }
            borderParameters[b] = kept
        }

        for (o, f) in fitted.enumerated() {
            let period = f.curve.period
            let cap = f.curve.length / 24
            func spacing(_ t: Double) -> Double { min(size(f.curve.point(at: t)), cap) }
            if f.crossings.isEmpty {
                // Wholly inside the wall (kept) or wholly outside it (dropped: clipped away).
                guard inWall(f.curve.point(at: 0)) else { continue }
                let parameters = Self.sized(f.curve, from: 0, to: period, spacing: spacing, closed: true)
                chains.append((o, .init(curve: f.curve, parameters: parameters, start: nil, end: nil)))
                continue
            }
            for k in 0..<f.crossings.count {
                let a = f.crossings[k], b = f.crossings[(k + 1) % f.crossings.count]
                let from = a.outlineParameter, to = k + 1 < f.crossings.count ? b.outlineParameter : b.outlineParameter + period
                guard inWall(f.curve.point(at: 0.5 * (from + to))) else { continue }
                let startIndex = borderParameters[a.border].firstIndex(of: a.borderParameter)!
                let endIndex = borderParameters[b.border].firstIndex(of: b.borderParameter)!
                let parameters = Self.sized(f.curve, from: from, to: to, spacing: spacing, closed: false)
                chains.append((o, .init(curve: f.curve, parameters: parameters,
                                        start: (a.border, startIndex, from), end: (b.border, endIndex, to))))
            }
        }
    }

    /// Parameters in (from, to) (or [from, to) when closed) spaced so that each piece is about
    /// `spacing` long where it lies: equal steps of the integral of ds / spacing.
    static func sized(_ curve: ClosedCurve, from: Double, to: Double, spacing: (Double) -> Double, closed: Bool) -> [Double] {
        let steps = 256
        let dt = (to - from) / Double(steps)
        var cumulative = [Double](repeating: 0, count: steps + 1)
        for i in 0..<steps {
            let t = from + (Double(i) + 0.5) * dt
            cumulative[i + 1] = cumulative[i] + curve.derivative(at: t).length * dt / max(spacing(t), 1e-12)
        }
        let total = cumulative[steps]
        let n = max(closed ? 12 : 1, Int(total.rounded()))
        var out: [Double] = []
        var i = 0
        for k in (closed ? 0 : 1)..<n {
            let target = total * Double(k) / Double(n)
            while i < steps - 1, cumulative[i + 1] < target { i += 1 }
            let span = cumulative[i + 1] - cumulative[i]
            out.append(from + (Double(i) + (span > 0 ? (target - cumulative[i]) / span : 0)) * dt)
        }
        return out
    }

    /// Region of every triangle: triangles are grouped into patches that no interface edge
    /// separates, and each patch goes to the outline that contains most of its area (or the wall).
    /// Returns the regions and the area given to each outline.
    func regions(points: [Point], triangles: [SIMD3<Int32>], interfaceEdges: Set<SIMD2<Int32>>) -> (regions: [Int32], areas: [Double]) {
        var edgeTriangles: [SIMD2<Int32>: [Int]] = [:]
        for (t, tri) in triangles.enumerated() {
            for (a, b) in [(tri.x, tri.y), (tri.y, tri.z), (tri.z, tri.x)] {
                edgeTriangles[TriangleMesh.edgeKey(a, b), default: []].append(t)
            }
        }
        var patch = [Int](repeating: -1, count: triangles.count)
        var patchCount = 0
        for start in triangles.indices where patch[start] < 0 {
            patch[start] = patchCount
            var stack = [start]
            while let t = stack.popLast() {
                let tri = triangles[t]
                for (a, b) in [(tri.x, tri.y), (tri.y, tri.z), (tri.z, tri.x)] {
                    let key = TriangleMesh.edgeKey(a, b)
                    if interfaceEdges.contains(key) { continue }
                    for n in edgeTriangles[key]! where patch[n] < 0 {
                        patch[n] = patchCount
                        stack.append(n)
                    }
                }
            }
            patchCount += 1
        }
        // votes[patch][outline + 1]: area inside each outline (slot 0: inside none).
        var votes = [[Double]](repeating: [Double](repeating: 0, count: fitted.count + 1), count: patchCount)
        var areas = [Double](repeating: 0, count: triangles.count)
        for (t, tri) in triangles.enumerated() {
            let a = points[Int(tri.x)], b = points[Int(tri.y)], c = points[Int(tri.z)]
            let centroid = Point((a.x + b.x + c.x) / 3, (a.y + b.y + c.y) / 3)
            areas[t] = 0.5 * Point.cross(b - a, c - a)
            let owner = fitted.firstIndex { PolygonGeometry.contains($0.polygon, centroid) }.map { $0 + 1 } ?? 0
            votes[patch[t]][owner] += areas[t]
        }
        let winner = votes.map { v in v.indices.max { v[$0] < v[$1] }! }
        var regions = [Int32](repeating: 0, count: triangles.count)
        var outlineAreas = [Double](repeating: 0, count: fitted.count)
        for t in triangles.indices where winner[patch[t]] > 0 {
            let o = winner[patch[t]] - 1
            regions[t] = fitted[o].component.rawValue
            outlineAreas[o] += areas[t]
        }
        return (regions, outlineAreas)
    }
}

extension ComponentChains {
    /// Which outline points near a border `snapped(_:rule:...)` moves.
    enum BorderSnapping {
        /// Points within half an element of a border, on either side of it.
        case bothSides
        /// Points inside the wall within half an element of a border.
        case insideOnly
        /// None.
        case none
    }

    /// `points` with those within half the local element size (`size`) of a border moved, by
    /// `rule`, to that distance outside the wall along the border's normal at their foot point;
    /// then one point kept of each cluster closer than `spacing` (a steep crossing moves several
    /// points to about one place).
    static func snapped(_ points: [Point], rule: BorderSnapping, borders: [ClosedCurve], borderDense: [[(t: Double, p: Point)]],
                        borderIndices: [NearestSampleIndex], size: (Point) -> Double, spacing: Double) -> [Point] {
        var points = points
        if rule != .none {
            for (k, p) in points.enumerated() {
                let gap = 0.5 * size(p)
                for (b, samples) in borderDense.enumerated() {
                    let foot = nearestPoint(on: samples, index: borderIndices[b], period: borders[b].period, to: p)
                    guard foot.distance < gap else { continue }
                    let tangent = borders[b].derivative(at: foot.t)
                    let length = max(tangent.length, 1e-300)
                    // The wall lies on the left of both borders: outward is the right-hand normal.
                    let outward = (1 / length) * Point(tangent.y, -tangent.x)
                    if rule == .insideOnly, Point.dot(p - foot.p, outward) > 0 { break }
                    // The point keeps its place along the border (its foot point, not the nearest
                    // border sample), so that consecutive points stay in order.
                    points[k] = foot.p + gap * outward
                    break
                }
            }
        }
        var kept: [Point] = []
        for p in points where kept.last.map({ p.distance(to: $0) > spacing }) ?? true { kept.append(p) }
        while kept.count > 1, kept[kept.count - 1].distance(to: kept[0]) <= spacing { kept.removeLast() }
        return kept
    }

    /// The point of the closed polygon through `samples` nearest to `p` (on one of the two segments
    /// at the sample `index` finds nearest), its distance, and its curve parameter (linear between
    /// the samples' parameters; `period` closes the last segment).
    static func nearestPoint(on samples: [(t: Double, p: Point)], index: NearestSampleIndex, period: Double,
                             to p: Point) -> (p: Point, t: Double, distance: Double) {
        // The index's "size" of a sample is its position in `samples` (see `borderIndex`).
        let j = Int(index.nearest(to: p).size)
        var best = (p: samples[j].p, t: samples[j].t, distance: Double.infinity)
        for start in [(j + samples.count - 1) % samples.count, j] {
            let a = samples[start], b = samples[(start + 1) % samples.count]
            let tb = start + 1 < samples.count ? b.t : period
            let d = b.p - a.p
            let squared = Point.dot(d, d)
            let u = squared > 0 ? min(max(Point.dot(p - a.p, d) / squared, 0), 1) : 0
            let q = a.p + u * d
            let distance = q.distance(to: p)
            if distance < best.distance { best = (q, a.t + u * (tb - a.t), distance) }
        }
        return best
    }

    /// A nearest-sample index over `samples` whose per-sample value is the sample's position.
    static func borderIndex(_ samples: [(t: Double, p: Point)]) -> NearestSampleIndex {
        NearestSampleIndex(points: samples.map(\.p), sizes: samples.indices.map(Double.init))
    }
}
