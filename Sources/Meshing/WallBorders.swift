/// The two borders of one vessel-wall cross-section, checked: closed, simple, finite, and the lumen
/// strictly inside the outer border (EEM). Coordinates in mm.
///
/// Orientation is normalized as `MaskMesher`'s borders are: the outer border counter-clockwise
/// (positive signed area), the lumen clockwise (negative), so the wall lies on the left of both.
public struct WallBorders: Sendable, Equatable {
    /// The frame (or input) the borders belong to; used in errors.
    public var frame: Int
    /// Lumen border, clockwise, without a repeated last point.
    public private(set) var lumen: [Point]
    /// Outer border (EEM), counter-clockwise, without a repeated last point.
    public private(set) var outer: [Point]

    /// Checks and orients the borders of `frame`.
    ///
    /// Throws `ContourError.tooFewPoints` (fewer than `BorderContour.minimumPointCount` distinct
    /// points), `.notFinite`, `.selfIntersection`, or `.lumenNotInside` (the borders touch or cross,
    /// or the lumen lies outside the EEM).
    public init(frame: Int, lumen: [Point], outer: [Point]) throws(ContourError) {
        self.frame = frame
        self.lumen = try Self.checked(lumen, frame: frame, border: "lumen")
        self.outer = try Self.checked(outer, frame: frame, border: "EEM")
        if PolygonGeometry.signedArea(self.outer) < 0 { self.outer.reverse() }
        if PolygonGeometry.signedArea(self.lumen) > 0 { self.lumen.reverse() }
        if let (i, j) = PolygonGeometry.intersection(self.lumen, self.outer) {
            throw .lumenNotInside(frame: frame, reason: "lumen segment \(i) touches or crosses EEM segment \(j)")
        }
        guard PolygonGeometry.contains(self.outer, self.lumen[0]) else {
            throw .lumenNotInside(frame: frame, reason: "the lumen lies outside the EEM")
        }
    }

    /// Lumen area (mm^2).
    public var lumenArea: Double { -PolygonGeometry.signedArea(lumen) }
    /// Area inside the outer border (mm^2).
    public var outerArea: Double { PolygonGeometry.signedArea(outer) }
    /// Wall area, outer minus lumen (mm^2).
    public var wallArea: Double { outerArea - lumenArea }

    /// The bounding box of the outer border: (minimum corner, maximum corner) in mm.
    public var outerBounds: (minimum: Point, maximum: Point) {
        var lo = outer[0], hi = outer[0]
        for p in outer {
            lo = Point(min(lo.x, p.x), min(lo.y, p.y))
            hi = Point(max(hi.x, p.x), max(hi.y, p.y))
        }
        return (lo, hi)
    }

    /// The borders moved by `offset` (mm).
    public func translated(by offset: Point) -> WallBorders {
        var moved = self
        moved.lumen = lumen.map { $0 + offset }
        moved.outer = outer.map { $0 + offset }
        return moved
    }

    /// Whether `p` lies in the wall (inside the outer border and outside the lumen; even-odd tests).
    public func wallContains(_ p: Point) -> Bool {
        PolygonGeometry.contains(outer, p) && !PolygonGeometry.contains(lumen, p)
    }

    /// The wall at the pixel centres of a row-major `rows` x `columns` grid of `pixelSize` mm whose
    /// top-left corner is at the origin: pixel (r, c), centred at ((c + 0.5) s, (r + 0.5) s), is wall
    /// when its centre lies inside the outer border and outside the lumen (even-odd rule).
    ///
    /// Scanline fill: each pixel row intersects both polygons once, O(rows x points + pixels).
    public func wallPixels(rows: Int, columns: Int, pixelSize s: Double) -> [Bool] {
        var wall = [Bool](repeating: false, count: rows * columns)
        func crossings(_ polygon: [Point], y: Double) -> [Double] {
            var xs: [Double] = []
            var previous = polygon[polygon.count - 1]
            for q in polygon {
                // Half-open in y, as `PolygonGeometry.contains`, so a vertex on the line counts once.
                if (q.y > y) != (previous.y > y) {
                    xs.append(previous.x + (y - previous.y) * (q.x - previous.x) / (q.y - previous.y))
                }
                previous = q
            }
            return xs.sorted()
        }
        for r in 0..<rows {
            let y = (Double(r) + 0.5) * s
            for (polygon, value) in [(outer, true), (lumen, false)] {
                let xs = crossings(polygon, y: y)
                var k = 0
                while k + 1 < xs.count {
                    // Pixel centres with x in (xs[k], xs[k + 1]): c + 0.5 > xs[k] / s.
                    // Clamped before the conversion: a border far off the grid must not overflow Int.
                    let lower = min(max(xs[k] / s - 0.5, -2), Double(columns) + 2)
                    let upper = min(max(xs[k + 1] / s - 0.5, -2), Double(columns) + 2)
                    let first = max(0, Int(lower.rounded(.down)) + 1)
                    let last = min(columns - 1, Int(upper.rounded(.up)) - 1)
                    if first <= last {
                        for c in first...last { wall[r * columns + c] = value }
                    }
                    k += 2
                }
            }
        }
        return wall
    }

    /// Pairs the lumen and EEM contours of a pullback by frame number, in increasing frame order:
    /// each frame's checked borders, or why it has none (a frame with only one of the two borders
    /// gets `.missingBorder`).
    public static func pair(lumens: [BorderContour], outers: [BorderContour]) -> [(frame: Int, borders: Result<WallBorders, ContourError>)] {
        let lumenByFrame = Dictionary(lumens.map { ($0.frame, $0) }, uniquingKeysWith: { first, _ in first })
        let outerByFrame = Dictionary(outers.map { ($0.frame, $0) }, uniquingKeysWith: { first, _ in first })
        let frames = Set(lumenByFrame.keys).union(outerByFrame.keys).sorted()
        return frames.map { frame in
            guard let lumen = lumenByFrame[frame] else { return (frame, .failure(.missingBorder(frame: frame, border: "lumen"))) }
            guard let outer = outerByFrame[frame] else { return (frame, .failure(.missingBorder(frame: frame, border: "EEM"))) }
            return (frame, Result { () throws(ContourError) in try WallBorders(frame: frame, lumen: lumen.points, outer: outer.points) })
        }
    }

    private static func checked(_ points: [Point], frame: Int, border: String) throws(ContourError) -> [Point] {
        guard points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { throw .notFinite(frame: frame, border: border) }
        // Exports often close a contour with a last point a rounding error away from the first; a
        // knot interval that short makes the spline through the points blow up. Points closer than
        // 1e-3 of the mean spacing to the previous kept point are dropped.
        let tolerance = 1e-3 * PolygonGeometry.perimeter(points) / Double(max(1, points.count))
        var distinct: [Point] = []
        distinct.reserveCapacity(points.count)
        for p in points where distinct.last.map({ p.distance(to: $0) > tolerance }) ?? true { distinct.append(p) }
        while distinct.count > 1, distinct[distinct.count - 1].distance(to: distinct[0]) <= tolerance { distinct.removeLast() }
        guard distinct.count >= BorderContour.minimumPointCount else {
            throw .tooFewPoints(frame: frame, border: border, count: distinct.count)
        }
        if let crossing = PolygonGeometry.selfIntersection(distinct) {
            throw .selfIntersection(frame: frame, border: border, segments: crossing)
        }
        guard PolygonGeometry.signedArea(distinct) != 0 else {
            throw .selfIntersection(frame: frame, border: border, segments: (0, 0))
        }
        return distinct
    }
}
