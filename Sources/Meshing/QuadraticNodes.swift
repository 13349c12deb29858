/// The node set of quadratic (P2, six-node) triangles on a `TriangleMesh`: the vertices first,
/// then one node per edge at its midpoint (or at the curved border point the boundary segment
/// carries).
///
/// Local ordering per triangle follows Gmsh and VTK: vertices 0, 1, 2, then the mid-side nodes of
/// edges 0-1, 1-2, 2-0.
public struct QuadraticNodes: Sendable {
    /// Node positions (mm): `mesh.points` followed by edge nodes.
    public var positions: [Point]
    /// Six node indices per triangle.
    public var triangleNodes: [[Int32]]
    /// Three node indices (start, end, middle) per boundary segment, in `mesh.boundarySegments` order.
    public var segmentNodes: [SIMD3<Int32>]
    /// Number of vertex nodes (they come first).
    public var vertexCount: Int

    /// Numbers the edges of `mesh` in order of first appearance and places their nodes.
    public init(mesh: TriangleMesh) {
        vertexCount = mesh.points.count
        positions = mesh.points
        var curved: [SIMD2<Int32>: Point] = [:]
        for s in mesh.boundarySegments {
            if let m = s.midpoint { curved[TriangleMesh.edgeKey(s.start, s.end)] = m }
        }
        for s in mesh.interfaceSegments {
            if let m = s.midpoint { curved[TriangleMesh.edgeKey(s.start, s.end)] = m }
        }
        var edgeNode: [SIMD2<Int32>: Int32] = [:]
        edgeNode.reserveCapacity(mesh.triangles.count * 3 / 2 + 8)
        triangleNodes = []
        triangleNodes.reserveCapacity(mesh.triangles.count)
        for t in mesh.triangles {
            var nodes: [Int32] = [t.x, t.y, t.z]
            for (a, b) in [(t.x, t.y), (t.y, t.z), (t.z, t.x)] {
                let key = TriangleMesh.edgeKey(a, b)
                if let existing = edgeNode[key] {
                    nodes.append(existing)
                } else {
                    let id = Int32(positions.count)
                    edgeNode[key] = id
                    positions.append(curved[key] ?? 0.5 * (mesh.points[Int(a)] + mesh.points[Int(b)]))
                    nodes.append(id)
                }
            }
            triangleNodes.append(nodes)
        }
        segmentNodes = mesh.boundarySegments.map { s in
            SIMD3(s.start, s.end, edgeNode[TriangleMesh.edgeKey(s.start, s.end)]!)
        }
    }

    /// Total number of nodes.
    public var count: Int { positions.count }
}
