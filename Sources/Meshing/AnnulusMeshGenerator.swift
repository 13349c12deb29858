import Foundation

/// Structured triangulations of annular vessel walls: the concentric ring of the verification
/// problem and an eccentric plaque (a lumen circle off the centre of the outer circle).
///
/// Vertices sit on rays: vertex (i, j) = L(theta_j) + (i / n_r) (O(theta_j) - L(theta_j)), where
/// L and O are the points of the lumen and outer circles at angle theta_j = 2 pi j / n_theta
/// about their own centres. Each quadrilateral is split along alternating diagonals. Boundary
/// segments carry the exact circle point at the mid angle so that P2 elements see curved borders.
public struct AnnulusMeshGenerator: Sendable {
    /// Centre of the lumen circle (mm).
    public var lumenCenter: Point
    /// Lumen radius (mm).
    public var lumenRadius: Double
    /// Centre of the outer circle (mm).
    public var outerCenter: Point
    /// Outer radius (mm).
    public var outerRadius: Double

    /// A concentric ring with inner radius `innerRadius` and outer radius `outerRadius` (mm), centred at `center`.
    public static func ring(innerRadius: Double, outerRadius: Double, center: Point = .zero) -> AnnulusMeshGenerator {
        AnnulusMeshGenerator(lumenCenter: center, lumenRadius: innerRadius, outerCenter: center, outerRadius: outerRadius)
    }

    /// Creates a generator for the wall between a lumen circle and an outer circle (mm).
    public init(lumenCenter: Point, lumenRadius: Double, outerCenter: Point, outerRadius: Double) {
        self.lumenCenter = lumenCenter
        self.lumenRadius = lumenRadius
        self.outerCenter = outerCenter
        self.outerRadius = outerRadius
    }

    /// Smallest wall thickness, R_o - |c_o - c_l| - R_l (mm); must be positive.
    public var minimumThickness: Double {
        outerRadius - outerCenter.distance(to: lumenCenter) - lumenRadius
    }

    /// Divisions (radial, circumferential) that give edges of about `meshSize` mm: the radial count
    /// follows the mean thickness, the circumferential count the mean circumference, rounded up to a
    /// multiple of 4 so that the ring mesh is symmetric about both axes.
    public func divisions(meshSize: Double) -> (radial: Int, circumferential: Int) {
        let thickness = outerRadius - lumenRadius
        let radial = max(2, Int((thickness / meshSize).rounded(.up)))
        let meanCircumference = Double.pi * (lumenRadius + outerRadius)
        var circumferential = max(8, Int((meanCircumference / meshSize).rounded(.up)))
        circumferential = (circumferential + 3) / 4 * 4
        return (radial, circumferential)
    }

    /// Builds the mesh with edges of about `meshSize` mm.
    public func mesh(meshSize: Double) throws(MeshError) -> TriangleMesh {
        guard meshSize > 0, meshSize.isFinite else { throw .invalidGeometry("mesh size must be positive, got \(meshSize)") }
        let d = divisions(meshSize: meshSize)
        return try mesh(radialDivisions: d.radial, circumferentialDivisions: d.circumferential)
    }

    /// Builds the mesh with `radialDivisions` layers through the wall and `circumferentialDivisions` sectors.
    public func mesh(radialDivisions: Int, circumferentialDivisions: Int) throws(MeshError) -> TriangleMesh {
        guard lumenRadius > 0, outerRadius > 0, lumenRadius.isFinite, outerRadius.isFinite else {
            throw .invalidGeometry("radii must be positive and finite (lumen \(lumenRadius) mm, outer \(outerRadius) mm)")
        }
        guard minimumThickness > 0 else {
            throw .invalidGeometry("the lumen circle must lie strictly inside the outer circle (minimum thickness \(minimumThickness) mm)")
        }
        guard radialDivisions >= 2, circumferentialDivisions >= 3 else {
            throw .invalidGeometry("need at least 2 radial and 3 circumferential divisions (every triangle needs an interior vertex)")
        }
        let nr = radialDivisions, nt = circumferentialDivisions
        func angle(_ j: Double) -> Double { 2 * Double.pi * j / Double(nt) }
        func lumenPoint(_ theta: Double) -> Point { lumenCenter + lumenRadius * Point(cos(theta), sin(theta)) }
        func outerPoint(_ theta: Double) -> Point { outerCenter + outerRadius * Point(cos(theta), sin(theta)) }
        func index(_ i: Int, _ j: Int) -> Int32 { Int32(i * nt + (j % nt)) }

        var points: [Point] = []
        points.reserveCapacity((nr + 1) * nt)
        for i in 0...nr {
            let s = Double(i) / Double(nr)
            for j in 0..<nt {
                let theta = angle(Double(j))
                let inner = lumenPoint(theta), outer = outerPoint(theta)
                points.append(inner + s * (outer - inner))
            }
        }
        var triangles: [SIMD3<Int32>] = []
        triangles.reserveCapacity(2 * nr * nt)
        for i in 0..<nr {
            for j in 0..<nt {
                let a = index(i, j), b = index(i + 1, j), c = index(i + 1, j + 1), d = index(i, j + 1)
                if (i + j) % 2 == 0 {
                    triangles.append(SIMD3(a, b, c))
                    triangles.append(SIMD3(a, c, d))
                } else {
                    triangles.append(SIMD3(a, b, d))
                    triangles.append(SIMD3(b, c, d))
                }
            }
        }
        var segments: [TriangleMesh.BoundarySegment] = []
        segments.reserveCapacity(2 * nt)
        for j in 0..<nt {
            let mid = angle(Double(j) + 0.5)
            segments.append(.init(start: index(0, j + 1), end: index(0, j), tag: .lumen, midpoint: lumenPoint(mid)))
            segments.append(.init(start: index(nr, j), end: index(nr, j + 1), tag: .outer, midpoint: outerPoint(mid)))
        }
        return try TriangleMesh(points: points, triangles: triangles, boundarySegments: segments)
    }
}
