import Foundation
import Testing
@testable import FEM
@testable import Meshing

/// The inverse problem (image = loaded state), the elastic support, and their exact ring solutions.
@Suite struct UnloadedGeometryTests {
    enum Kind { case forward, inverse }

    /// The assembled residual (all dofs) and reduced tangent of either formulation.
    static func assembled(_ d: MixedDiscretization, _ state: MixedState, _ kind: Kind, load: Double, support: Double,
                          material: MooneyRivlinMaterial = .vesselWall) throws -> (residual: [Double], tangent: [Double]) {
        var r = [Double](repeating: 0, count: d.dofCount)
        var values = [Double](repeating: 0, count: d.pattern.nonzeroCount)
        try values.withUnsafeMutableBufferPointer { buffer in
            switch kind {
            case .forward:
                try d.assemble(state: state, material: material, lumenPressure: load, support: support, residual: &r, values: buffer.baseAddress)
            case .inverse:
                try d.assembleInverse(state: state, material: material, lumenPressure: load, support: support, residual: &r,
                                      values: buffer.baseAddress)
            }
        }
        return (r, values)
    }

    /// max |K - K_fd| / max |K| over all free dofs, central differences with step h.
    static func tangentError(_ d: MixedDiscretization, _ state: MixedState, _ kind: Kind, load: Double, support: Double) throws -> Double {
        let values = try assembled(d, state, kind, load: load, support: support).tangent
        return try relativeTangentError(d, at: state, tangent: values) { try assembled(d, $0, kind, load: load, support: support).residual }
    }

    /// The coarse eccentric wall and perturbed state of the forward element tests; for the inverse
    /// problem the displacement is U = x - X, so a shrink instead of a stretch keeps det f > 0.
    static func setUp(constrained: Bool = true) throws -> (MixedDiscretization, MixedState) {
        let mesh = try AnnulusMeshGenerator(lumenCenter: Point(0.2, -0.1), lumenRadius: 0.9, outerCenter: .zero, outerRadius: 2)
            .mesh(radialDivisions: 2, circumferentialDivisions: 8)
        let d = try MixedDiscretization(mesh: mesh, constrainsRigidBodyMotion: constrained)
        let (_, state) = try ElementTests.setUp()
        return (d, state)
    }

    @Test(arguments: [(0.0, 0.0), (16.0, 0.0), (16.0, 5.0)])
    func inverseTangentMatchesFiniteDifferences(load: Double, support: Double) throws {
        let (d, state) = try Self.setUp(constrained: support == 0)
        let error = try Self.tangentError(d, state, .inverse, load: load, support: support)
        #expect(error < 1e-7, "max |K - K_fd| / max |K| = \(error)")
    }

    @Test func forwardTangentWithSupportMatchesFiniteDifferences() throws {
        let (d, state) = try Self.setUp(constrained: false)
        let error = try Self.tangentError(d, state, .forward, load: 16, support: 5)
        #expect(error < 1e-7, "max |K - K_fd| / max |K| = \(error)")
    }

    /// At the same quadrature points the inverse equations are the forward equations: the forward
    /// residual of the mesh at X = x - U, deformed by U, equals the inverse residual of the mesh at x.
    @Test(arguments: [0.0, 5.0])
    func inverseResidualIsTheForwardResidualOfTheUnloadedMesh(support: Double) throws {
        let (image, state) = try Self.setUp(constrained: support == 0)
        let positions = image.nodes.positions.indices.map {
            image.nodes.positions[$0] - Point(state.displacement[2 * $0], state.displacement[2 * $0 + 1])
        }
        let unloaded = try MixedDiscretization(mesh: image.mesh, positions: positions, constrainsRigidBodyMotion: support == 0)
        let inverse = try Self.assembled(image, state, .inverse, load: 16, support: support).residual
        let forward = try Self.assembled(unloaded, state, .forward, load: 16, support: support).residual
        let scale = forward.map(abs).max()!
        let worst = zip(inverse, forward).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-12 * scale, "max difference \(worst) of \(scale)")
    }

    /// h = 0.1 mm leaves 0.63 % (0.64 % with the support) between the sampled and the exact
    /// systolic hoop stress 0.02 mm inside the lumen; h = 0.05 mm meets 0.5 %.
    static let ringMeshSize = 0.05
    static let imagePressure = 80 * kilopascalsPerMillimetreOfMercury
    static let systolicPressure = 120 * kilopascalsPerMillimetreOfMercury

    /// The ring imaged at 80 mmHg with radii 1 and 2 mm: unloaded radii as the exact solution has
    /// them, the round trip back to the image, and the systolic hoop stress at the image radii.
    @Test(arguments: [0.0, 20.0])
    func ringUnloadsToTheExactRadiiAndLoadsBackToTheImage(support: Double) throws {
        let (ri, ro) = (1.0, 2.0)
        var options = SolverOptions()
        options.outerSupportStiffness = support
        let exact = try ThickWalledRingSolution(material: .vesselWall, loadedInnerRadius: ri, loadedOuterRadius: ro,
                                                pressureKPa: Self.imagePressure, outerSupportStiffness: support)
        #expect(abs(exact.innerDeformedRadius - ri) < 1e-10 && abs(exact.outerDeformedRadius - ro) < 1e-10)
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: ri, outerRadius: ro).mesh(meshSize: Self.ringMeshSize)
        let solver = try LoadedImageSolver(mesh: mesh, options: options)
        let schedule = LoadSchedule(points: [.init(time: 0, pressureKPa: Self.systolicPressure, isOutput: true)])
        let result = try solver.solve(imagePressureKPa: Self.imagePressure, schedule: schedule)

        // Unloaded radii of the border nodes about the unloaded lumen's centre (the rigid-body
        // constraints hold a lumen vertex in place, so the ring moves as it shrinks).
        let d = try MixedDiscretization(mesh: mesh)
        let lumenNodes = Set(d.lumenSegments.flatMap { [Int($0.x), Int($0.y), Int($0.z)] })
        let centre = (1 / Double(lumenNodes.count)) * lumenNodes.reduce(Point(0, 0)) { $0 + result.unloaded.positions[$1] }
        var worstRadius = 0.0
        for s in d.lumenSegments {
            for n in [s.x, s.y, s.z] {
                worstRadius = max(worstRadius, abs((result.unloaded.positions[Int(n)] - centre).length / exact.innerRadius - 1))
            }
        }
        for s in d.outerSegments {
            for n in [s.x, s.y, s.z] {
                worstRadius = max(worstRadius, abs((result.unloaded.positions[Int(n)] - centre).length / exact.outerRadius - 1))
            }
        }
        #expect(worstRadius < 1e-4, "unloaded border radii within \(worstRadius) of exact")
        #expect(abs(result.unloaded.unloadedLumenArea / (Double.pi * exact.innerRadius * exact.innerRadius) - 1) < 1e-4)

        // Round trip: image -> unloaded -> image, the forward solve from zero load (the labeler starts it
        // at the inverse solve's end state, where the forward Newton only confirms equilibrium).
        #expect(result.mismatch / ro < 1e-6, "mismatch \(result.mismatch * 1000) um")
        let fromZero = try WallSolver(mesh: mesh, options: options, linearSolver: nil, referencePositions: result.unloaded.positions)
            .solve(.constant(pressureKPa: Self.imagePressure, steps: 2))
        let u = fromZero.systole.state.displacement
        var shift = Point(0, 0), worst = 0.0
        let differences = mesh.points.indices.map { n in result.unloaded.positions[n] + Point(u[2 * n], u[2 * n + 1]) - mesh.points[n] }
        for difference in differences { shift = shift + (1 / Double(differences.count)) * difference }
        for difference in differences { worst = max(worst, (difference - shift).length) }
        #expect(worst / ro < 1e-6, "round trip from zero load: \(worst * 1000) um")

        // Systolic hoop stress at the lumen, at the image radius: the ring with the exact unloaded radii at 120 mmHg.
        let systole = try ThickWalledRingSolution(material: .vesselWall, innerRadius: exact.innerRadius, outerRadius: exact.outerRadius,
                                                  pressureKPa: Self.systolicPressure, outerSupportStiffness: support)
        let points = (0..<16).map { k -> Point in
            let t = 2 * Double.pi * Double(k) / 16
            return Point(1.02 * ri * cos(t), 1.02 * ri * sin(t))
        }
        let R = (1.02 * ri * 1.02 * ri - exact.c).squareRoot()
        let expected = systole.hoopStress(atReferenceRadius: R)
        for (point, sample) in zip(points, result.stress(of: result.solution.systole.state, atImagePoints: points)) {
            #expect(sample.location == .inside)
            let direction = (point.x / point.length, point.y / point.length)
            let hoop = sample.stress.normal(along: (-direction.1, direction.0))
            #expect(abs(hoop / expected - 1) < 0.005, "hoop \(hoop) kPa, exact \(expected) kPa")
        }
    }

    /// The exact ring with a support: the support's pressure share matches the FE reaction of the springs.
    @Test func supportedRingMatchesTheExactSolution() throws {
        var options = SolverOptions()
        options.outerSupportStiffness = 20
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.1)
        let solver = try WallSolver(mesh: mesh, options: options)
        let solution = try solver.solve(.constant(pressureKPa: Self.systolicPressure))
        let exact = try ThickWalledRingSolution(material: .vesselWall, innerRadius: 1, outerRadius: 2, pressureKPa: Self.systolicPressure,
                                                outerSupportStiffness: 20)
        let area = solver.lumenArea(of: solution.systole.state)
        let exactArea = Double.pi * exact.innerDeformedRadius * exact.innerDeformedRadius
        #expect(abs(area / exactArea - 1) < 1e-4, "lumen area \(area) vs \(exactArea) mm^2")
        let free = try ThickWalledRingSolution(material: .vesselWall, innerRadius: 1, outerRadius: 2, pressureKPa: Self.systolicPressure)
        #expect(exact.innerDeformedRadius < free.innerDeformedRadius, "the springs hold the wall in")
    }

    /// A soft wall with a slit lumen cannot be unloaded: a typed failure with the Newton history.
    @Test func slitLumenHasNoUnloadedGeometry() throws {
        // An elliptic lumen of aspect 6 in a thin wall.
        let lumen = (0..<96).map { k -> Point in
            let t = 2 * Double.pi * Double(k) / 96
            return Point(1.2 * cos(t), 0.2 * sin(t))
        }
        let outer = (0..<96).map { k -> Point in
            let t = 2 * Double.pi * Double(k) / 96
            return Point(1.45 * cos(t), 0.45 * sin(t))
        }
        let borders = try WallBorders(frame: 1, lumen: lumen, outer: outer)
        let mesh = try ContourMesher().mesh(borders).mesh
        let solver = try LoadedImageSolver(mesh: mesh)
        #expect {
            try solver.unloadedGeometry(imagePressureKPa: Self.imagePressure)
        } throws: { error in
            guard case FEMError.noUnloadedGeometry(let failure) = error else { return false }
            return !failure.report.steps.isEmpty && failure.report.steps.contains { !$0.converged }
        }
    }
}
