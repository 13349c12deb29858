import Foundation
import Testing
@testable import Meshing

@Suite struct GmshFileTests {
    @Test func secondOrderRoundTripKeepsCurvedBorders() throws {
        let mesh = try AnnulusMeshGenerator(lumenCenter: Point(0.3, 0.1), lumenRadius: 1, outerCenter: .zero, outerRadius: 2)
            .mesh(meshSize: 0.3)
        let back = try GmshFile.parse(GmshFile.render(mesh))
        #expect(back.points.count == mesh.points.count)
        #expect(back.triangles == mesh.triangles)
        #expect(back.boundarySegments.count == mesh.boundarySegments.count)
        // The file groups segments by border; compare in a canonical order.
        let order = { (s: TriangleMesh.BoundarySegment) in [Int(s.tag.rawValue), Int(s.start), Int(s.end)] }
        let sortedOriginal = mesh.boundarySegments.sorted { order($0).lexicographicallyPrecedes(order($1)) }
        let sortedBack = back.boundarySegments.sorted { order($0).lexicographicallyPrecedes(order($1)) }
        for (a, b) in zip(sortedOriginal, sortedBack) {
            #expect(a.tag == b.tag && a.start == b.start && a.end == b.end)
            #expect(try #require(b.midpoint).distance(to: try #require(a.midpoint)) < 1e-12)
        }
        for (p, q) in zip(mesh.points, back.points) { #expect(p.distance(to: q) < 1e-12) }
    }

    @Test func firstOrderFilesAreWrittenForStraightBorders() throws {
        var mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(radialDivisions: 2, circumferentialDivisions: 8)
        for k in mesh.boundarySegments.indices { mesh.boundarySegments[k].midpoint = nil }
        let text = GmshFile.render(mesh)
        #expect(text.contains("2 1 2 \(mesh.triangles.count)"))
        let back = try GmshFile.parse(text)
        #expect(back.boundarySegments.allSatisfy { $0.midpoint == nil })
        #expect(back.triangles.count == mesh.triangles.count)
    }

    @Test func unreadableFilesGiveTypedErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-mesh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("garbage.msh").path
        try "hello\nworld\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        #expect(throws: MeshError.self) { try GmshFile.read(from: garbage) }
        #expect(throws: MeshError.self) { try GmshFile.read(from: directory.appendingPathComponent("missing.msh").path) }

        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.5)
        let text = GmshFile.render(mesh)
        let truncated = directory.appendingPathComponent("truncated.msh").path
        try String(text.prefix(text.count / 2)).write(toFile: truncated, atomically: true, encoding: .utf8)
        #expect(throws: MeshError.self) { try GmshFile.read(from: truncated) }

        let roundTrip = directory.appendingPathComponent("ring.msh").path
        try GmshFile.write(mesh, to: roundTrip)
        #expect(try GmshFile.read(from: roundTrip).triangles.count == mesh.triangles.count)
    }
}

@Suite struct VTUFileTests {
    @Test func writesQuadraticTrianglesWithFields() throws {
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(radialDivisions: 2, circumferentialDivisions: 8)
        var file = VTUFile(mesh: mesh)
        file.pointFields = [.scalar("radius", file.positions.map(\.length))]
        let text = file.render()
        #expect(text.contains("NumberOfPoints=\"\(file.positions.count)\" NumberOfCells=\"\(mesh.triangles.count)\""))
        #expect(text.components(separatedBy: " 22").count - 1 >= mesh.triangles.count - 1)
        #expect(text.contains("Name=\"radius\""))
        // P2 nodes: vertices plus one per edge (E = V + T for an annulus, Euler characteristic 0).
        #expect(file.positions.count == mesh.points.count + (mesh.points.count + mesh.triangles.count))
    }

    @Test func writesPixelGridsAsUprightQuadrilaterals() {
        let file = VTUFile(pixelRows: 2, columns: 3, pixelSize: 0.5)
        #expect(file.positions.count == 12 && file.cells.count == 6 && file.cellType == 9)
        // Pixel (0, 0) is the top-left one: x in [0, 0.5], y in [0.5, 1] with y up.
        let corners = file.cells[0].map { file.positions[$0] }
        #expect(corners.map(\.x).min() == 0 && corners.map(\.x).max() == 0.5)
        #expect(corners.map(\.y).min() == 0.5 && corners.map(\.y).max() == 1)
        #expect(file.render().contains("<DataArray type=\"Int32\" Name=\"offsets\" format=\"ascii\">\n4 8 12 16 20 24\n"))
    }

    @Test func rejectsFieldsOfTheWrongLength() throws {
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(radialDivisions: 2, circumferentialDivisions: 8)
        var file = VTUFile(mesh: mesh)
        file.pointFields = [.scalar("bad", [1, 2, 3])]
        #expect(throws: MeshError.self) { try file.write(to: "/tmp/never-written.vtu") }
    }
}
