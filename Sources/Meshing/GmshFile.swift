import Foundation

/// Reading and writing Gmsh MSH 4.1 ASCII files.
///
/// Written files hold one surface entity (physical name "wall") and two curve entities (physical
/// names "lumen" and "outer"). When any border is curved, elements are second order (6-node
/// triangles, type 9, and 3-node lines, type 8) so that the curved geometry survives a round trip;
/// otherwise first order (types 2 and 1). Reading accepts both orders and any number of entity
/// blocks; border lines are tagged by the physical name of their curve ("lumen" or "outer").
public enum GmshFile {
    /// Writes `mesh` to `path` in MSH 4.1 ASCII.
    public static func write(_ mesh: TriangleMesh, to path: String) throws(MeshError) {
        let text = render(mesh)
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    /// The MSH 4.1 text of `mesh`.
    public static func render(_ mesh: TriangleMesh) -> String {
        let secondOrder = mesh.boundarySegments.contains { $0.midpoint != nil }
        let nodes = QuadraticNodes(mesh: mesh)
        let nodeCount = secondOrder ? nodes.count : mesh.points.count
        let xs = mesh.points.map(\.x), ys = mesh.points.map(\.y)
        let box = "\(xs.min() ?? 0) \(ys.min() ?? 0) 0 \(xs.max() ?? 0) \(ys.max() ?? 0) 0"
        var out = "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n"
        out += "$PhysicalNames\n3\n1 1 \"lumen\"\n1 2 \"outer\"\n2 3 \"wall\"\n$EndPhysicalNames\n"
        out += "$Entities\n0 2 1 0\n1 \(box) 1 1 0\n2 \(box) 1 2 0\n1 \(box) 1 3 2 1 2\n$EndEntities\n"
        out += "$Nodes\n1 \(nodeCount) 1 \(nodeCount)\n2 1 0 \(nodeCount)\n"
        for i in 0..<nodeCount { out += "\(i + 1)\n" }
        for i in 0..<nodeCount {
            let p = nodes.positions[i]
            out += "\(p.x) \(p.y) 0\n"
        }
        out += "$EndNodes\n"
        let lumen = mesh.boundarySegments.indices.filter { mesh.boundarySegments[$0].tag == .lumen }
        let outer = mesh.boundarySegments.indices.filter { mesh.boundarySegments[$0].tag == .outer }
        let elementCount = lumen.count + outer.count + mesh.triangles.count
        out += "$Elements\n3 \(elementCount) 1 \(elementCount)\n"
        var tag = 1
        for (entity, list) in [(1, lumen), (2, outer)] {
            out += "1 \(entity) \(secondOrder ? 8 : 1) \(list.count)\n"
            for s in list {
                let n = nodes.segmentNodes[s]
                let ids = secondOrder ? [n.x, n.y, n.z] : [n.x, n.y]
                out += "\(tag) " + ids.map { String($0 + 1) }.joined(separator: " ") + "\n"
                tag += 1
            }
        }
        out += "2 1 \(secondOrder ? 9 : 2) \(mesh.triangles.count)\n"
        for t in nodes.triangleNodes {
            let ids = secondOrder ? t : Array(t.prefix(3))
            out += "\(tag) " + ids.map { String($0 + 1) }.joined(separator: " ") + "\n"
            tag += 1
        }
        out += "$EndElements\n"
        return out
    }

    /// Reads a MSH 4.1 ASCII file.
    public static func read(from path: String) throws(MeshError) -> TriangleMesh {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadableFile(path: path, reason: error.localizedDescription)
        }
        do {
            return try parse(text)
        } catch let error as ParseError {
            throw .unreadableFile(path: path, reason: error.reason)
        } catch let error as MeshError {
            throw error
        } catch {
            throw .unreadableFile(path: path, reason: "\(error)")
        }
    }

    struct ParseError: Error { var reason: String }

    /// Parses MSH 4.1 ASCII text.
    static func parse(_ text: String) throws -> TriangleMesh {
        var sections: [String: [Substring]] = [:]
        var current: String?
        var sectionLines: [Substring] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("$End") {
                if let name = current { sections[name] = sectionLines }
                current = nil
            } else if trimmed.hasPrefix("$") {
                current = String(trimmed.dropFirst())
                sectionLines = []
            } else if current != nil {
                sectionLines.append(Substring(trimmed))
            }
        }
        guard let format = sections["MeshFormat"]?.first?.split(separator: " ").first, format.hasPrefix("4.1") else {
            throw ParseError(reason: "not a Gmsh MSH 4.1 ASCII file (missing or unsupported $MeshFormat)")
        }
        if sections["MeshFormat"]?.first?.split(separator: " ").dropFirst().first != "0" {
            throw ParseError(reason: "binary MSH files are not supported; save as ASCII")
        }
        var physicalNames: [Int: String] = [:]
        for line in (sections["PhysicalNames"] ?? []).dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, let tag = Int(parts[1]) else { throw ParseError(reason: "bad $PhysicalNames line '\(line)'") }
            physicalNames[tag] = parts[2].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        var curvePhysical: [Int: [Int]] = [:]
        if let entities = sections["Entities"], let header = entities.first {
            let counts = header.split(separator: " ").compactMap { Int($0) }
            guard counts.count == 4, counts.allSatisfy({ $0 >= 0 }) else { throw ParseError(reason: "bad $Entities header") }
            for line in entities.dropFirst(1 + counts[0]).prefix(counts[1]) {
                let v = line.split(separator: " ")
                guard v.count >= 8, let tag = Int(v[0]), let np = Int(v[7]), np >= 0, np <= v.count - 8 else {
                    throw ParseError(reason: "bad curve entity line '\(line)'")
                }
                curvePhysical[tag] = v[8..<(8 + np)].compactMap { Int($0) }
            }
        }
        guard let nodeLines = sections["Nodes"], !nodeLines.isEmpty else { throw ParseError(reason: "no $Nodes section") }
        var positionOfTag: [Int: Point] = [:]
        var cursor = 1
        let nodeHeader = nodeLines[0].split(separator: " ").compactMap { Int($0) }
        guard nodeHeader.count == 4, nodeHeader[0] >= 0 else { throw ParseError(reason: "bad $Nodes header") }
        for _ in 0..<nodeHeader[0] {
            guard cursor < nodeLines.count else { throw ParseError(reason: "truncated $Nodes section") }
            let block = nodeLines[cursor].split(separator: " ").compactMap { Int($0) }
            guard block.count == 4 else { throw ParseError(reason: "bad node block header '\(nodeLines[cursor])'") }
            if block[2] != 0 { throw ParseError(reason: "parametric node blocks are not supported") }
            let n = block[3]
            guard n >= 0, n <= nodeLines.count, cursor + 1 + 2 * n <= nodeLines.count else { throw ParseError(reason: "truncated node block") }
            for k in 0..<n {
                guard let tag = Int(nodeLines[cursor + 1 + k]) else { throw ParseError(reason: "bad node tag") }
                let xyz = nodeLines[cursor + 1 + n + k].split(separator: " ").compactMap { Double($0) }
                guard xyz.count >= 2, xyz[0].isFinite, xyz[1].isFinite else { throw ParseError(reason: "bad node coordinates for node \(tag)") }
                positionOfTag[tag] = Point(xyz[0], xyz[1])
            }
            cursor += 1 + 2 * n
        }
        guard let elementLines = sections["Elements"], !elementLines.isEmpty else { throw ParseError(reason: "no $Elements section") }
        let elementHeader = elementLines[0].split(separator: " ").compactMap { Int($0) }
        guard elementHeader.count == 4, elementHeader[0] >= 0 else { throw ParseError(reason: "bad $Elements header") }
        var triangles: [[Int]] = []
        var borderLines: [(nodes: [Int], tag: BoundaryTag)] = []
        cursor = 1
        for _ in 0..<elementHeader[0] {
            guard cursor < elementLines.count else { throw ParseError(reason: "truncated $Elements section") }
            let block = elementLines[cursor].split(separator: " ").compactMap { Int($0) }
            guard block.count == 4 else { throw ParseError(reason: "bad element block header") }
            let (dim, entity, type, n) = (block[0], block[1], block[2], block[3])
            guard n >= 0, n <= elementLines.count, cursor + 1 + n <= elementLines.count else { throw ParseError(reason: "truncated element block") }
            for k in 0..<n {
                let ids = elementLines[cursor + 1 + k].split(separator: " ").compactMap { Int($0) }.dropFirst()
                if dim == 2, (type == 2 && ids.count == 3) || (type == 9 && ids.count == 6) {
                    triangles.append(Array(ids))
                } else if dim == 1, (type == 1 && ids.count == 2) || (type == 8 && ids.count == 3) {
                    let names = (curvePhysical[entity] ?? []).compactMap { physicalNames[$0] }
                    guard let tag = BoundaryTag.allCases.first(where: { names.contains($0.name) }) else {
                        throw ParseError(reason: "border curve \(entity) has no physical name 'lumen' or 'outer'")
                    }
                    borderLines.append((Array(ids), tag))
                } else if dim == 0 {
                    continue  // point elements carry nothing we need
                } else {
                    throw ParseError(reason: "unsupported element (dimension \(dim), type \(type), \(ids.count) nodes); use 3- or 6-node triangles and 2- or 3-node lines")
                }
            }
            cursor += 1 + n
        }
        // Vertices are the triangle corner nodes, numbered in ascending node-tag order (so that a
        // file this type wrote reads back with the same numbering); mid-side nodes are not vertices.
        let vertexTags = Set(triangles.flatMap { $0.prefix(3) }).sorted()
        var vertexIndex: [Int: Int32] = [:]
        var points: [Point] = []
        for tag in vertexTags {
            guard let p = positionOfTag[tag] else { throw ParseError(reason: "element refers to missing node \(tag)") }
            vertexIndex[tag] = Int32(points.count)
            points.append(p)
        }
        func vertex(_ tag: Int) throws -> Int32 {
            guard let v = vertexIndex[tag] else { throw ParseError(reason: "element refers to missing node \(tag)") }
            return v
        }
        var tris: [SIMD3<Int32>] = []
        for t in triangles {
            var v = SIMD3(try vertex(t[0]), try vertex(t[1]), try vertex(t[2]))
            let a = points[Int(v.x)], b = points[Int(v.y)], c = points[Int(v.z)]
            if Point.cross(b - a, c - a) < 0 { v = SIMD3(v.x, v.z, v.y) }
            tris.append(v)
        }
        var segments: [TriangleMesh.BoundarySegment] = []
        for line in borderLines {
            guard let s = vertexIndex[line.nodes[0]], let e = vertexIndex[line.nodes[1]] else {
                throw ParseError(reason: "border line refers to a node that is no triangle vertex")
            }
            var mid: Point?
            if line.nodes.count == 3, let m = positionOfTag[line.nodes[2]] {
                let straight = 0.5 * (points[Int(s)] + points[Int(e)])
                if m.distance(to: straight) > 1e-12 * max(1, points[Int(s)].distance(to: points[Int(e)])) { mid = m }
            }
            segments.append(.init(start: s, end: e, tag: line.tag, midpoint: mid))
        }
        return try TriangleMesh(points: points, triangles: tris, boundarySegments: segments)
    }
}
