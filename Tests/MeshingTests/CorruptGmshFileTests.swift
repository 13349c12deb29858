import Foundation
import Testing
@testable import Meshing

/// Gmsh files with impossible counts: a typed error, never a trap.
@Suite struct CorruptGmshFileTests {
    /// A valid file of a small ring, as `plaquefem mesh` writes it, split into lines.
    static func lines() throws -> [String] {
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(radialDivisions: 2, circumferentialDivisions: 6)
        return GmshFile.render(mesh).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The line after `section` with its first (or `field`-th) number replaced by `value`.
    static func replacing(after section: String, offset: Int = 1, field: Int = 0, with value: String) throws -> String {
        var lines = try lines()
        let index = try #require(lines.firstIndex(of: section)) + offset
        var fields = lines[index].split(separator: " ").map(String.init)
        fields[field] = value
        lines[index] = fields.joined(separator: " ")
        return lines.joined(separator: "\n")
    }

    /// Fuzz finding (gmsh, 2026-12-07): a negative block size in $Elements trapped on the range
    /// 0..<n ("Range requires lowerBound <= upperBound") in `solve MESH.msh`. Negative or huge counts
    /// in every header and block are now "bad header" or "truncated block" errors.
    @Test(arguments: [
        ("$Nodes", 1, 0, "-1"), ("$Nodes", 2, 3, "-2"), ("$Nodes", 2, 3, "\(Int.max)"),
        ("$Elements", 1, 0, "-1"), ("$Elements", 2, 3, "-720"), ("$Elements", 2, 3, "\(Int.max)"),
        ("$Entities", 1, 1, "-1"), ("$Entities", 2, 7, "-3"),
    ])
    func aNegativeOrHugeCountIsATypedError(_ section: String, _ offset: Int, _ field: Int, _ value: String) throws {
        #expect(try GmshFile.parse(try Self.lines().joined(separator: "\n")).triangles.count > 0)
        let text = try Self.replacing(after: section, offset: offset, field: field, with: value)
        #expect(throws: (any Error).self) { try GmshFile.parse(text) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-corrupt-\(UUID().uuidString).msh").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: MeshError.self) { try GmshFile.read(from: path) }
    }
}
