import Foundation
import Testing
@testable import Meshing

@Suite struct AnnulusMeshGeneratorTests {
    @Test func ringMeshHasExpectedCountsAndOrientation() throws {
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(radialDivisions: 3, circumferentialDivisions: 16)
        #expect(mesh.points.count == 4 * 16)
        #expect(mesh.triangles.count == 2 * 3 * 16)
        #expect(mesh.segments(tagged: .lumen).count == 16)
        #expect(mesh.segments(tagged: .outer).count == 16)
        for t in mesh.triangles.indices { #expect(mesh.signedArea(ofTriangle: t) > 0) }
        // The polygonal area approaches pi (R_o^2 - R_i^2) from below.
        let exact = Double.pi * 3
        #expect(mesh.area < exact && mesh.area > 0.97 * exact)
    }

    @Test func curvedBorderMidpointsLieOnTheCircles() throws {
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.25)
        for s in mesh.boundarySegments {
            let radius = try #require(s.midpoint).length
            #expect(abs(radius - (s.tag == .lumen ? 1 : 2)) < 1e-14)
        }
    }

    @Test func meshSizeGivesDivisionsThatAreMultiplesOfFour() {
        let d = AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).divisions(meshSize: 1.0 / 12)
        #expect(d.radial == 12)
        #expect(d.circumferential % 4 == 0)
        #expect(d.circumferential >= Int(Double.pi * 3 * 12))
    }

    @Test func eccentricPlaqueIsValidAndThinnestWhereExpected() throws {
        let generator = AnnulusMeshGenerator(lumenCenter: Point(0.6, 0), lumenRadius: 0.9, outerCenter: .zero, outerRadius: 2)
        #expect(abs(generator.minimumThickness - 0.5) < 1e-12)
        let mesh = try generator.mesh(meshSize: 0.2)
        #expect(MeshQuality(mesh: mesh).minimumAngle > 15)
    }

    @Test func impossibleGeometriesThrow() {
        #expect(throws: MeshError.self) {
            try AnnulusMeshGenerator(lumenCenter: Point(1.5, 0), lumenRadius: 1, outerCenter: .zero, outerRadius: 2).mesh(meshSize: 0.2)
        }
        #expect(throws: MeshError.self) { try AnnulusMeshGenerator.ring(innerRadius: 2, outerRadius: 1).mesh(meshSize: 0.2) }
        #expect(throws: MeshError.self) { try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0) }
        #expect(throws: MeshError.self) { try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: .nan) }
    }
}

@Suite struct TriangleMeshValidationTests {
    let square = [Point(0, 0), Point(1, 0), Point(1, 1), Point(0, 1)]

    func segments(_ pairs: [(Int32, Int32)]) -> [TriangleMesh.BoundarySegment] {
        pairs.map { .init(start: $0.0, end: $0.1, tag: .outer) }
    }

    @Test func acceptsAValidMesh() throws {
        let mesh = try TriangleMesh(points: square, triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)],
                                    boundarySegments: segments([(0, 1), (1, 2), (2, 3), (3, 0)]))
        #expect(abs(mesh.area - 1) < 1e-15)
    }

    @Test func rejectsClockwiseTriangles() {
        #expect(throws: MeshError.invertedOrDegenerateTriangle(index: 0, signedArea: -0.5)) {
            try TriangleMesh(points: square, triangles: [SIMD3(0, 2, 1), SIMD3(0, 2, 3)], boundarySegments: [])
        }
    }

    @Test func rejectsUntaggedBorders() {
        #expect(throws: MeshError.untaggedBoundary(taggedSegments: 3, boundaryEdges: 4)) {
            try TriangleMesh(points: square, triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)],
                             boundarySegments: segments([(0, 1), (1, 2), (2, 3)]))
        }
    }

    @Test func rejectsTagsOnInteriorEdgesAndBadIndices() {
        #expect(throws: MeshError.boundarySegmentNotOnBoundary(index: 0)) {
            try TriangleMesh(points: square, triangles: [SIMD3(0, 1, 2), SIMD3(0, 2, 3)], boundarySegments: segments([(0, 2)]))
        }
        #expect(throws: MeshError.invalidVertexIndex(triangle: 0, vertex: 7)) {
            try TriangleMesh(points: square, triangles: [SIMD3(0, 1, 7)], boundarySegments: [])
        }
        #expect(throws: MeshError.empty) { try TriangleMesh(points: square, triangles: [], boundarySegments: []) }
    }
}
