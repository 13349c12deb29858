/// A border segment: the straight edge a-b standing for the arc of closed curve `curve` between
/// parameters `ta` < `tb` (unwrapped, so `tb` may exceed the curve's period).
struct CurveSegment: Sendable, Equatable {
    var a: Int32
    var b: Int32
    var curve: Int32
    var ta: Double
    var tb: Double
    var alive = true

    /// Parameter of the arc midpoint, where a split puts its new vertex.
    var midParameter: Double { 0.5 * (ta + tb) }
}

/// Constrained Delaunay triangulation of the region between closed border curves (the wall:
/// left of every border segment), built by Bowyer-Watson insertion, with border segments
/// recovered by splitting them at their CURVE midpoints.
///
/// Storage: triangle t has vertices `vertices[3t + k]` counter-clockwise; edge k joins vertex k to
/// vertex k + 1, `neighbours[3t + k]` is the triangle across it (-1 on the border or the hull) and
/// `edgeSegment[3t + k]` the border segment it carries (-1 if none). Vertices 0, 1, 2 form the
/// enclosing super-triangle; after `init` only wall triangles remain and those vertices are unused.
/// Everything runs over arrays in a fixed order, so results are reproducible bit for bit.
struct ConstrainedDelaunay {
    var points: [Point] = []
    var isBorder: [Bool] = []
    var vertices: [Int32] = []
    var neighbours: [Int32] = []
    var edgeSegment: [Int32] = []
    var alive: [Bool] = []
    var freeTriangles: [Int32] = []
    var segments: [CurveSegment] = []
    /// Edge slot 3t + k of the wall-side triangle of each segment (valid once the wall is extracted).
    var segmentEdge: [Int32] = []
    let curves: [ClosedCurve]
    /// Curves below this index are wall borders (loops); the rest carry interface chains
    /// (component outlines inside the wall), whose segments have wall on both sides.
    let borderCurveCount: Int
    /// Vertices where an interface chain ends on a wall border (a corner of the input).
    var isCorner: [Bool] = []
    var triangleCount = 0
    /// A recently created triangle, where point location starts.
    var lastTriangle: Int32 = 0
    private var cavityMark: [UInt32] = []
    private var excludedMark: [UInt32] = []
    private var markStamp: UInt32 = 0
    private var excludedStamp: UInt32 = 0

    static let superVertexCount = 3

    struct BoundaryEdge {
        var u: Int32
        var w: Int32
        var outside: Int32
        var segment: Int32
        var owner: Int32
    }

    struct Cavity {
        var triangles: [Int32]
        var boundary: [BoundaryEdge]
    }

    /// A constrained polyline inside the wall along `curve` (a component outline): vertices at the
    /// increasing (unwrapped) `parameters`, closed, or open between two border vertices
    /// (`start`/`end`: loop index and index into that loop's parameters) at curve parameters
    /// `startParameter` < parameters < `endParameter`.
    struct InterfaceChain {
        var curve: ClosedCurve
        var parameters: [Double]
        var start: (loop: Int, index: Int, parameter: Double)?
        var end: (loop: Int, index: Int, parameter: Double)?
    }

    /// Vertices at a corner or at the other end of a live segment from a corner: the triangles
    /// touching them keep the (possibly small) input angle of the corner; refinement leaves their
    /// angles alone (the segments at a corner are never split).
    func cornerNeighbourhood() -> [Bool] {
        var near = isCorner
        guard near.contains(true) else { return near }
        for segment in segments where segment.alive && (isCorner[Int(segment.a)] || isCorner[Int(segment.b)]) {
            near[Int(segment.a)] = true
            near[Int(segment.b)] = true
        }
        return near
    }

    /// Whether segment `s` lies on an interface chain (wall on both sides).
    @inline(__always) func isInterface(_ s: Int32) -> Bool { Int(segments[Int(s)].curve) >= borderCurveCount }

    /// Triangulates the wall bounded by `loops`: each loop samples its curve at the given
    /// increasing parameters in [0, period), with the wall on the left of increasing parameter.
    /// `chains` become constrained edges inside the wall.
    /// `deadline` is checked every `insertionsPerCheck` border vertices and each round of segment recovery.
    init(loops: [(curve: ClosedCurve, parameters: [Double])], chains: [InterfaceChain] = [], maximumVertices: Int,
         deadline: Deadline = .never) throws(MeshError) {
        curves = loops.map(\.curve) + chains.map(\.curve)
        borderCurveCount = loops.count
        var all: [Point] = []
        for loop in loops { for t in loop.parameters { all.append(loop.curve.point(at: t)) } }
        guard !all.isEmpty else { throw .triangulationFailed("no border vertices") }
        var minX = all[0].x, maxX = minX, minY = all[0].y, maxY = minY
        for p in all {
            minX = min(minX, p.x); maxX = max(maxX, p.x); minY = min(minY, p.y); maxY = max(maxY, p.y)
        }
        let centre = Point(0.5 * (minX + maxX), 0.5 * (minY + maxY))
        let size = max(maxX - minX, maxY - minY, 1e-9)
        // A super-triangle far enough that its vertices never enter circumcircles near the wall.
        let r = 20 * size
        points = [centre + Point(-r * 1.7320508075688772, -r), centre + Point(r * 1.7320508075688772, -r), centre + Point(0, 2 * r)]
        isBorder = [false, false, false]
        _ = allocateTriangle(0, 1, 2)

        var loopFirst: [Int32] = []
        for (c, loop) in loops.enumerated() {
            let first = Int32(points.count)
            loopFirst.append(first)
            let n = loop.parameters.count
            for (k, t) in loop.parameters.enumerated() {
                if k % Self.insertionsPerCheck == 0 { try deadline.check(during: "border triangulation (\(points.count) vertices)") }
                let p = loop.curve.point(at: t)
                try insertBorderVertex(p)
                let a = first + Int32(k), b = first + Int32((k + 1) % n)
                let tb = k + 1 < n ? loop.parameters[k + 1] : loop.curve.period + loop.parameters[0]
                segments.append(CurveSegment(a: a, b: b, curve: Int32(c), ta: t, tb: tb))
            }
        }
        isCorner = [Bool](repeating: false, count: points.count)
        for (k, chain) in chains.enumerated() {
            let c = Int32(loops.count + k)
            var ids: [Int32] = [], params: [Double] = []
            if let start = chain.start {
                let v = loopFirst[start.loop] + Int32(start.index)
                isCorner[Int(v)] = true
                ids.append(v)
                params.append(start.parameter)
            }
            for t in chain.parameters {
                try insertBorderVertex(chain.curve.point(at: t))
                ids.append(Int32(points.count - 1))
                params.append(t)
            }
            if let end = chain.end {
                let v = loopFirst[end.loop] + Int32(end.index)
                isCorner[Int(v)] = true
                ids.append(v)
                params.append(end.parameter)
            }
            if chain.start == nil, chain.end == nil {
                guard ids.count >= 3 else { throw .triangulationFailed("a component outline has fewer than 3 vertices") }
                for i in 0..<ids.count {
                    let tb = i + 1 < ids.count ? params[i + 1] : chain.curve.period + params[0]
                    segments.append(CurveSegment(a: ids[i], b: ids[(i + 1) % ids.count], curve: c, ta: params[i], tb: tb))
                }
            } else {
                for i in 0..<(ids.count - 1) {
                    segments.append(CurveSegment(a: ids[i], b: ids[i + 1], curve: c, ta: params[i], tb: params[i + 1]))
                }
            }
        }
        try recoverSegments(maximumVertices: maximumVertices, deadline: deadline)
        try extractWall()
    }

    /// Border vertices inserted between two checks of the deadline (each insertion walks to its
    /// triangle: microseconds).
    static let insertionsPerCheck = 256

    // MARK: - Triangles

    mutating func allocateTriangle(_ a: Int32, _ b: Int32, _ c: Int32) -> Int32 {
        let t: Int32
        if let reused = freeTriangles.popLast() {
            t = reused
            let base = 3 * Int(t)
            vertices[base] = a; vertices[base + 1] = b; vertices[base + 2] = c
            for k in 0..<3 { neighbours[base + k] = -1; edgeSegment[base + k] = -1 }
            alive[Int(t)] = true
        } else {
            t = Int32(alive.count)
            vertices += [a, b, c]
            neighbours += [-1, -1, -1]
            edgeSegment += [-1, -1, -1]
            alive.append(true)
            cavityMark.append(0)
            excludedMark.append(0)
        }
        triangleCount += 1
        return t
    }

    mutating func freeTriangle(_ t: Int32) {
        alive[Int(t)] = false
        freeTriangles.append(t)
        triangleCount -= 1
    }

    @inline(__always) func vertex(_ t: Int32, _ k: Int) -> Int32 { vertices[3 * Int(t) + k] }
    @inline(__always) func point(_ t: Int32, _ k: Int) -> Point { points[Int(vertices[3 * Int(t) + k])] }

    // MARK: - Predicates

    @inline(__always)
    static func orient(_ a: Point, _ b: Point, _ c: Point) -> Double {
        (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
    }

    /// Positive when `p` lies strictly inside the circumcircle of counter-clockwise triangle t.
    func inCircle(_ t: Int32, _ p: Point) -> Double {
        let a = point(t, 0), b = point(t, 1), c = point(t, 2)
        let adx = a.x - p.x, ady = a.y - p.y
        let bdx = b.x - p.x, bdy = b.y - p.y
        let cdx = c.x - p.x, cdy = c.y - p.y
        return (adx * adx + ady * ady) * (bdx * cdy - cdx * bdy)
            + (bdx * bdx + bdy * bdy) * (cdx * ady - adx * cdy)
            + (cdx * cdx + cdy * cdy) * (adx * bdy - bdx * ady)
    }

    func contains(_ t: Int32, _ p: Point) -> Bool {
        let a = point(t, 0), b = point(t, 1), c = point(t, 2)
        return Self.orient(a, b, p) >= 0 && Self.orient(b, c, p) >= 0 && Self.orient(c, a, p) >= 0
    }

    // MARK: - Point location

    /// Triangle containing `p` by a visibility walk from `start` (the triangulation must cover `p`).
    func locate(_ p: Point, from start: Int32) -> Int32? {
        var t = start
        var rotation = 0
        for _ in 0..<(4 * max(alive.count, 16)) {
            var moved = false
            for j in 0..<3 {
                let k = (j + rotation) % 3
                if Self.orient(point(t, k), point(t, (k + 1) % 3), p) < 0 {
                    let n = neighbours[3 * Int(t) + k]
                    if n < 0 { return nil }
                    t = n
                    moved = true
                    break
                }
            }
            if !moved { return t }
            rotation = (rotation + 1) % 3
        }
        // Fallback for walks that cycle on rounding: scan in slot order.
        for s in 0..<alive.count where alive[s] && contains(Int32(s), p) { return Int32(s) }
        return nil
    }

    enum WalkResult {
        case found(Int32)
        case blocked(segment: Int32)
        case failed
    }

    /// Straight walk from the centroid of `start` towards `p` through wall triangles: the triangle
    /// containing `p`, or the first border segment that hides `p` from `start`.
    func walk(from start: Int32, to p: Point) -> WalkResult {
        let g = Point((point(start, 0).x + point(start, 1).x + point(start, 2).x) / 3,
                      (point(start, 0).y + point(start, 1).y + point(start, 2).y) / 3)
        var t = start
        var entry = -1
        for _ in 0..<(4 * max(alive.count, 16)) {
            var exit = -1, fallback = -1
            for k in 0..<3 where k != entry {
                let a = point(t, k), b = point(t, (k + 1) % 3)
                guard Self.orient(a, b, p) < 0 else { continue }
                if fallback < 0 { fallback = k }
                if Self.orient(g, p, a) <= 0 && Self.orient(g, p, b) >= 0 { exit = k; break }
            }
            if exit < 0 { exit = fallback }
            if exit < 0 {
                // Not beyond any edge except possibly the entry edge: p is in t (or on its border).
                if entry >= 0, Self.orient(point(t, entry), point(t, (entry + 1) % 3), p) < 0 { return .failed }
                return .found(t)
            }
            let slot = 3 * Int(t) + exit
            let n = neighbours[slot]
            if edgeSegment[slot] >= 0 { return .blocked(segment: edgeSegment[slot]) }
            if n < 0 { return .failed }
            // Entry edge of n is the one back to t.
            let a = vertices[slot], b = vertices[3 * Int(t) + (exit + 1) % 3]
            entry = -1
            for k in 0..<3 where vertex(n, k) == b && vertex(n, (k + 1) % 3) == a { entry = k }
            t = n
        }
        return .failed
    }

    // MARK: - Bowyer-Watson insertion

    /// The cavity of `p`: triangles reachable from `seeds` whose circumcircles contain `p`, never
    /// crossing border segments (or the hull). Triangles whose removal would leave a border edge
    /// that `p` does not see are dropped, so the cavity is star-shaped from `p`. In split mode the
    /// edge of segment `split` is removed instead of kept. Returns nil if no valid cavity exists.
    mutating func cavity(of p: Point, seeds: [Int32], split: Int32 = -1) -> Cavity? {
        excludedStamp &+= 1
        if excludedStamp == 0 { excludedMark = [UInt32](repeating: 0, count: alive.count); excludedStamp = 1 }
        for _ in 0..<64 {
            markStamp &+= 1
            if markStamp == 0 { cavityMark = [UInt32](repeating: 0, count: alive.count); markStamp = 1 }
            var triangles: [Int32] = []
            for s in seeds where cavityMark[Int(s)] != markStamp {
                cavityMark[Int(s)] = markStamp
                triangles.append(s)
            }
            var k = 0
            while k < triangles.count {
                let t = triangles[k]
                k += 1
                for e in 0..<3 {
                    let slot = 3 * Int(t) + e
                    let n = neighbours[slot]
                    if n < 0 || (edgeSegment[slot] >= 0 && edgeSegment[slot] != split) { continue }
                    if cavityMark[Int(n)] == markStamp || excludedMark[Int(n)] == excludedStamp { continue }
                    if inCircle(n, p) > 0 {
                        cavityMark[Int(n)] = markStamp
                        triangles.append(n)
                    }
                }
            }
            var boundary: [BoundaryEdge] = []
            var drop: Int32 = -1
            outer: for t in triangles {
                for e in 0..<3 {
                    let slot = 3 * Int(t) + e
                    let n = neighbours[slot], segment = edgeSegment[slot]
                    if n >= 0 && cavityMark[Int(n)] == markStamp {
                        // A segment inside the cavity would be deleted: shrink instead.
                        if segment >= 0 && segment != split { drop = t; break outer }
                        continue
                    }
                    if split >= 0 && segment == split { continue }
                    let u = vertices[slot], w = vertices[3 * Int(t) + (e + 1) % 3]
                    if !(Self.orient(points[Int(u)], points[Int(w)], p) > 0) { drop = t; break outer }
                    boundary.append(BoundaryEdge(u: u, w: w, outside: n, segment: segment, owner: t))
                }
            }
            if drop >= 0 {
                if seeds.contains(drop) { return nil }
                excludedMark[Int(drop)] = excludedStamp
                continue
            }
            // The boundary must be one cycle (an open chain from b to a when splitting a-b).
            var starts = boundary.map(\.u), ends = boundary.map(\.w)
            starts.sort(); ends.sort()
            for i in 1..<max(starts.count, 1) where starts[i] == starts[i - 1] || ends[i] == ends[i - 1] { return nil }
            let closedSplit = split >= 0 && isInterface(split)
            if (split < 0 || closedSplit) && starts != ends { return nil }
            if split >= 0 && !closedSplit {
                let segment = segments[Int(split)]
                let onlyStart = starts.filter { !ends.contains($0) }, onlyEnd = ends.filter { !starts.contains($0) }
                if onlyStart != [segment.b] || onlyEnd != [segment.a] { return nil }
            }
            return Cavity(triangles: triangles, boundary: boundary)
        }
        return nil
    }

    /// Replaces the cavity by the fan of triangles from the new vertex `v` to its boundary edges.
    /// In split mode the two fan edges with no partner (v-a and b-v, i.e. a-v and v-b along the
    /// border) become the new segments `newSegments`. Returns the new triangles.
    @discardableResult
    mutating func commit(_ cavity: Cavity, vertex v: Int32, newSegments: (first: Int32, second: Int32)? = nil) -> [Int32] {
        for t in cavity.triangles.reversed() { freeTriangle(t) }
        var fan: [Int32] = []
        fan.reserveCapacity(cavity.boundary.count)
        for edge in cavity.boundary {
            let t = allocateTriangle(edge.u, edge.w, v)
            let base = 3 * Int(t)
            neighbours[base] = edge.outside
            edgeSegment[base] = edge.segment
            if edge.segment >= 0 && Int(edge.segment) < segmentEdge.count { segmentEdge[Int(edge.segment)] = Int32(base) }
            if edge.outside >= 0 {
                let o = Int(edge.outside)
                for k in 0..<3 where vertices[3 * o + k] == edge.w && vertices[3 * o + (k + 1) % 3] == edge.u {
                    neighbours[3 * o + k] = t
                }
            }
            fan.append(t)
        }
        for (i, edge) in cavity.boundary.enumerated() {
            let t = Int(fan[i])
            // Edge 1 (w -> v) meets the fan triangle that starts at w; edge 2 (v -> u) the one ending at u.
            if let j = cavity.boundary.firstIndex(where: { $0.u == edge.w }) {
                neighbours[3 * t + 1] = fan[j]
            } else if let segments = newSegments {
                edgeSegment[3 * t + 1] = segments.first
                segmentEdge[Int(segments.first)] = Int32(3 * t + 1)
            }
            if let j = cavity.boundary.firstIndex(where: { $0.w == edge.u }) {
                neighbours[3 * t + 2] = fan[j]
            } else if let segments = newSegments {
                edgeSegment[3 * t + 2] = segments.second
                segmentEdge[Int(segments.second)] = Int32(3 * t + 2)
            }
        }
        if let last = fan.last { lastTriangle = last }
        return fan
    }

    mutating func addVertex(_ p: Point, border: Bool) -> Int32 {
        points.append(p)
        isBorder.append(border)
        if !isCorner.isEmpty { isCorner.append(false) }
        return Int32(points.count - 1)
    }

    private mutating func insertBorderVertex(_ p: Point) throws(MeshError) {
        guard let t = locate(p, from: lastTriangle) else {
            throw .triangulationFailed("border vertex (\(p.x), \(p.y)) lies outside the triangulation")
        }
        for k in 0..<3 where point(t, k) == p {
            throw .triangulationFailed("duplicate border vertex at (\(p.x), \(p.y))")
        }
        guard let cavity = cavity(of: p, seeds: [t]) else {
            throw .triangulationFailed("no star-shaped cavity for border vertex (\(p.x), \(p.y))")
        }
        let v = addVertex(p, border: true)
        commit(cavity, vertex: v)
    }

    // MARK: - Segment recovery

    /// Marks every segment that is an edge of the triangulation; splits the missing ones at their
    /// curve midpoints and repeats until all are present (a conforming recovery).
    private mutating func recoverSegments(maximumVertices: Int, deadline: Deadline) throws(MeshError) {
        var marked = [Bool](repeating: false, count: segments.count)
        for _ in 0..<64 {
            try deadline.check(during: "border segment recovery (\(points.count) vertices)")
            // Sorted directed-edge table: key (min, max) -> edge slot.
            var table: [(key: UInt64, slot: Int32)] = []
            table.reserveCapacity(3 * triangleCount)
            for t in 0..<alive.count where alive[t] {
                for k in 0..<3 {
                    let a = UInt64(UInt32(vertices[3 * t + k])), b = UInt64(UInt32(vertices[3 * t + (k + 1) % 3]))
                    table.append((min(a, b) << 32 | max(a, b), Int32(3 * t + k)))
                }
            }
            table.sort { $0.key < $1.key || ($0.key == $1.key && $0.slot < $1.slot) }
            func slots(_ a: Int32, _ b: Int32) -> [Int32] {
                let x = UInt64(UInt32(a)), y = UInt64(UInt32(b))
                let key = min(x, y) << 32 | max(x, y)
                var low = 0, high = table.count
                while low < high {
                    let mid = (low + high) / 2
                    if table[mid].key < key { low = mid + 1 } else { high = mid }
                }
                var result: [Int32] = []
                while low < table.count && table[low].key == key { result.append(table[low].slot); low += 1 }
                return result
            }
            var missing: [Int] = []
            for s in 0..<segments.count where segments[s].alive && !marked[s] {
                let found = slots(segments[s].a, segments[s].b)
                if found.isEmpty { missing.append(s); continue }
                for slot in found { edgeSegment[Int(slot)] = Int32(s) }
                marked[s] = true
            }
            if missing.isEmpty { return }
            for s in missing {
                guard points.count < maximumVertices else {
                    throw .triangulationFailed("border recovery needed more than \(maximumVertices) vertices")
                }
                let segment = segments[s]
                let m = curves[Int(segment.curve)].point(at: segment.midParameter)
                guard let t = locate(m, from: lastTriangle) else {
                    throw .triangulationFailed("border split point outside the triangulation")
                }
                for k in 0..<3 where point(t, k) == m { throw .triangulationFailed("border split point coincides with a vertex") }
                guard let cavity = cavity(of: m, seeds: [t]) else {
                    throw .triangulationFailed("no star-shaped cavity while recovering a border segment")
                }
                let v = addVertex(m, border: true)
                commit(cavity, vertex: v)
                segments[s].alive = false
                segments.append(CurveSegment(a: segment.a, b: v, curve: segment.curve, ta: segment.ta, tb: segment.midParameter))
                segments.append(CurveSegment(a: v, b: segment.b, curve: segment.curve, ta: segment.midParameter, tb: segment.tb))
                marked += [false, false]
            }
        }
        throw .triangulationFailed("border segments could not be recovered")
    }

    // MARK: - Wall extraction

    /// Keeps the triangles on the left of the segments (the wall) and drops the rest, so that
    /// border edges have no neighbour.
    private mutating func extractWall() throws(MeshError) {
        let slotCount = alive.count
        var component = [Int32](repeating: -1, count: slotCount)
        var isWall: [Bool] = []
        var stack: [Int32] = []
        for start in 0..<slotCount where alive[start] && component[start] < 0 {
            let id = Int32(isWall.count)
            var left = false, right = false
            component[start] = id
            stack.append(Int32(start))
            while let t = stack.popLast() {
                for k in 0..<3 {
                    let slot = 3 * Int(t) + k
                    let s = edgeSegment[slot]
                    if s >= 0 && !isInterface(s) {
                        if vertices[slot] == segments[Int(s)].a { left = true } else { right = true }
                        continue
                    }
                    let n = neighbours[slot]
                    if n >= 0 && component[Int(n)] < 0 {
                        component[Int(n)] = id
                        stack.append(n)
                    }
                }
            }
            if left && right { throw .triangulationFailed("a region lies on both sides of the border (crossing borders)") }
            isWall.append(left)
        }
        var newIndex = [Int32](repeating: -1, count: slotCount)
        var count: Int32 = 0
        for t in 0..<slotCount where alive[t] && isWall[Int(component[t])] {
            newIndex[t] = count
            count += 1
        }
        guard count > 0 else { throw .triangulationFailed("no triangle lies inside the wall") }
        var newVertices: [Int32] = [], newNeighbours: [Int32] = [], newSegments: [Int32] = []
        newVertices.reserveCapacity(3 * Int(count))
        newNeighbours.reserveCapacity(3 * Int(count))
        newSegments.reserveCapacity(3 * Int(count))
        segmentEdge = [Int32](repeating: -1, count: segments.count)
        for t in 0..<slotCount where newIndex[t] >= 0 {
            for k in 0..<3 {
                let slot = 3 * t + k
                newVertices.append(vertices[slot])
                let n = neighbours[slot]
                let s = edgeSegment[slot]
                newNeighbours.append((s >= 0 && !isInterface(s)) || n < 0 ? -1 : newIndex[Int(n)])
                newSegments.append(s)
                if s >= 0 { segmentEdge[Int(s)] = Int32(3 * Int(newIndex[t]) + k) }
            }
        }
        for s in 0..<segments.count where segments[s].alive && segmentEdge[s] < 0 {
            throw .triangulationFailed("border segment \(s) has no wall triangle")
        }
        vertices = newVertices
        neighbours = newNeighbours
        edgeSegment = newSegments
        alive = [Bool](repeating: true, count: Int(count))
        freeTriangles = []
        triangleCount = Int(count)
        cavityMark = [UInt32](repeating: 0, count: Int(count))
        excludedMark = [UInt32](repeating: 0, count: Int(count))
        markStamp = 0
        excludedStamp = 0
        lastTriangle = 0
        if newNeighbours.contains(where: { $0 < -1 }) { throw .triangulationFailed("inconsistent adjacency") }
    }

    // MARK: - Output

    /// Wall triangles (slot order) and live segments, with vertex indices shifted past the
    /// super-triangle vertices.
    func output() -> (points: [Point], triangles: [SIMD3<Int32>], segments: [CurveSegment]) {
        let shift = Int32(Self.superVertexCount)
        var triangles: [SIMD3<Int32>] = []
        triangles.reserveCapacity(triangleCount)
        for t in 0..<alive.count where alive[t] {
            triangles.append(SIMD3(vertices[3 * t] - shift, vertices[3 * t + 1] - shift, vertices[3 * t + 2] - shift))
        }
        var live = segments.filter(\.alive)
        for i in live.indices { live[i].a -= shift; live[i].b -= shift }
        return (Array(points[Self.superVertexCount...]), triangles, live)
    }
}
