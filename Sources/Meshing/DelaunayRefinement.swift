import Foundation

/// Ruppert/Chew Delaunay refinement of a `ConstrainedDelaunay` wall triangulation.
///
/// A triangle is bad when its smallest angle is below `minimumAngle` (tested as
/// l_min / (2R) < sin(theta_min), R the circumradius), when R exceeds `circumradiusFactor` x the size field at its centroid, or
/// when all three of its vertices lie on the border (Taylor-Hood P2/P1 needs an interior vertex
/// in every triangle). Bad triangles get their circumcentre inserted, unless the circumcentre is
/// hidden behind a border segment or lies in the diametral circle of a segment on its cavity
/// boundary: then those segments are split instead. Encroached segments (a wall-side apex in the
/// diametral circle) are split first. Splits put the new vertex on the smooth border curve at the
/// parameter midpoint, not on the chord. Queues are first-in first-out over arrays, so the result
/// is reproducible.
struct DelaunayRefinement {
    var minimumAngle: Double
    /// Triangles are split while their circumradius exceeds `circumradiusFactor` x the size
    /// field at their centroid.
    var sizeField: MeshSizeField
    var circumradiusFactor: Double
    var maximumTriangleCount: Int
    /// Checked every `checkInterval` steps of the refinement loop, so a mask's time limit ends a long
    /// refinement from inside.
    var deadline = Deadline.never
    /// Refinement steps between two checks of `deadline` (a step inserts at most one vertex or
    /// splits one segment: microseconds).
    static let checkInterval = 64

    func refine(_ mesh: inout ConstrainedDelaunay) throws(MeshError) {
        let sine = sin(minimumAngle * Double.pi / 180)
        let sineSquared = sine * sine
        let uniformRadius = sizeField.isUniform ? circumradiusFactor * sizeField.lumenLength : nil

        var segmentQueue: [Int32] = []
        var segmentHead = 0
        var triangleQueue: [(t: Int32, v: SIMD3<Int32>)] = []
        var triangleHead = 0

        // A triangle at a corner (an interface chain meeting a wall border, possibly at a small
        // input angle) keeps the angle it gets there: no refinement can open an input angle.
        let hasCorners = mesh.isCorner.contains(true)
        let nearCorner = mesh.cornerNeighbourhood()
        func isBad(_ t: Int32) -> Bool {
            let ia = mesh.vertex(t, 0), ib = mesh.vertex(t, 1), ic = mesh.vertex(t, 2)
            func near(_ v: Int32) -> Bool { Int(v) < nearCorner.count && nearCorner[Int(v)] }
            let atCorner = hasCorners && (near(ia) || near(ib) || near(ic))
            if !atCorner && mesh.isBorder[Int(ia)] && mesh.isBorder[Int(ib)] && mesh.isBorder[Int(ic)] { return true }
            let a = mesh.points[Int(ia)], b = mesh.points[Int(ib)], c = mesh.points[Int(ic)]
            let e0 = (b - a).x * (b - a).x + (b - a).y * (b - a).y
            let e1 = (c - b).x * (c - b).x + (c - b).y * (c - b).y
            let e2 = (a - c).x * (a - c).x + (a - c).y * (a - c).y
            let area2 = ConstrainedDelaunay.orient(a, b, c)
            guard area2 > 0 else { return true }
            let radiusSquared = e0 * e1 * e2 / (4 * area2 * area2)
            let limit = uniformRadius ?? circumradiusFactor * sizeField.length(at: Point((a.x + b.x + c.x) / 3, (a.y + b.y + c.y) / 3))
            if radiusSquared > limit * limit { return true }
            if atCorner { return false }
            return min(e0, e1, e2) < 4 * radiusSquared * sineSquared
        }

        func enqueue(_ t: Int32) {
            if isBad(t) { triangleQueue.append((t, SIMD3(mesh.vertex(t, 0), mesh.vertex(t, 1), mesh.vertex(t, 2)))) }
        }

        // A segment that ends at a corner is never split: at a small input angle the two
        // segments of the corner would encroach on each other without end (Ruppert's algorithm
        // needs input angles of 60 degrees); keeping them fixed stops the cascade there.
        func atCorner(_ s: Int32) -> Bool {
            hasCorners && (mesh.isCorner[Int(mesh.segments[Int(s)].a)] || mesh.isCorner[Int(mesh.segments[Int(s)].b)])
        }

        func encroached(_ s: Int32) -> Bool {
            guard mesh.segments[Int(s)].alive, !atCorner(s) else { return false }
            let slot = Int(mesh.segmentEdge[Int(s)])
            let t = slot / 3, k = slot % 3
            let a = mesh.points[Int(mesh.vertices[3 * t + k])]
            let b = mesh.points[Int(mesh.vertices[3 * t + (k + 1) % 3])]
            let x = mesh.points[Int(mesh.vertices[3 * t + (k + 2) % 3])]
            if Point.dot(a - x, b - x) < 0 { return true }
            // An interface segment has a wall triangle on its other side too.
            let n = mesh.neighbours[slot]
            guard n >= 0, mesh.isInterface(s) else { return false }
            for j in 0..<3 {
                let y = mesh.vertices[3 * Int(n) + j]
                if y != mesh.vertices[3 * t + k] && y != mesh.vertices[3 * t + (k + 1) % 3] {
                    let z = mesh.points[Int(y)]
                    return Point.dot(a - z, b - z) < 0
                }
            }
            return false
        }

        func afterInsertion(_ created: [Int32]) {
            for t in created {
                enqueue(t)
                for k in 0..<3 {
                    let s = mesh.edgeSegment[3 * Int(t) + k]
                    if s >= 0 && encroached(s) { segmentQueue.append(s) }
                }
            }
        }

        func checkSize() throws(MeshError) {
            if mesh.triangleCount > maximumTriangleCount {
                throw .triangulationFailed("refinement exceeded \(maximumTriangleCount) triangles (wall too thin for the element size?)")
            }
        }

        func split(_ s: Int32) throws(MeshError) {
            let segment = mesh.segments[Int(s)]
            guard segment.alive else { return }
            try checkSize()
            let t = mesh.segmentEdge[Int(s)] / 3
            var m = mesh.curves[Int(segment.curve)].point(at: segment.midParameter)
            var seeds = [t]
            let interface = mesh.isInterface(s)
            if interface {
                // Both sides go: the new vertex lies on the curve, not on the chord.
                let other = mesh.neighbours[Int(mesh.segmentEdge[Int(s)])]
                if other >= 0 { seeds.append(other) }
            } else if case .found(let u) = mesh.walk(from: t, to: m), u != t {
                seeds.append(u)
            }
            var found = mesh.cavity(of: m, seeds: seeds, split: s)
            if found == nil && interface {
                // Near a corner the outline's curve point can fall outside the two triangles of
                // the chord (the border there is a chord too): split at the chord midpoint instead.
                m = 0.5 * (mesh.points[Int(segment.a)] + mesh.points[Int(segment.b)])
                found = mesh.cavity(of: m, seeds: seeds, split: s)
            }
            guard let cavity = found else {
                throw .triangulationFailed("cannot split \(interface ? "component" : "border") segment \(s) at its curve midpoint (\(m.x), \(m.y))")
            }
            let v = mesh.addVertex(m, border: true)
            let first = Int32(mesh.segments.count)
            mesh.segments[Int(s)].alive = false
            mesh.segments.append(CurveSegment(a: segment.a, b: v, curve: segment.curve, ta: segment.ta, tb: segment.midParameter))
            mesh.segments.append(CurveSegment(a: v, b: segment.b, curve: segment.curve, ta: segment.midParameter, tb: segment.tb))
            mesh.segmentEdge += [-1, -1]
            if interface {
                let created = mesh.commit(cavity, vertex: v)
                // The halves a-v and v-b are interior edges of the fan: mark them on both sides.
                for f in created {
                    for k in 0..<3 {
                        let slot = 3 * Int(f) + k
                        let x = mesh.vertices[slot], y = mesh.vertices[3 * Int(f) + (k + 1) % 3]
                        let half: Int32? = (x == v && y == segment.a) || (x == segment.a && y == v) ? first
                            : (x == v && y == segment.b) || (x == segment.b && y == v) ? first + 1 : nil
                        if let half {
                            mesh.edgeSegment[slot] = half
                            mesh.segmentEdge[Int(half)] = Int32(slot)
                        }
                    }
                }
                afterInsertion(created)
            } else {
                afterInsertion(mesh.commit(cavity, vertex: v, newSegments: (first, first + 1)))
            }
        }

        for t in 0..<mesh.alive.count where mesh.alive[t] { enqueue(Int32(t)) }
        for s in 0..<mesh.segments.count where encroached(Int32(s)) { segmentQueue.append(Int32(s)) }

        var steps = 0
        while true {
            steps += 1
            if steps % Self.checkInterval == 0 {
                try deadline.check(during: "mesh refinement (\(mesh.triangleCount) triangles)")
            }
            if segmentHead < segmentQueue.count {
                let s = segmentQueue[segmentHead]
                segmentHead += 1
                if encroached(s) { try split(s) }
                continue
            }
            guard triangleHead < triangleQueue.count else { break }
            let (t, v) = triangleQueue[triangleHead]
            triangleHead += 1
            guard mesh.alive[Int(t)], mesh.vertex(t, 0) == v.x, mesh.vertex(t, 1) == v.y, mesh.vertex(t, 2) == v.z, isBad(t) else {
                continue
            }
            try checkSize()
            let a = mesh.point(t, 0), b = mesh.point(t, 1), c = mesh.point(t, 2)
            let centre = Self.circumcentre(a, b, c)
            switch mesh.walk(from: t, to: centre) {
            case .failed:
                continue
            case .blocked(let s):
                if atCorner(s) { continue }
                try split(s)
                triangleQueue.append((t, v))
            case .found(let u):
                guard let cavity = mesh.cavity(of: centre, seeds: [u]) else { continue }
                var hit: [Int32] = []
                for edge in cavity.boundary where edge.segment >= 0 && !atCorner(edge.segment) {
                    let p = mesh.points[Int(edge.u)], q = mesh.points[Int(edge.w)]
                    if Point.dot(p - centre, q - centre) < 0 { hit.append(edge.segment) }
                }
                if !hit.isEmpty {
                    for s in hit { try split(s) }
                    triangleQueue.append((t, v))
                    continue
                }
                let scale = max((b - a).length, (c - a).length)
                var tooClose = false
                for k in 0..<3 where mesh.point(u, k).distance(to: centre) < 1e-9 * scale { tooClose = true }
                if tooClose { continue }
                let vertex = mesh.addVertex(centre, border: false)
                afterInsertion(mesh.commit(cavity, vertex: vertex))
            }
            // Compact the queues now and then so that long runs do not hold dead entries.
            if triangleHead > 4096 && triangleHead * 2 > triangleQueue.count {
                triangleQueue.removeFirst(triangleHead)
                triangleHead = 0
            }
        }
    }

    /// Circumcentre of triangle a, b, c.
    static func circumcentre(_ a: Point, _ b: Point, _ c: Point) -> Point {
        let bx = b.x - a.x, by = b.y - a.y, cx = c.x - a.x, cy = c.y - a.y
        let d = 2 * (bx * cy - by * cx)
        let b2 = bx * bx + by * by, c2 = cx * cx + cy * cy
        return Point(a.x + (cy * b2 - by * c2) / d, a.y + (bx * c2 - cx * b2) / d)
    }
}
