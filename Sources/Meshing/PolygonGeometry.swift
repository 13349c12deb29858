/// Small helpers on closed polygons given as vertex lists (the last vertex joins the first).
public enum PolygonGeometry {
    /// Shoelace signed area (1/2) sum x_i y_{i+1} - x_{i+1} y_i; positive for counter-clockwise
    /// order in the (x, y) coordinates as given.
    public static func signedArea(_ p: [Point]) -> Double {
        guard p.count >= 3 else { return 0 }
        var sum = 0.0
        var previous = p[p.count - 1]
        for q in p {
            sum += previous.x * q.y - q.x * previous.y
            previous = q
        }
        return 0.5 * sum
    }

    /// Total edge length of the closed polygon.
    static func perimeter(_ p: [Point]) -> Double {
        guard p.count >= 2 else { return 0 }
        var sum = 0.0
        var previous = p[p.count - 1]
        for q in p {
            sum += q.distance(to: previous)
            previous = q
        }
        return sum
    }

    /// Even-odd point-in-polygon test (half-open in y, so vertices on the test line count once).
    static func contains(_ p: [Point], _ point: Point) -> Bool {
        var inside = false
        var previous = p[p.count - 1]
        for q in p {
            if (q.y > point.y) != (previous.y > point.y) {
                let x = previous.x + (point.y - previous.y) * (q.x - previous.x) / (q.y - previous.y)
                if x > point.x { inside.toggle() }
            }
            previous = q
        }
        return inside
    }

    /// Orientation (b - a) x (c - a): positive when a, b, c turn left.
    @inline(__always)
    static func orient(_ a: Point, _ b: Point, _ c: Point) -> Double {
        (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
    }

    /// Whether the closed segments p1-p2 and q1-q2 intersect (touching counts).
    static func segmentsIntersect(_ p1: Point, _ p2: Point, _ q1: Point, _ q2: Point) -> Bool {
        if max(p1.x, p2.x) < min(q1.x, q2.x) || max(q1.x, q2.x) < min(p1.x, p2.x) { return false }
        if max(p1.y, p2.y) < min(q1.y, q2.y) || max(q1.y, q2.y) < min(p1.y, p2.y) { return false }
        let d1 = orient(q1, q2, p1), d2 = orient(q1, q2, p2)
        let d3 = orient(p1, p2, q1), d4 = orient(p1, p2, q2)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        func onSegment(_ a: Point, _ b: Point, _ c: Point) -> Bool {
            min(a.x, b.x) <= c.x && c.x <= max(a.x, b.x) && min(a.y, b.y) <= c.y && c.y <= max(a.y, b.y)
        }
        if d1 == 0 && onSegment(q1, q2, p1) { return true }
        if d2 == 0 && onSegment(q1, q2, p2) { return true }
        if d3 == 0 && onSegment(p1, p2, q1) { return true }
        if d4 == 0 && onSegment(p1, p2, q2) { return true }
        return false
    }

    /// First pair of non-adjacent edges (i, j), i < j, of the closed polygon that intersect, if any
    /// (first in the order of i, then j).
    ///
    /// A sweep over the edges sorted by their smallest x compares only edges whose x ranges
    /// overlap: about n log n for a border or outline of thousands of vertices instead of n^2 / 2
    /// box tests (fine masks and dense contours give such polygons).
    public static func selfIntersection(_ p: [Point]) -> (Int, Int)? {
        let n = p.count
        guard n >= 4 else { return nil }
        let boxes = edgeBoxes(p)
        let order = (0..<n).sorted { (boxes[$0].minX, $0) < (boxes[$1].minX, $1) }
        var first: (Int, Int)?
        for (k, a) in order.enumerated() {
            for b in order[(k + 1)...] {
                if boxes[b].minX > boxes[a].maxX { break }
                let (i, j) = (min(a, b), max(a, b))
                if j - i < 2 || (i == 0 && j == n - 1) || !boxes[i].overlaps(boxes[j]) { continue }
                if let f = first, (f.0, f.1) < (i, j) { continue }
                if segmentsIntersect(p[i], p[(i + 1) % n], p[j], p[(j + 1) % n]) { first = (i, j) }
            }
        }
        return first
    }

    /// Calls `body(row, column)` for every pixel of rows `rows` and columns `columns` whose centre
    /// (column + 0.5, row + 0.5) lies inside the closed polygon `p` by the rule of `contains` (even-odd,
    /// half-open in y), one scan line per row: O(rows x vertices), not O(pixels x vertices).
    static func forEachPixelCentre(inside p: [Point], rows: ClosedRange<Int>, columns: ClosedRange<Int>, _ body: (Int, Int) -> Void) {
        var crossings: [Double] = []
        for r in rows {
            let y = Double(r) + 0.5
            crossings.removeAll(keepingCapacity: true)
            var previous = p[p.count - 1]
            for q in p {
                if (q.y > y) != (previous.y > y) {
                    crossings.append(previous.x + (y - previous.y) * (q.x - previous.x) / (q.y - previous.y))
                }
                previous = q
            }
            guard !crossings.isEmpty else { continue }
            crossings.sort()
            // A centre is inside when an odd number of crossings lie strictly right of it.
            var right = 0  // crossings at or left of the centre
            for c in columns {
                let x = Double(c) + 0.5
                while right < crossings.count, crossings[right] <= x { right += 1 }
                if (crossings.count - right) % 2 == 1 { body(r, c) }
            }
        }
    }

    /// First pair of edges (i of `p`, j of `q`) that intersect, if any.
    public static func intersection(_ p: [Point], _ q: [Point]) -> (Int, Int)? {
        let bp = edgeBoxes(p), bq = edgeBoxes(q)
        for i in 0..<p.count {
            for j in 0..<q.count where bp[i].overlaps(bq[j]) {
                if segmentsIntersect(p[i], p[(i + 1) % p.count], q[j], q[(j + 1) % q.count]) { return (i, j) }
            }
        }
        return nil
    }

    struct Box {
        var minX, minY, maxX, maxY: Double
        func overlaps(_ o: Box) -> Bool { minX <= o.maxX && o.minX <= maxX && minY <= o.maxY && o.minY <= maxY }
    }

    static func edgeBoxes(_ p: [Point]) -> [Box] {
        (0..<p.count).map { i in
            let a = p[i], b = p[(i + 1) % p.count]
            return Box(minX: min(a.x, b.x), minY: min(a.y, b.y), maxX: max(a.x, b.x), maxY: max(a.y, b.y))
        }
    }
}
