import Foundation
import Testing
@testable import FEM
@testable import Meshing
import Sparse

/// Residual and tangent of the assembled mixed system against central finite differences.
@Suite struct ElementTests {
    /// A coarse eccentric wall with a reproducible, non-trivial state.
    static func setUp() throws -> (MixedDiscretization, MixedState) {
        let mesh = try AnnulusMeshGenerator(lumenCenter: Point(0.2, -0.1), lumenRadius: 0.9, outerCenter: .zero, outerRadius: 2)
            .mesh(radialDivisions: 2, circumferentialDivisions: 8)
        let d = try MixedDiscretization(mesh: mesh)
        var state = MixedState(nodeCount: d.nodeCount, vertexCount: d.vertexCount)
        var seed: UInt64 = 12345
        func random() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 11) / Double(1 << 53) - 0.5
        }
        // A homogeneous stretch about the constrained vertex plus a small random perturbation.
        let anchor = d.nodes.positions[d.constrainedDofs[0] / 2]
        for n in 0..<d.nodeCount {
            let X = d.nodes.positions[n] - anchor
            state.displacement[2 * n] = 0.08 * X.x + 0.03 * X.y + 0.02 * random()
            state.displacement[2 * n + 1] = -0.05 * X.y + 0.02 * X.x + 0.02 * random()
        }
        for v in 0..<d.vertexCount { state.pressure[v] = 120 + 20 * random() }
        for dof in d.constrainedDofs {
            if dof < 2 * d.nodeCount { state.displacement[dof] = 0 }
        }
        return (d, state)
    }

    func residual(_ d: MixedDiscretization, _ state: MixedState, load: Double) throws -> [Double] {
        var r = [Double](repeating: 0, count: d.dofCount)
        try d.assemble(state: state, material: .vesselWall, lumenPressure: load, residual: &r, values: nil)
        return r
    }

    func tangent(_ d: MixedDiscretization, _ state: MixedState, load: Double) throws -> [Double] {
        var r = [Double](repeating: 0, count: d.dofCount)
        var values = [Double](repeating: 0, count: d.pattern.nonzeroCount)
        try values.withUnsafeMutableBufferPointer { buffer in
            try d.assemble(state: state, material: .vesselWall, lumenPressure: load, residual: &r, values: buffer.baseAddress)
        }
        return values
    }

    @Test func sparsityAndScatterMatchTheElementBlocks() throws {
        let (d, _) = try Self.setUp()
        // The pattern is exactly the union of the 15 x 15 element blocks over free dofs.
        var entries: [(row: Int, column: Int)] = []
        var dofs = [Int](repeating: 0, count: 15)
        for e in 0..<d.elementCount {
            MixedDiscretization.localDofs(element: e, elementNodes: d.elementNodes, pressureNodes: d.elementPressureNodes, nodeCount: d.nodeCount, into: &dofs)
            for r in dofs where d.equation[r] >= 0 {
                for c in dofs where d.equation[c] >= 0 { entries.append((Int(d.equation[r]), Int(d.equation[c]))) }
            }
        }
        #expect(d.pattern == (try SparsityPattern(dimension: d.equationCount, entries: entries)))
        for e in 0..<d.elementCount {
            MixedDiscretization.localDofs(element: e, elementNodes: d.elementNodes, pressureNodes: d.elementPressureNodes, nodeCount: d.nodeCount, into: &dofs)
            for r in 0..<15 {
                for c in 0..<15 {
                    let expected = d.equation[dofs[r]] >= 0 && d.equation[dofs[c]] >= 0
                        ? d.pattern.position(row: Int(d.equation[dofs[r]]), column: Int(d.equation[dofs[c]]))! : -1
                    #expect(Int(d.elementScatter[e * 225 + 15 * r + c]) == expected)
                }
            }
        }
    }

    @Test(arguments: [0.0, 16.0])
    func tangentMatchesFiniteDifferencesOfTheResidual(load: Double) throws {
        let (d, state) = try Self.setUp()
        let error = try relativeTangentError(d, at: state, tangent: try tangent(d, state, load: load)) { try residual(d, $0, load: load) }
        #expect(error < 1e-7, "max |K - K_fd| / max |K| = \(error)")
    }

    @Test func followerPressureTermMatchesFiniteDifferencesOnItsOwn() throws {
        let (d, state) = try Self.setUp()
        let withLoad = try tangent(d, state, load: 16), without = try tangent(d, state, load: 0)
        let loadTangent = zip(withLoad, without).map { $0 - $1 }
        #expect(loadTangent.map(abs).max()! > 1, "the follower term must contribute")
        let h = 1e-6
        var worst = 0.0
        for dof in 0..<(2 * d.nodeCount) where d.equation[dof] >= 0 {
            var plus = state, minus = state
            plus.displacement[dof] += h
            minus.displacement[dof] -= h
            let difference = { (s: MixedState) throws -> [Double] in
                zip(try residual(d, s, load: 16), try residual(d, s, load: 0)).map { $0 - $1 }
            }
            let rp = try difference(plus), rm = try difference(minus)
            for row in 0..<(2 * d.nodeCount) where d.equation[row] >= 0 {
                let fd = (rp[row] - rm[row]) / (2 * h)
                let analytic = d.pattern.position(row: Int(d.equation[row]), column: Int(d.equation[dof])).map { loadTangent[$0] } ?? 0
                worst = max(worst, abs(fd - analytic))
            }
        }
        #expect(worst < 1e-7 * loadTangent.map(abs).max()!)
    }

    @Test func assembledTangentIsSymmetricForAClosedLumen() throws {
        let (d, state) = try Self.setUp()
        let values = try tangent(d, state, load: 16)
        let scale = values.map(abs).max()!
        for column in 0..<d.pattern.dimension {
            for k in Int(d.pattern.columnStarts[column])..<Int(d.pattern.columnStarts[column + 1]) {
                let row = Int(d.pattern.rowIndices[k])
                let transposed = try #require(d.pattern.position(row: column, column: row))
                #expect(abs(values[k] - values[transposed]) <= 1e-13 * scale)
            }
        }
    }

    /// Patch test: a homogeneous isochoric deformation u = (F0 - I) X with uniform pressure gives
    /// zero residual at every interior node and zero volume residual, on a distorted mesh.
    @Test func patchTestIsReproducedToRoundOff() throws {
        var mesh = try AnnulusMeshGenerator(lumenCenter: Point(0.3, 0.2), lumenRadius: 0.8, outerCenter: .zero, outerRadius: 2)
            .mesh(radialDivisions: 4, circumferentialDivisions: 16)
        // Distort interior vertices (radial layers 1...3) so the mesh is irregular.
        for i in 16..<(4 * 16) { mesh.points[i] = mesh.points[i] + 0.03 * Point(sin(Double(7 * i)), cos(Double(11 * i))) }
        let d = try MixedDiscretization(mesh: mesh)
        let F0 = SIMD4<Double>(1.2, 0.3, 0.1, (1 + 0.3 * 0.1) / 1.2)  // det F0 = 1
        var state = MixedState(nodeCount: d.nodeCount, vertexCount: d.vertexCount)
        for n in 0..<d.nodeCount {
            let X = d.nodes.positions[n]
            state.displacement[2 * n] = (F0[0] - 1) * X.x + F0[1] * X.y
            state.displacement[2 * n + 1] = F0[2] * X.x + (F0[3] - 1) * X.y
        }
        state.pressure = [Double](repeating: 57.0, count: d.vertexCount)
        var r = [Double](repeating: 0, count: d.dofCount)
        try d.assemble(state: state, material: .vesselWall, lumenPressure: 0, residual: &r, values: nil)
        var boundaryNodes = Set<Int>()
        for s in d.nodes.segmentNodes { boundaryNodes.formUnion([Int(s.x), Int(s.y), Int(s.z)]) }
        let P = MooneyRivlinMaterial.vesselWall.firstPiolaKirchhoff(deformationGradient: F0, pressure: 57)
        let scale = maxAbs(P)
        for n in 0..<d.nodeCount where !boundaryNodes.contains(n) {
            #expect(abs(r[2 * n]) < 1e-12 * scale && abs(r[2 * n + 1]) < 1e-12 * scale)
        }
        for v in 0..<d.vertexCount { #expect(abs(r[2 * d.nodeCount + v]) < 1e-13) }
    }

    @Test func invertedElementsAreReportedNotCrashed() throws {
        let (d, state) = try Self.setUp()
        var crushed = state
        for n in 0..<d.nodeCount { crushed.displacement[2 * n] = -2 * d.nodes.positions[n].x }
        var r = [Double](repeating: 0, count: d.dofCount)
        #expect(throws: FEMError.self) {
            try d.assemble(state: crushed, material: .vesselWall, lumenPressure: 0, residual: &r, values: nil)
        }
    }
}
