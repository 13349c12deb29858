import Meshing
import Sparse

/// The Taylor-Hood P2/P1 discretization of a wall mesh: quadratic displacement on six-node
/// (isoparametric) triangles, continuous linear pressure on the vertices, the follower-pressure
/// border, rigid-body constraints and the sparsity pattern of the reduced system.
///
/// Degrees of freedom: displacement component i of node a is dof 2a + i; pressure node k is dof
/// 2 n_nodes + k. The pressure is continuous inside each material region and discontinuous across
/// region borders (the hydrostatic pressure jumps where the material does: at F = I alone it is
/// 2 W'(3) of each material), so a vertex carries one pressure node per region that touches it.
/// In a one-region mesh pressure node k is vertex k. Three displacement dofs are held at zero to remove rigid-body motion
/// (see `constrainedDofs`); every other dof is an unknown of the reduced system, numbered by
/// `equation`. All geometric quantities are computed once in the reference configuration.
final class MixedDiscretization {
    let mesh: TriangleMesh
    let nodes: QuadraticNodes
    let nodeCount: Int
    let vertexCount: Int
    let dofCount: Int
    let elementCount: Int
    /// Pressure nodes: one per (vertex, region) pair; the first `vertexCount` are the vertices
    /// themselves, in the region of the first element that uses them.
    let pressureNodeCount: Int
    /// Pressure node of each element vertex, 3 per element.
    var elementPressureNodes: [Int32]
    /// Vertex of each pressure node.
    let pressureNodeVertex: [Int32]
    /// Region (material index) of each element.
    let elementRegion: [Int32]
    /// Region of each pressure node.
    let pressureNodeRegion: [Int32]
    /// Number of regions (1 + the largest element region).
    let regionCount: Int

    /// Per element and quadrature point: dN/dX (12 values), M (3 values), weight * det J.
    static let geometryStride = 16
    var geometry: [Double]
    /// Reference area of each (possibly curved) element, mm^2.
    var elementAreas: [Double]
    /// Reference area of the wall, the sum of `elementAreas` (mm^2).
    let area: Double
    /// Element node indices, 6 per element.
    var elementNodes: [Int32]
    /// Lumen border segments as (start, end, middle) nodes oriented with the wall on the left.
    let lumenSegments: [SIMD3<Int32>]
    /// Outer border segments as (start, end, middle) nodes (orientation irrelevant: they carry the
    /// elastic support, a symmetric term).
    let outerSegments: [SIMD3<Int32>]
    /// Reference length of the lumen border (mm).
    let lumenLength: Double
    /// Displacement dofs held at zero: both components at vertex A, one component at vertex B
    /// (none when the outer border rests on an elastic support, which already holds the wall).
    let constrainedDofs: [Int]
    /// Reduced equation number of each dof, or -1 for constrained dofs.
    let equation: [Int32]
    let equationCount: Int
    let pattern: SparsityPattern
    /// Position in the matrix values of local entry (r, c) of element e, or -1: 15 x 15 per element.
    var elementScatter: [Int32]
    /// Same for the 6 x 6 displacement block of each lumen segment.
    var segmentScatter: [Int32]
    /// Integral of each P2 shape function over the wall (mm^2), used to remove the mean translation.
    var nodalVolumes: [Double]

    /// The discretization of `mesh` with its P2 nodes at `positions` (nil: where the mesh puts them;
    /// the unloaded geometry of an image moves every node, mid-side ones included). The rigid-body
    /// constraints are chosen from `mesh.points` whatever the positions, so that the image and its
    /// unloaded geometry hold the same three dofs; `constrainsRigidBodyMotion` false drops them.
    init(mesh: TriangleMesh, positions: [Point]? = nil, constrainsRigidBodyMotion: Bool = true) throws(FEMError) {
        self.mesh = mesh
        var nodes = QuadraticNodes(mesh: mesh)
        if let positions {
            guard positions.count == nodes.count else {
                throw .invalidParameter("\(positions.count) node positions for a mesh of \(nodes.count) P2 nodes")
            }
            nodes.positions = positions
        }
        self.nodes = nodes
        nodeCount = nodes.count
        vertexCount = nodes.vertexCount
        elementCount = mesh.triangles.count
        elementNodes = nodes.triangleNodes.flatMap { $0 }
        let regions = (0..<mesh.triangles.count).map { Int32(mesh.region(ofTriangle: $0)) }
        elementRegion = regions
        regionCount = mesh.regionCount

        // Pressure nodes: vertex v in the region of its first element is node v; every further
        // region at v gets a new node.
        var pressureNodes = [Int32](repeating: -1, count: 3 * mesh.triangles.count)
        var vertexRegion = [Int32](repeating: -1, count: vertexCount)
        var extra: [SIMD2<Int32>: Int32] = [:]
        var nodeVertex = (0..<vertexCount).map { Int32($0) }
        for (e, t) in mesh.triangles.enumerated() {
            for (k, v) in [t.x, t.y, t.z].enumerated() {
                let region = regions[e]
                if vertexRegion[Int(v)] < 0 { vertexRegion[Int(v)] = region }
                if vertexRegion[Int(v)] == region {
                    pressureNodes[3 * e + k] = v
                } else if let node = extra[SIMD2(v, region)] {
                    pressureNodes[3 * e + k] = node
                } else {
                    let node = Int32(nodeVertex.count)
                    extra[SIMD2(v, region)] = node
                    nodeVertex.append(v)
                    pressureNodes[3 * e + k] = node
                }
            }
        }
        var nodeRegion = vertexRegion.map { max($0, 0) }
        nodeRegion += [Int32](repeating: 0, count: nodeVertex.count - vertexCount)
        for (key, node) in extra { nodeRegion[Int(node)] = key.y }
        elementPressureNodes = pressureNodes
        pressureNodeVertex = nodeVertex
        pressureNodeRegion = nodeRegion
        pressureNodeCount = nodeVertex.count
        dofCount = 2 * nodeCount + pressureNodeCount

        // Taylor-Hood P2/P1 is inf-sup stable when every triangle has a vertex inside its pressure
        // domain: off the wall border and off the border of its region (where the pressure is cut).
        var onBorder = [Bool](repeating: false, count: mesh.points.count)
        for s in mesh.boundarySegments {
            onBorder[Int(s.start)] = true
            onBorder[Int(s.end)] = true
        }
        // A triangle at a corner, where a component border meets the wall border (often at a small
        // angle no refinement can open), is exempt from the component-border part of the rule: its
        // pressure nodes are shared with the neighbouring triangles of its region along both borders.
        let onWallBorder = onBorder
        var isCorner = [Bool](repeating: false, count: mesh.points.count)
        if nodeVertex.count > vertexCount {
            for v in nodeVertex[vertexCount...] {
                if onWallBorder[Int(v)] { isCorner[Int(v)] = true }
                onBorder[Int(v)] = true
            }
        }
        // ... and so are the triangles next to one (the vertices of the triangles at a corner).
        var nearCorner = isCorner
        if isCorner.contains(true) {
            for t in mesh.triangles where isCorner[Int(t.x)] || isCorner[Int(t.y)] || isCorner[Int(t.z)] {
                nearCorner[Int(t.x)] = true; nearCorner[Int(t.y)] = true; nearCorner[Int(t.z)] = true
            }
        }
        isCorner = nearCorner
        func violates(_ t: SIMD3<Int32>) -> Bool {
            if onWallBorder[Int(t.x)] && onWallBorder[Int(t.y)] && onWallBorder[Int(t.z)] { return true }
            if isCorner[Int(t.x)] || isCorner[Int(t.y)] || isCorner[Int(t.z)] { return false }
            return onBorder[Int(t.x)] && onBorder[Int(t.y)] && onBorder[Int(t.z)]
        }
        if let bad = mesh.triangles.firstIndex(where: violates) {
            throw .mesh(.invalidGeometry(
                "triangle \(bad) has all three vertices on the border of the wall or of its component; the P2/P1 pressure needs an interior vertex in every triangle (refine the mesh)"))
        }

        // Reference geometry at quadrature points (isoparametric P2 map). Local arrays, assigned once:
        // element-wise writes to a class's stored arrays pay an exclusivity check each.
        let quadrature = ReferenceTriangle.quadraturePoints
        let shapeValues = quadrature.map { ReferenceTriangle.quadraticValues($0.xi, $0.eta) }
        let shapeGradients = quadrature.map { ReferenceTriangle.quadraticGradients($0.xi, $0.eta) }
        let pressureValues = quadrature.map { ReferenceTriangle.linearValues($0.xi, $0.eta) }
        var geometry = [Double](repeating: 0, count: elementCount * quadrature.count * Self.geometryStride)
        var elementAreas = [Double](repeating: 0, count: elementCount)
        var nodalVolumes = [Double](repeating: 0, count: nodeCount)
        let positions = nodes.positions
        for e in 0..<elementCount {
            for q in quadrature.indices {
                let g = shapeGradients[q]
                var j11 = 0.0, j12 = 0.0, j21 = 0.0, j22 = 0.0  // J_iK = dX_i/dxi_K
                for a in 0..<6 {
                    let X = positions[Int(elementNodes[6 * e + a])]
                    j11 += X.x * g[2 * a]; j12 += X.x * g[2 * a + 1]
                    j21 += X.y * g[2 * a]; j22 += X.y * g[2 * a + 1]
                }
                let det = j11 * j22 - j12 * j21
                guard det > 0 else { throw .mesh(.invertedOrDegenerateTriangle(index: e, signedArea: 0)) }
                // dN/dX_J = dN/dxi_K (J^-1)_KJ
                let i11 = j22 / det, i12 = -j12 / det, i21 = -j21 / det, i22 = j11 / det
                let base = (e * quadrature.count + q) * Self.geometryStride
                for a in 0..<6 {
                    geometry[base + 2 * a] = g[2 * a] * i11 + g[2 * a + 1] * i21
                    geometry[base + 2 * a + 1] = g[2 * a] * i12 + g[2 * a + 1] * i22
                }
                for k in 0..<3 { geometry[base + 12 + k] = pressureValues[q][k] }
                let dV = quadrature[q].weight * det
                geometry[base + 15] = dV
                elementAreas[e] += dV
                for a in 0..<6 { nodalVolumes[Int(elementNodes[6 * e + a])] += shapeValues[q][a] * dV }
            }
        }
        self.geometry = geometry
        self.elementAreas = elementAreas
        self.nodalVolumes = nodalVolumes

        area = elementAreas.reduce(0, +)

        // Orient lumen segments so that the wall lies on their left (outward normal = right-hand normal).
        var directed = Set<SIMD2<Int32>>()
        for t in mesh.triangles {
            directed.insert(SIMD2(t.x, t.y)); directed.insert(SIMD2(t.y, t.z)); directed.insert(SIMD2(t.z, t.x))
        }
        var lumen: [SIMD3<Int32>] = []
        var length = 0.0
        for (s, segment) in mesh.boundarySegments.enumerated() where segment.tag == .lumen {
            let n = nodes.segmentNodes[s]
            lumen.append(directed.contains(SIMD2(n.x, n.y)) ? n : SIMD3(n.y, n.x, n.z))
            length += mesh.points[Int(segment.start)].distance(to: mesh.points[Int(segment.end)])
        }
        guard !lumen.isEmpty else { throw .mesh(.invalidGeometry("the mesh has no lumen border to carry the pressure")) }
        lumenSegments = lumen
        lumenLength = length
        outerSegments = mesh.boundarySegments.indices.filter { mesh.boundarySegments[$0].tag == .outer }.map { nodes.segmentNodes[$0] }

        // Rigid-body constraints: vertex A on the lumen, vertex B the lumen vertex farthest from A;
        // fix u_A and the component of u_B most nearly perpendicular to AB. Any self-equilibrated
        // load leaves zero reactions at these three dofs.
        let lumenVertices = Array(Set(lumen.flatMap { [Int($0.x), Int($0.y)] })).sorted()
        let a = lumenVertices.max { lhs, rhs in
            let p = mesh.points[lhs], q = mesh.points[rhs]
            return (p.x, -p.y) < (q.x, -q.y)  // rightmost, then lowest
        }!
        let pa = mesh.points[a]
        let b = lumenVertices.max { mesh.points[$0].distance(to: pa) < mesh.points[$1].distance(to: pa) }!
        let ab = mesh.points[b] - pa
        guard ab.length > 0 else { throw .mesh(.invalidGeometry("the lumen border has a single vertex")) }
        constrainedDofs = constrainsRigidBodyMotion ? [2 * a, 2 * a + 1, 2 * b + (abs(ab.x) >= abs(ab.y) ? 1 : 0)] : []
        var equation = [Int32](repeating: 0, count: dofCount)
        for d in constrainedDofs { equation[d] = -1 }
        var next: Int32 = 0
        for d in 0..<dofCount where equation[d] == 0 {
            equation[d] = next
            next += 1
        }
        self.equation = equation
        equationCount = Int(next)

        // Sparsity of the reduced system: every dof of a triangle couples with every other dof of it
        // (the p-p entries are zero but kept, so that the pattern is structurally symmetric and
        // nonsingular). Built from adjacency instead of expanding 15 x 15 element blocks: two P2
        // nodes couple when they share a triangle, and so do a node and a pressure node, or two
        // pressure nodes.
        // Elements of each P2 node and of each pressure node (compressed rows), then the sorted
        // neighbour lists from them with a marker array.
        let pressureCount = pressureNodeCount
        let elementNodes = self.elementNodes
        func incidence(count: Int, perElement: Int, _ entries: [Int32]) -> (starts: [Int32], elements: [Int32]) {
            var starts = [Int32](repeating: 0, count: count + 1)
            for n in entries { starts[Int(n) + 1] += 1 }
            for k in 0..<count { starts[k + 1] += starts[k] }
            var next = starts
            var elements = [Int32](repeating: 0, count: entries.count)
            for (k, n) in entries.enumerated() {
                elements[Int(next[Int(n)])] = Int32(k / perElement)
                next[Int(n)] += 1
            }
            return (starts, elements)
        }
        let nodeElements = incidence(count: nodeCount, perElement: 6, elementNodes)
        let pressureElements = incidence(count: pressureCount, perElement: 3, pressureNodes)
        var nodeMark = [Int32](repeating: -1, count: nodeCount), pressureMark = [Int32](repeating: -1, count: pressureCount)
        var stamp: Int32 = 0
        var nodeList: [Int32] = [], pressureList: [Int32] = []
        /// Sorted P2 nodes and pressure nodes of the elements `incident.elements[incident.starts[i] ..< incident.starts[i + 1]]`.
        func neighbours(of i: Int, _ incident: (starts: [Int32], elements: [Int32])) {
            stamp += 1
            nodeList.removeAll(keepingCapacity: true)
            pressureList.removeAll(keepingCapacity: true)
            for k in Int(incident.starts[i])..<Int(incident.starts[i + 1]) {
                let e = Int(incident.elements[k])
                for a in 0..<6 where nodeMark[Int(elementNodes[6 * e + a])] != stamp {
                    nodeMark[Int(elementNodes[6 * e + a])] = stamp
                    nodeList.append(elementNodes[6 * e + a])
                }
                for v in 0..<3 where pressureMark[Int(pressureNodes[3 * e + v])] != stamp {
                    pressureMark[Int(pressureNodes[3 * e + v])] = stamp
                    pressureList.append(pressureNodes[3 * e + v])
                }
            }
            nodeList.sort()
            pressureList.sort()
        }
        // Equation numbers grow with dof numbers (displacements first), so each column comes out sorted.
        var starts: [Int32] = [0]
        starts.reserveCapacity(equationCount + 1)
        var rows: [Int32] = []
        rows.reserveCapacity(30 * equationCount)
        for dof in 0..<dofCount where equation[dof] >= 0 {
            let isDisplacement = dof < 2 * nodeCount
            // Both components of a node have the same neighbours: reuse the lists for the y component.
            if !isDisplacement || dof % 2 == 0 || equation[dof - 1] < 0 {
                if isDisplacement { neighbours(of: dof / 2, nodeElements) } else { neighbours(of: dof - 2 * nodeCount, pressureElements) }
            }
            for m in nodeList {
                for k in 0..<2 where equation[2 * Int(m) + k] >= 0 { rows.append(equation[2 * Int(m) + k]) }
            }
            for m in pressureList { rows.append(equation[2 * nodeCount + Int(m)]) }
            starts.append(Int32(rows.count))
        }
        do {
            pattern = try SparsityPattern(dimension: equationCount, columnStarts: starts, rowIndices: rows)
        } catch {
            throw .linearSolver(error)
        }
        // Where each element matrix entry goes: walk each column once against the element's sorted rows.
        var elementScatter = [Int32](repeating: -1, count: elementCount * 225)
        var localDofs = [Int](repeating: 0, count: 15)
        var sortedLocal = [(equation: Int32, local: Int)](repeating: (0, 0), count: 15)
        for e in 0..<elementCount {
            Self.localDofs(element: e, elementNodes: elementNodes, pressureNodes: pressureNodes, nodeCount: nodeCount, into: &localDofs)
            var count = 0
            for r in 0..<15 where equation[localDofs[r]] >= 0 {
                sortedLocal[count] = (equation[localDofs[r]], r)
                count += 1
            }
            sortedLocal[0..<count].sort { $0.equation < $1.equation }
            for c in 0..<15 where equation[localDofs[c]] >= 0 {
                let column = Int(equation[localDofs[c]])
                if c < 12, c % 2 == 1, equation[localDofs[c - 1]] >= 0 {
                    // u_y of a node has the rows of its u_x, one column later: same offsets.
                    let shift = starts[column] - starts[column - 1]
                    for k in 0..<count {
                        let at = e * 225 + 15 * sortedLocal[k].local + c
                        elementScatter[at] = elementScatter[at - 1] + shift
                    }
                    continue
                }
                var position = Int(starts[column])
                for k in 0..<count {
                    while rows[position] != sortedLocal[k].equation { position += 1 }
                    elementScatter[e * 225 + 15 * sortedLocal[k].local + c] = Int32(position)
                }
            }
        }
        self.elementScatter = elementScatter
        segmentScatter = [Int32](repeating: -1, count: (lumen.count + outerSegments.count) * 36)
        for (s, n) in (lumen + outerSegments).enumerated() {
            let dofs = [n.x, n.y, n.z].flatMap { [2 * Int($0), 2 * Int($0) + 1] }
            for r in 0..<6 where equation[dofs[r]] >= 0 {
                for c in 0..<6 where equation[dofs[c]] >= 0 {
                    segmentScatter[s * 36 + 6 * r + c] = Int32(pattern.position(row: Int(equation[dofs[r]]), column: Int(equation[dofs[c]]))!)
                }
            }
        }
    }

    /// Local dof order of an element: (u_x, u_y) of its six nodes, then the pressure at its three vertices.
    static func localDofs(element e: Int, elementNodes: [Int32], pressureNodes: [Int32], nodeCount: Int, into dofs: inout [Int]) {
        for a in 0..<6 {
            let node = Int(elementNodes[6 * e + a])
            dofs[2 * a] = 2 * node
            dofs[2 * a + 1] = 2 * node + 1
        }
        for v in 0..<3 { dofs[12 + v] = 2 * nodeCount + Int(pressureNodes[3 * e + v]) }
    }

    /// The material of every element from a table indexed by region; throws when the table has
    /// no entry for a region of the mesh.
    func elementMaterials(_ table: [MooneyRivlinMaterial]) throws(FEMError) -> [MooneyRivlinMaterial] {
        guard table.count >= regionCount else {
            throw .invalidParameter("the mesh has \(regionCount) material regions but \(table.count) materials are given")
        }
        return elementRegion.map { table[Int($0)] }
    }

    /// Stress-free pressure of every pressure node, p = 2 W'(3) of its region's material (kPa):
    /// sigma = 2 W'(3) I - p I = 0 at F = I.
    func stressFreePressures(_ table: [MooneyRivlinMaterial]) -> [Double] {
        pressureNodeRegion.map { 2 * table[Int($0)].energyDerivative(firstInvariant: 3) }
    }

    /// Gradients dN/dX (12 values) and det(dX/dxi) of the isoparametric map at (xi, eta); nil if det <= 0.
    static func inverseMap(nodes: QuadraticNodes, element e: Int, elementNodes: [Int32], xi: Double, eta: Double)
        -> (gradients: [Double], determinant: Double)?
    {
        let g = ReferenceTriangle.quadraticGradients(xi, eta)
        var j11 = 0.0, j12 = 0.0, j21 = 0.0, j22 = 0.0  // J_iK = dX_i/dxi_K
        for a in 0..<6 {
            let X = nodes.positions[Int(elementNodes[6 * e + a])]
            j11 += X.x * g[2 * a]; j12 += X.x * g[2 * a + 1]
            j21 += X.y * g[2 * a]; j22 += X.y * g[2 * a + 1]
        }
        let det = j11 * j22 - j12 * j21
        guard det > 0 else { return nil }
        // dN/dX_J = dN/dxi_K (J^-1)_KJ
        let i11 = j22 / det, i12 = -j12 / det, i21 = -j21 / det, i22 = j11 / det
        var out = [Double](repeating: 0, count: 12)
        for a in 0..<6 {
            out[2 * a] = g[2 * a] * i11 + g[2 * a + 1] * i21
            out[2 * a + 1] = g[2 * a] * i12 + g[2 * a + 1] * i22
        }
        return (out, det)
    }
}
