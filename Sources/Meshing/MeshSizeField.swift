/// Target edge length over the wall, graded from the lumen to the outer border:
/// h(p) = h_lumen + (h_outer - h_lumen) d_l / (d_l + d_o), with d_l, d_o the distances from p to
/// the lumen and outer border polygons. Tabulated on a grid of about one border spacing and
/// interpolated bilinearly, so a query costs O(1).
///
/// With a `GeometricSizing` attached, the size is max(graded(p), geometric(p)): the graded field is
/// then a floor (the pixel for masks: a mask says nothing finer), the geometry decides above it.
struct MeshSizeField {
    let lumenLength: Double
    let outerLength: Double
    /// Size from the wall's own geometry, if any.
    var geometry: GeometricSizing?
    /// Whether the size is the same everywhere (no grading, no geometry).
    var isUniform: Bool { lumenLength == outerLength && geometry == nil }
    private var origin = Point.zero
    private var spacing = 1.0
    private var columns = 0
    private var rows = 0
    private var table: [Double] = []

    /// Uniform size `length`.
    init(uniform length: Double) {
        lumenLength = length
        outerLength = length
    }

    /// Size graded between the two border polygons; `deadline` is checked every row of the table
    /// (each row costs border samples x 130 distances: milliseconds on a 1024 x 1024 mask).
    init(lumen: [Point], lumenLength: Double, outer: [Point], outerLength: Double, deadline: Deadline = .never) throws(MeshError) {
        self.lumenLength = lumenLength
        self.outerLength = outerLength
        guard outerLength != lumenLength, !outer.isEmpty, !lumen.isEmpty else { return }
        var minX = outer[0].x, maxX = minX, minY = outer[0].y, maxY = minY
        for p in outer { minX = min(minX, p.x); maxX = max(maxX, p.x); minY = min(minY, p.y); maxY = max(maxY, p.y) }
        spacing = max(lumenLength, (maxX - minX + maxY - minY) / 128)
        origin = Point(minX - spacing, minY - spacing)
        columns = Int(((maxX - minX) / spacing).rounded(.up)) + 3
        rows = Int(((maxY - minY) / spacing).rounded(.up)) + 3
        table = [Double](repeating: lumenLength, count: rows * columns)
        func distanceSquared(_ p: Point, _ polygon: [Point]) -> Double {
            var best = Double.infinity
            for q in polygon {
                let dx = q.x - p.x, dy = q.y - p.y
                best = min(best, dx * dx + dy * dy)
            }
            return best
        }
        for r in 0..<rows {
            try deadline.check(during: "size field (row \(r) of \(rows))")
            for c in 0..<columns {
                let p = Point(origin.x + Double(c) * spacing, origin.y + Double(r) * spacing)
                let dl = distanceSquared(p, lumen).squareRoot(), d0 = distanceSquared(p, outer).squareRoot()
                let t = dl + d0 > 0 ? dl / (dl + d0) : 0
                table[r * columns + c] = lumenLength + (outerLength - lumenLength) * t
            }
        }
    }

    /// Target edge length at `p`.
    func length(at p: Point) -> Double {
        let graded = gradedLength(at: p)
        guard let geometry else { return graded }
        return max(graded, geometry.length(at: p))
    }

    private func gradedLength(at p: Point) -> Double {
        guard !table.isEmpty else { return lumenLength }
        let u = min(max((p.x - origin.x) / spacing, 0), Double(columns - 1) - 1e-9)
        let v = min(max((p.y - origin.y) / spacing, 0), Double(rows - 1) - 1e-9)
        let c = Int(u), r = Int(v)
        let fu = u - Double(c), fv = v - Double(r)
        let i = r * columns + c
        return (1 - fv) * ((1 - fu) * table[i] + fu * table[i + 1]) + fv * ((1 - fu) * table[i + columns] + fu * table[i + columns + 1])
    }
}
