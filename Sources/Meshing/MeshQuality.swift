import Foundation

/// Angle statistics of a triangulation, in degrees.
public struct MeshQuality: Sendable, Codable, Equatable {
    /// Number of triangles.
    public var triangleCount: Int
    /// Number of vertices.
    public var vertexCount: Int
    /// Smallest interior angle over all triangles (degrees).
    public var minimumAngle: Double
    /// Mean of the smallest angle of each triangle (degrees).
    public var meanMinimumAngle: Double
    /// Largest interior angle over all triangles (degrees).
    public var maximumAngle: Double
    /// Shortest and longest edge (mm).
    public var shortestEdge: Double
    /// Longest edge (mm).
    public var longestEdge: Double

    /// Measures the straight-sided triangles of `mesh`.
    public init(mesh: TriangleMesh) {
        var minAngle = Double.infinity, maxAngle = 0.0, sumMin = 0.0
        var shortest = Double.infinity, longest = 0.0
        for t in mesh.triangles {
            let p = [mesh.points[Int(t.x)], mesh.points[Int(t.y)], mesh.points[Int(t.z)]]
            var smallest = Double.infinity
            for k in 0..<3 {
                let u = p[(k + 1) % 3] - p[k], v = p[(k + 2) % 3] - p[k]
                let angle = atan2(abs(Point.cross(u, v)), Point.dot(u, v)) * 180 / Double.pi
                smallest = min(smallest, angle)
                maxAngle = max(maxAngle, angle)
                let edge = u.length
                shortest = min(shortest, edge)
                longest = max(longest, edge)
            }
            minAngle = min(minAngle, smallest)
            sumMin += smallest
        }
        triangleCount = mesh.triangles.count
        vertexCount = mesh.points.count
        minimumAngle = minAngle
        meanMinimumAngle = sumMin / Double(max(1, mesh.triangles.count))
        maximumAngle = maxAngle
        shortestEdge = shortest
        longestEdge = longest
    }

    /// Smallest interior angle (degrees) over the triangles of `mesh` that `excluding` does not pick.
    static func minimumAngle(of mesh: TriangleMesh, excluding: (SIMD3<Int32>) -> Bool) -> Double {
        var smallest = Double.infinity
        for t in mesh.triangles where !excluding(t) {
            let p = [mesh.points[Int(t.x)], mesh.points[Int(t.y)], mesh.points[Int(t.z)]]
            for k in 0..<3 {
                let u = p[(k + 1) % 3] - p[k], v = p[(k + 2) % 3] - p[k]
                smallest = min(smallest, atan2(abs(Point.cross(u, v)), Point.dot(u, v)) * 180 / Double.pi)
            }
        }
        return smallest
    }
}
