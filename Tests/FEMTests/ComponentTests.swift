import Foundation
import Testing
@testable import FEM
@testable import Meshing

/// Walls of several materials: per-element materials, pressures cut at component borders, the
/// layered ring against its exact solution.
@Suite struct ComponentTests {
    /// A concentric ring whose radial layers below `interfaceLayer` are region `inner` and the rest
    /// region `outer`, with the interface edges curved onto the circle R_i + k (R_o - R_i) / n_r.
    static func layeredRing(innerRadius: Double = 1, outerRadius: Double = 2, radialDivisions nr: Int, circumferentialDivisions nt: Int,
                            interfaceLayer k: Int, inner: TissueComponent, outer: TissueComponent,
                            lumenCenter: Point = .zero) throws -> TriangleMesh {
        let generator = AnnulusMeshGenerator(lumenCenter: lumenCenter, lumenRadius: innerRadius, outerCenter: .zero, outerRadius: outerRadius)
        let plain = try generator.mesh(radialDivisions: nr, circumferentialDivisions: nt)
        // The generator appends 2 n_theta triangles per radial layer, layer by layer.
        let regions = plain.triangles.indices.map { $0 / (2 * nt) < k ? inner.rawValue : outer.rawValue }
        var interface: [TriangleMesh.InterfaceSegment] = []
        let s = Double(k) / Double(nr)
        for j in 0..<nt {
            let mid = 2 * Double.pi * (Double(j) + 0.5) / Double(nt)
            let l = lumenCenter + innerRadius * Point(cos(mid), sin(mid)), o = outerRadius * Point(cos(mid), sin(mid))
            interface.append(.init(start: Int32(k * nt + j), end: Int32(k * nt + (j + 1) % nt),
                                   midpoint: lumenCenter == .zero ? l + s * (o - l) : nil))
        }
        return try TriangleMesh(points: plain.points, triangles: plain.triangles, boundarySegments: plain.boundarySegments,
                                triangleRegions: regions, interfaceSegments: interface)
    }

    static let table: [MooneyRivlinMaterial] = [.vesselWall, .lipid, MooneyRivlinMaterial(c1: 920, d1: 360, d2: 2)]

    /// A coarse eccentric two-material wall (wall inside, calcium outside) with a reproducible state.
    static func setUp(constrained: Bool = true) throws -> (MixedDiscretization, MixedState) {
        let mesh = try layeredRing(innerRadius: 0.9, radialDivisions: 4, circumferentialDivisions: 16, interfaceLayer: 2,
                                   inner: .wall, outer: .calcium, lumenCenter: Point(0.2, -0.1))
        let d = try MixedDiscretization(mesh: mesh, constrainsRigidBodyMotion: constrained)
        var state = MixedState(nodeCount: d.nodeCount, vertexCount: d.pressureNodeCount)
        var seed: UInt64 = 271828
        func random() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 11) / Double(1 << 53) - 0.5
        }
        for n in 0..<d.nodeCount {
            let X = d.nodes.positions[n]
            state.displacement[2 * n] = -0.04 * X.x + 0.01 * X.y + 0.01 * random()
            state.displacement[2 * n + 1] = -0.03 * X.y + 0.01 * X.x + 0.01 * random()
        }
        state.pressure = d.stressFreePressures(table).map { $0 + 20 * random() }
        for dof in d.constrainedDofs where dof < 2 * d.nodeCount { state.displacement[dof] = 0 }
        return (d, state)
    }

    static func assembled(_ d: MixedDiscretization, _ state: MixedState, inverse: Bool, load: Double,
                          materials: [MooneyRivlinMaterial] = table) throws -> (residual: [Double], tangent: [Double]) {
        var r = [Double](repeating: 0, count: d.dofCount)
        var values = [Double](repeating: 0, count: d.pattern.nonzeroCount)
        try values.withUnsafeMutableBufferPointer { buffer in
            if inverse {
                try d.assembleInverse(state: state, materials: materials, lumenPressure: load, residual: &r, values: buffer.baseAddress)
            } else {
                try d.assemble(state: state, materials: materials, lumenPressure: load, residual: &r, values: buffer.baseAddress)
            }
        }
        return (r, values)
    }

    @Test func pressureIsCutAtTheComponentBorderOnly() throws {
        let (d, _) = try Self.setUp()
        // One extra pressure node per interface vertex (16 on the interface, radial layer 2).
        #expect(d.regionCount == 3)
        #expect(d.pressureNodeCount == d.vertexCount + 16)
        for e in 0..<d.elementCount {
            for v in 0..<3 {
                let node = Int(d.elementPressureNodes[3 * e + v])
                #expect(d.pressureNodeVertex[node] == d.elementNodes[6 * e + v])
                #expect(d.pressureNodeRegion[node] == d.elementRegion[e])
            }
        }
        // A one-region mesh keeps pressure node = vertex.
        let plain = try MixedDiscretization(mesh: AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2)
            .mesh(radialDivisions: 2, circumferentialDivisions: 8))
        #expect(plain.pressureNodeCount == plain.vertexCount)
        #expect(plain.elementPressureNodes == (0..<plain.elementCount).flatMap { e in (0..<3).map { plain.elementNodes[6 * e + $0] } })
    }

    @Test func theImageIsStressFreeWithEachMaterialsOwnPressure() throws {
        let (d, _) = try Self.setUp()
        var state = MixedState(nodeCount: d.nodeCount, vertexCount: d.pressureNodeCount)
        state.pressure = d.stressFreePressures(Self.table)
        let r = try Self.assembled(d, state, inverse: false, load: 0).residual
        #expect(r.map(abs).max()! < 1e-11)
        let ri = try Self.assembled(d, state, inverse: true, load: 0).residual
        #expect(ri.map(abs).max()! < 1e-11)
    }

    @Test(arguments: [false, true])
    func tangentMatchesFiniteDifferencesWithTwoMaterials(inverse: Bool) throws {
        let (d, base) = try Self.setUp()
        var state = base
        if inverse {  // U = x - X: shrink instead of stretch so that det f > 0
            for k in state.displacement.indices { state.displacement[k] *= -1 }
        }
        let values = try Self.assembled(d, state, inverse: inverse, load: 16).tangent
        let error = try relativeTangentError(d, at: state, tangent: values) { try Self.assembled(d, $0, inverse: inverse, load: 16).residual }
        #expect(error < 1e-7, "max |K - K_fd| / max |K| = \(error)")
    }

    @Test func inverseResidualIsTheForwardResidualOfTheUnloadedMeshWithTwoMaterials() throws {
        let (image, base) = try Self.setUp()
        var state = base
        for k in state.displacement.indices { state.displacement[k] *= -1 }
        let positions = image.nodes.positions.indices.map {
            image.nodes.positions[$0] - Point(state.displacement[2 * $0], state.displacement[2 * $0 + 1])
        }
        let unloaded = try MixedDiscretization(mesh: image.mesh, positions: positions)
        let inverse = try Self.assembled(image, state, inverse: true, load: 16).residual
        let forward = try Self.assembled(unloaded, state, inverse: false, load: 16).residual
        let scale = forward.map(abs).max()!
        let worst = zip(inverse, forward).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-12 * scale, "max difference \(worst) of \(scale)")
    }

    @Test func aMaterialTableTooShortIsRefused() throws {
        let mesh = try Self.layeredRing(radialDivisions: 4, circumferentialDivisions: 16, interfaceLayer: 2, inner: .wall, outer: .calcium)
        let d = try MixedDiscretization(mesh: mesh)
        #expect(throws: FEMError.self) { try Self.assembled(d, MixedState(nodeCount: d.nodeCount, vertexCount: d.pressureNodeCount),
                                                            inverse: false, load: 0, materials: [.vesselWall]) }
    }

    /// Hoop stress of a layered ring's systolic solution at the interface nodes, averaged over the
    /// nodes of each side (stress evaluated in the elements of that side), with the exact values.
    struct InterfaceHoop {
        var inner: Double, outer: Double, innerExact: Double, outerExact: Double
        var worstNodeError: Double
        var report: SolveReport
        var innerError: Double { abs(inner - innerExact) / abs(innerExact) }
        var outerError: Double { abs(outer - outerExact) / abs(outerExact) }
    }

    static func layeredRingAtSystole(inner: MooneyRivlinMaterial, outer: MooneyRivlinMaterial, radialDivisions nr: Int = 12,
                                     circumferentialDivisions nt: Int = 116, interfaceLayer k: Int = 6,
                                     steps: Int = 2) throws -> InterfaceHoop {
        let mesh = try layeredRing(radialDivisions: nr, circumferentialDivisions: nt, interfaceLayer: k, inner: .wall, outer: .lipid)
        var options = SolverOptions()
        options.material = inner
        options.lipidMaterial = outer
        let solver = try WallSolver(mesh: mesh, options: options)
        let solution = try solver.solve(try LoadSchedule.toSystole(.physiological, steps: steps))
        let systole = solution.systole
        let Rk = 1 + Double(k) / Double(nr)
        let exact = try ThickWalledRingSolution(layers: [inner, outer], interfaceRadii: [Rk], innerRadius: 1, outerRadius: 2,
                                                pressureKPa: systole.pressureKPa)
        let d = solver.discretization
        let deformed = solution.deformedPositions(systole)
        let lumenNodes = Set(d.lumenSegments.flatMap { [Int($0.x), Int($0.y), Int($0.z)] })
        let centre = (1 / Double(lumenNodes.count)) * lumenNodes.reduce(Point(0, 0)) { $0 + deformed[$1] }
        var sums = [0.0, 0.0], counts = [0.0, 0.0], worst = 0.0
        let expected = [exact.hoopStress(atReferenceRadius: Rk, layer: 0), exact.hoopStress(atReferenceRadius: Rk, layer: 1)]
        for e in 0..<d.elementCount {
            let side = Int(d.elementRegion[e])
            for (a, point) in ReferenceTriangle.nodeCoordinates.enumerated() {
                let node = Int(d.elementNodes[6 * e + a])
                guard abs(d.nodes.positions[node].length - Rk) < 1e-9 else { continue }
                let sigma = d.cauchyStress(element: e, xi: point.xi, eta: point.eta, state: systole.state, materials: options.materials)
                let x = deformed[node] - centre
                let hoop = sigma.normal(along: (-x.y / x.length, x.x / x.length))
                sums[side] += hoop
                counts[side] += 1
                worst = max(worst, abs(hoop - expected[side]) / abs(expected[side]))
            }
        }
        return InterfaceHoop(inner: sums[0] / counts[0], outer: sums[1] / counts[1], innerExact: expected[0], outerExact: expected[1],
                             worstNodeError: worst, report: solution.report)
    }

    static func residualHistory(_ report: SolveReport) -> String {
        report.steps.map { step in
            step.iterations.map { String(format: "%.1e", $0.relativeDisplacementResidual) }.joined(separator: " ")
        }.joined(separator: " | ")
    }

    /// Wall (c1 36.8 kPa) inside, calcium (c1 920 kPa) outside, and the reverse: the hoop stress
    /// jumps at the interface and both sides match the exact layered ring within 0.5 %.
    @Test(arguments: [false, true])
    func twoLayerRingMatchesTheExactSolutionOnBothSidesOfTheInterface(reversed: Bool) throws {
        let wall = MooneyRivlinMaterial.vesselWall, calcium = MooneyRivlinMaterial(c1: 920, d1: 360, d2: 2)
        let result = try Self.layeredRingAtSystole(inner: reversed ? calcium : wall, outer: reversed ? wall : calcium)
        #expect(abs(result.innerExact - result.outerExact) > 0.5 * abs(result.innerExact), "the hoop stress must jump")
        #expect(result.innerError < 0.005, "inner side \(result.inner) vs \(result.innerExact) kPa")
        #expect(result.outerError < 0.005, "outer side \(result.outer) vs \(result.outerExact) kPa")
        print(String(format: "two-layer ring (%@): interface hoop inner %.4f (exact %.4f, err %.2e), outer %.4f (exact %.4f, err %.2e), worst node %.2e; Newton %@",
                     reversed ? "calcium|wall" : "wall|calcium", result.inner, result.innerExact, result.innerError,
                     result.outer, result.outerExact, result.outerError, result.worstNodeError, Self.residualHistory(result.report)))
    }

    /// Lipid next to a material 10^4 times stiffer: Newton stays quadratic and the interface
    /// stresses still match.
    @Test(arguments: [false, true])
    func newtonStaysQuadraticAtAStiffnessRatioOfTenThousand(reversed: Bool) throws {
        let soft = MooneyRivlinMaterial.lipid
        let stiff = MooneyRivlinMaterial(c1: 1e4 * soft.c1, d1: 1e4 * soft.d1, d2: soft.d2)
        let result = try Self.layeredRingAtSystole(inner: reversed ? stiff : soft, outer: reversed ? soft : stiff,
                                                   radialDivisions: 8, circumferentialDivisions: 48, interfaceLayer: 4, steps: 3)
        print("stiffness ratio 1e4 (\(reversed ? "stiff|soft" : "soft|stiff")): Newton \(Self.residualHistory(result.report)); "
              + String(format: "interface errors %.2e %.2e", result.innerError, result.outerError))
        for step in result.report.steps {
            #expect(step.converged)
            let r = step.iterations.map(\.relativeDisplacementResidual)
            // Residuals are relative to the lumen load; round-off in the stiff layer's stresses
            // (10^4 times the soft layer's) sets a floor near 1e-11, below which nothing is checked.
            for k in 0..<(r.count - 1) where r[k] < 1e-2 && r[k + 1] > 1e-10 {
                #expect(r[k + 1] < 50 * r[k] * r[k], "residuals \(r)")
            }
        }
        #expect(result.report.iterationsPerStep.allSatisfy { $0 <= 6 })
        #expect(result.innerError < 0.02 && result.outerError < 0.02)
    }

    @Test func layeredExactSolutionIsContinuousInRadialStressAndReducesToOneMaterial() throws {
        let one = try ThickWalledRingSolution(material: .vesselWall, innerRadius: 1, outerRadius: 2, pressureKPa: 16)
        let same = try ThickWalledRingSolution(layers: [.vesselWall, .vesselWall], interfaceRadii: [1.4], innerRadius: 1,
                                               outerRadius: 2, pressureKPa: 16)
        #expect(abs(one.c - same.c) < 1e-12 * one.c)
        let two = try ThickWalledRingSolution(layers: [.vesselWall, .calcium], interfaceRadii: [1.4], innerRadius: 1,
                                              outerRadius: 2, pressureKPa: 16)
        #expect(abs(two.radialStress(atReferenceRadius: 2)) < 1e-9)
        #expect(abs(two.radialStress(atReferenceRadius: 1) + 16) < 1e-12)
        let h = 1e-9
        #expect(abs(two.radialStress(atReferenceRadius: 1.4 - h) - two.radialStress(atReferenceRadius: 1.4 + h)) < 1e-6)
        #expect(two.hoopStress(atReferenceRadius: 1.4, layer: 1) > two.hoopStress(atReferenceRadius: 1.4, layer: 0))
        #expect(throws: FEMError.self) {
            try ThickWalledRingSolution(layers: [.vesselWall, .calcium], interfaceRadii: [2.5], innerRadius: 1, outerRadius: 2, pressureKPa: 1)
        }
    }
}
