import Foundation
@testable import Meshing
import Testing

/// Wall meshes that conform to component outlines (lipid, calcium), clipped to the wall.
@Suite struct ComponentMeshingTests {
    static let wall = try! WallBorders(frame: 1, lumen: ContourMeshingTests.circle(radius: 1, count: 200),
                                       outer: ContourMeshingTests.circle(radius: 2.2, count: 240))

    /// Every interface edge separates two regions, every region border edge is an interface edge,
    /// and the regions' areas add up to the mesh's.
    static func checkConforming(_ mesh: TriangleMesh) {
        var edgeRegions: [SIMD2<Int32>: [Int]] = [:]
        for (t, tri) in mesh.triangles.enumerated() {
            for (a, b) in [(tri.x, tri.y), (tri.y, tri.z), (tri.z, tri.x)] {
                edgeRegions[TriangleMesh.edgeKey(a, b), default: []].append(mesh.region(ofTriangle: t))
            }
        }
        let interface = Set(mesh.interfaceSegments.map { TriangleMesh.edgeKey($0.start, $0.end) })
        var mixedNotInterface = 0, interfaceNotMixed = 0
        for (edge, regions) in edgeRegions where regions.count == 2 {
            if regions[0] != regions[1] && !interface.contains(edge) { mixedNotInterface += 1 }
            if regions[0] == regions[1] && interface.contains(edge) { interfaceNotMixed += 1 }
        }
        #expect(mixedNotInterface == 0)
        #expect(interfaceNotMixed == 0)
        #expect(abs(mesh.regionAreas.reduce(0, +) - mesh.area) < 1e-12 * mesh.area)
    }

    @Test func anOutlineInsideTheWallBecomesARegionWithCurvedBorders() throws {
        let calcium = ComponentOutline(component: .calcium, points: ContourMeshingTests.circle(centre: Point(5.6, 4), radius: 0.35, count: 120))
        let lipid = ComponentOutline(component: .lipid, points: ContourMeshingTests.circle(centre: Point(2.4, 4), radius: 0.4, count: 90))
        let result = try ContourMesher().mesh(Self.wall, components: [calcium, lipid])
        let mesh = result.mesh
        #expect(mesh.regionCount == 3)
        let areas = mesh.regionAreas
        // Straight-sided triangles under-fill the circle by O(h^2) (24 chords: 1.1 %); the curved mid-side points fix that in the FE map.
        #expect(abs(areas[2] - Double.pi * 0.35 * 0.35) < 0.02 * Double.pi * 0.35 * 0.35)
        #expect(abs(areas[1] - Double.pi * 0.4 * 0.4) < 0.02 * Double.pi * 0.4 * 0.4)
        #expect(mesh.interfaceSegments.count >= 24 * 2)
        for s in mesh.interfaceSegments {
            let m = try #require(s.midpoint)
            let r = min(m.distance(to: Point(5.6, 4)), m.distance(to: Point(2.4, 4)))
            #expect(abs(r - 0.35) < 1e-3 || abs(r - 0.4) < 1e-3)
        }
        #expect(result.componentClipping.allSatisfy { !$0.isClipped && $0.clippedArea < 0.02 * $0.outlineArea })
        Self.checkConforming(mesh)
    }

    @Test(arguments: [Point(6.2, 4), Point(4, 5.1)])
    func anOutlineCrossingABorderIsClippedToTheWallAndReported(centre: Point) throws {
        // Centred on the EEM (6.2 = 4 + 2.2), or on the lumen border (5.1 = 4 + 1.1 with r = 0.5 crosses r = 1).
        let outline = ComponentOutline(component: .calcium, points: ContourMeshingTests.circle(centre: centre, radius: 0.5, count: 150))
        let result = try ContourMesher().mesh(Self.wall, components: [outline])
        let clipping = try #require(result.componentClipping.first)
        #expect(clipping.lumenCrossings + clipping.outerCrossings == 2)
        #expect(clipping.clippedArea > 0.2 * clipping.outlineArea && clipping.clippedArea < 0.8 * clipping.outlineArea)
        // The part inside the wall, by a fine sampling of the disc.
        var inside = 0.0
        let n = 400, h = 1.0 / Double(n)
        for i in 0..<n {
            for j in 0..<n {
                let p = Point(centre.x - 0.5 + (Double(i) + 0.5) * h, centre.y - 0.5 + (Double(j) + 0.5) * h)
                if p.distance(to: centre) < 0.5 && Self.wall.wallContains(p) { inside += h * h }
            }
        }
        #expect(abs(clipping.meshedArea - inside) < 0.02 * inside, "meshed \(clipping.meshedArea) vs \(inside) mm^2")
        Self.checkConforming(result.mesh)
    }

    @Test func crossingOutlinesAreRefused() {
        let a = ComponentOutline(component: .calcium, points: ContourMeshingTests.circle(centre: Point(5.6, 4), radius: 0.3, count: 60))
        let b = ComponentOutline(component: .lipid, points: ContourMeshingTests.circle(centre: Point(5.6, 4.3), radius: 0.3, count: 60))
        #expect(throws: MeshError.self) { try ContourMesher().mesh(Self.wall, components: [a, b]) }
    }
}
