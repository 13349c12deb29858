import Foundation
import Testing
@testable import FEM
@testable import Meshing

@Suite struct ThickWalledRingSolutionTests {
    @Test func smallPressureApproachesTheLameSolution() throws {
        // Linear, incompressible plane strain: sigma_theta(R_i) = P (R_i^2 + R_o^2) / (R_o^2 - R_i^2).
        let P = 1e-3
        let exact = try ThickWalledRingSolution(material: .vesselWall, innerRadius: 1, outerRadius: 2, pressureKPa: P)
        #expect(abs(exact.innerHoopStress - P * 5 / 3) < 1e-3 * P * 5 / 3)
        #expect(abs(exact.radialStress(atReferenceRadius: 2)) < 1e-12)
    }

    @Test func boundaryConditionsAndEquilibriumHold() throws {
        let exact = try ThickWalledRingSolution(material: .vesselWall, innerRadius: 1, outerRadius: 2, pressureKPa: 16)
        #expect(abs(exact.radialStress(atReferenceRadius: 1) + 16) < 1e-12)
        #expect(abs(exact.radialStress(atReferenceRadius: 2)) < 1e-10)
        #expect(exact.c > 0 && exact.innerDeformedRadius > 1)
        // Equilibrium d sigma_r / dr = (sigma_theta - sigma_r) / r, checked by finite differences in r.
        let R = 1.4, h = 1e-5
        let r = exact.deformedRadius(ofReferenceRadius: R)
        let dsdr = (exact.radialStress(atReferenceRadius: R + h) - exact.radialStress(atReferenceRadius: R - h))
            / (exact.deformedRadius(ofReferenceRadius: R + h) - exact.deformedRadius(ofReferenceRadius: R - h))
        let rhs = (exact.hoopStress(atReferenceRadius: R) - exact.radialStress(atReferenceRadius: R)) / r
        #expect(abs(dsdr - rhs) < 1e-7 * abs(rhs))
    }

    @Test func invalidRingsThrow() {
        #expect(throws: FEMError.self) { try ThickWalledRingSolution(material: .vesselWall, innerRadius: 2, outerRadius: 1, pressureKPa: 1) }
        #expect(throws: FEMError.self) { try ThickWalledRingSolution(material: .vesselWall, innerRadius: 1, outerRadius: 2, pressureKPa: -1) }
    }
}

@Suite struct RingVerificationTests {
    @Test func defaultResolutionIsWithinThreeTenthsOfAPercent() throws {
        let result = try RingVerification().run()
        #expect(result.hoopStressRelativeError < 0.003)
        #expect(result.innerRadiusRelativeError < 1e-4)
        #expect(abs(result.radialStressInnerKPa - result.radialStressInnerExactKPa) < 0.01 * abs(result.radialStressInnerExactKPa))
        #expect(result.degreesOfFreedom > 9_000 && result.degreesOfFreedom < 15_000)
        // Reactions at the rigid-body constraints vanish: the lumen pressure is self-equilibrated.
        let forceScale = result.verification.pressureMmHg * kilopascalsPerMillimetreOfMercury * 2 * Double.pi
        #expect(result.report.maximumReaction < 1e-9 * forceScale)
    }

    @Test func hoopStressConvergesAtSecondOrder() throws {
        let sizes = [0.5, 0.25, 0.125]
        let results = try sizes.map { try RingVerification(meshSize: $0).run() }
        let l2 = results.map(\.hoopStressL2RelativeError)
        let fitted = try #require(ConvergenceOrder.fitted(sizes: sizes, errors: l2))
        #expect(fitted > 1.7, "observed L2 order \(fitted), errors \(l2)")
        for k in 1..<results.count { #expect(results[k].hoopStressRelativeError < results[k - 1].hoopStressRelativeError) }
    }

    @Test func newtonConvergesQuadratically() throws {
        let result = try RingVerification(meshSize: 0.25).run()
        for step in result.report.steps {
            #expect(step.converged)
            let r = step.iterations.map(\.relativeDisplacementResidual)
            // Once in the asymptotic range, each residual is bounded by C r_k^2.
            for k in 0..<(r.count - 1) where r[k] < 1e-2 && r[k + 1] > 1e-14 {
                #expect(r[k + 1] < 50 * r[k] * r[k], "residuals \(r)")
            }
        }
        #expect(result.report.iterationsPerStep.allSatisfy { $0 <= 5 })
    }

    @Test func oneLoadStepReachesTheSameSystolicState() throws {
        // stepsToSystole 0: straight from the unloaded ring to 120 mmHg, Newton still quadratic.
        let stepped = try RingVerification(meshSize: 0.25).run()
        let direct = try RingVerification(meshSize: 0.25, stepsToSystole: 0).run()
        #expect(direct.report.steps.count == 1 && direct.report.cutbacks == 0)
        #expect(abs(direct.report.steps[0].pressureKPa - 120 * kilopascalsPerMillimetreOfMercury) < 1e-12)
        let r = direct.report.steps[0].iterations.map(\.relativeDisplacementResidual)
        // (Below about 1e-12 the residual is round-off of the large first residual of the one step.)
        for k in 0..<(r.count - 1) where r[k] < 1e-2 && r[k + 1] > 1e-12 {
            #expect(r[k + 1] < 50 * r[k] * r[k], "residuals \(r)")
        }
        #expect(direct.report.iterationsPerStep[0] <= 5)
        // Both solves end in the same equilibrium (to the Newton tolerance).
        #expect(abs(direct.hoopStressInnerKPa - stepped.hoopStressInnerKPa) < 1e-7 * abs(stepped.hoopStressInnerKPa))
        #expect(abs(direct.hoopStressL2RelativeError - stepped.hoopStressL2RelativeError) < 1e-6)
    }
}

@Suite struct PressureWaveformTests {
    @Test func physiologicalDefaultSpansDiastoleToSystole() {
        let w = PressureWaveform.physiological
        #expect(w.initialPressure == 80 && w.systolicPressure == 120)
        #expect(abs(w.systoleTime - 0.24) < 1e-12)
        #expect(abs(w.duration - 0.8) < 1e-12)
        #expect(abs(w.pressure(at: 0.02) - 82) < 1e-12)
        #expect(w.pressure(at: .nan).isNaN, "a NaN time gives a NaN pressure, not a trap (fuzz finding, docs/reliability.md note 1)")
    }

    @Test func csvParsing() throws {
        let w = try PressureWaveform(csv: "time_s,pressure_mmHg\n# comment\n0,70\n0.3,130\n0.9,70\n")
        #expect(w.times == [0, 0.3, 0.9] && w.pressures == [70, 130, 70])
        #expect(throws: FEMError.self) { try PressureWaveform(csv: "0,70\nabc,1\n") }
        #expect(throws: FEMError.self) { try PressureWaveform(csv: "0,70\n0,80\n") }
        #expect(throws: FEMError.self) { try PressureWaveform(csv: "0,70\n1,-5\n") }
        #expect(throws: FEMError.self) { try PressureWaveform(csv: "0,70\n") }
    }

    @Test func schedules() throws {
        let toSystole = try LoadSchedule.toSystole(.physiological, steps: 2)
        #expect(toSystole.points.map(\.time) == [0, 0.12, 0.24])
        #expect(toSystole.points.map(\.isOutput) == [false, false, true])
        #expect(abs(toSystole.points.last!.pressureKPa - 120 * kilopascalsPerMillimetreOfMercury) < 1e-12)
        let cycle = try LoadSchedule.fullCycle(.physiological, steps: 10)
        #expect(cycle.points.count == 12)  // 11 equal steps' end points plus the inserted systolic peak
        #expect(cycle.points.contains { $0.time == 0.24 })
        #expect(throws: FEMError.self) { try LoadSchedule.toSystole(.physiological, steps: 0) }
    }
}

@Suite struct WallSolverTests {
    static func coarseRing() throws -> TriangleMesh {
        try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.25)
    }

    @Test func solutionIsPathIndependent() throws {
        let solver = try WallSolver(mesh: try Self.coarseRing())
        let direct = try solver.solve(try LoadSchedule.toSystole(.physiological, steps: 1))
        let fine = try solver.solve(try LoadSchedule.toSystole(.physiological, steps: 6))
        let a = direct.systole.nodalStress.map(\.maximumPrincipal), b = fine.systole.nodalStress.map(\.maximumPrincipal)
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-7 * a.max()!)
    }

    @Test func reusedFactorsGiveTheNewtonAnswerWithFewerFactorizations() throws {
        let mesh = try AnnulusMeshGenerator(lumenCenter: Point(0.5, 0), lumenRadius: 0.8, outerCenter: .zero, outerRadius: 1.8)
            .mesh(meshSize: 0.15)
        let schedule = try LoadSchedule.toSystole(.physiological, steps: 1)
        let newton = try WallSolver(mesh: mesh).solve(schedule)
        var options = SolverOptions()
        options.factorizationReuseThreshold = 1e-3
        let chord = try WallSolver(mesh: mesh, options: options).solve(schedule)

        let a = newton.systole.nodalStress.map(\.maximumPrincipal), b = chord.systole.nodalStress.map(\.maximumPrincipal)
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-8 * a.max()!, "both converge to the tolerance: \(worst) kPa apart")
        let factorizations = { (s: WallSolution) in s.report.steps.map(\.factorizations).reduce(0, +) }
        #expect(newton.report.steps.allSatisfy { $0.factorizations == $0.linearSolves }, "pure Newton factorizes every iteration")
        #expect(factorizations(chord) < factorizations(newton))
        for step in chord.report.steps {
            #expect(step.converged)
            // A chord step only starts below the threshold, and each one cuts the residual at least tenfold.
            let iterations = step.iterations
            for k in iterations.indices where iterations[k].reusedFactorization {
                #expect(iterations[k].relativeDisplacementResidual <= 1e-3)
                #expect(iterations[k + 1].displacementResidual < 0.1 * iterations[k].displacementResidual)
            }
        }
        #expect(chord.report.steps.contains { $0.iterations.contains(where: \.reusedFactorization) })
    }

    @Test func solverOptionsWrittenBeforeFactorReuseDecodeAsPureNewton() throws {
        var options = SolverOptions()
        options.factorizationReuseThreshold = 1e-3
        let encoded = try JSONEncoder().encode(options)
        #expect(try JSONDecoder().decode(SolverOptions.self, from: encoded) == options)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        object["factorizationReuseThreshold"] = nil
        let old = try JSONDecoder().decode(SolverOptions.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.factorizationReuseThreshold == 0)
        #expect(old.material == options.material)
        for bad in [-1e-3, 1.0] {
            options.factorizationReuseThreshold = bad
            #expect(throws: FEMError.self) { try options.validate() }
        }
    }

    @Test func fullCycleKeepsEveryTimePoint() throws {
        let solver = try WallSolver(mesh: try Self.coarseRing())
        let solution = try solver.solve(try LoadSchedule.fullCycle(.physiological, steps: 8))
        #expect(solution.snapshots.count == 10)
        #expect(abs(solution.systole.time - 0.24) < 1e-12)
        let peak = solution.snapshots.map { $0.nodalStress.map(\.maximumPrincipal).max()! }
        #expect(peak.max()! == solution.systole.nodalStress.map(\.maximumPrincipal).max()!)
        #expect(abs(peak.first! - peak.last!) < 1e-8 * peak.first!, "the cycle returns to the diastolic state")
    }

    @Test func failedStepsAreCutBackAndThenReported() throws {
        var options = SolverOptions()
        options.maximumIterations = 3
        options.extrapolatesPredictor = false
        let solver = try WallSolver(mesh: try Self.coarseRing(), options: options)
        let solution = try solver.solve(.constant(pressureKPa: 16))
        #expect(solution.report.cutbacks > 0)
        #expect(solution.report.steps.contains { !$0.converged && $0.failure != nil })

        options.maximumIterations = 1
        options.maximumCutbacks = 1
        let stubborn = try WallSolver(mesh: try Self.coarseRing(), options: options)
        let result: Result<WallSolution, FEMError> = Result { () throws(FEMError) in try stubborn.solve(.constant(pressureKPa: 16)) }
        guard case .failure(.notConverged(let pressure, let report)) = result else {
            Issue.record("expected notConverged, got \(result)")
            return
        }
        #expect(pressure > 0)
        #expect(report.cutbacks == 1)
        #expect(!report.steps.isEmpty)
    }

    @Test func eccentricPlaqueIsMostStressedAtTheThinCap() throws {
        let mesh = try AnnulusMeshGenerator(lumenCenter: Point(0.5, 0), lumenRadius: 0.8, outerCenter: .zero, outerRadius: 1.8)
            .mesh(meshSize: 0.15)
        let solver = try WallSolver(mesh: mesh)
        let solution = try solver.solve(try LoadSchedule.toSystole(.physiological))
        let stress = solution.systole.nodalStress.map(\.maximumPrincipal)
        let positions = solution.nodes.positions
        let peak = stress.indices.max { stress[$0] < stress[$1] }!
        #expect(positions[peak].x > 1.0, "peak at \(positions[peak])")  // thin side is +x
        #expect(solution.report.maximumReaction < 1e-8)
    }

    @Test func invalidInputsGiveTypedErrors() throws {
        var options = SolverOptions()
        options.residualTolerance = 0
        #expect(throws: FEMError.self) { try WallSolver(mesh: try Self.coarseRing(), options: options) }
        let solver = try WallSolver(mesh: try Self.coarseRing())
        #expect(throws: FEMError.self) { try solver.solve(.constant(pressureKPa: .nan)) }
        #expect(throws: FEMError.self) { try solver.solve(LoadSchedule(points: [])) }
    }
}

@Suite struct MeshRequirementTests {
    @Test func trianglesWithoutInteriorVertexAreRejected() throws {
        // A single layer of triangles: every vertex lies on a border, the P2/P1 pressure is unstable.
        let inner = (0..<8).map { Point(cos(Double($0) * .pi / 4), sin(Double($0) * .pi / 4)) }
        let outer = inner.map { 2 * $0 }
        var triangles: [SIMD3<Int32>] = []
        var segments: [TriangleMesh.BoundarySegment] = []
        for j in 0..<8 {
            let a = Int32(j), b = Int32(8 + j), c = Int32(8 + (j + 1) % 8), d = Int32((j + 1) % 8)
            triangles += [SIMD3(a, b, c), SIMD3(a, c, d)]
            segments += [.init(start: d, end: a, tag: .lumen), .init(start: b, end: c, tag: .outer)]
        }
        let mesh = try TriangleMesh(points: inner + outer, triangles: triangles, boundarySegments: segments)
        #expect(throws: FEMError.self) { try WallSolver(mesh: mesh) }
    }

    @Test func meshWithoutLumenIsRejected() throws {
        var mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.5)
        for k in mesh.boundarySegments.indices { mesh.boundarySegments[k].tag = .outer }
        #expect(throws: FEMError.self) { try WallSolver(mesh: mesh) }
    }

    @Test func shippedWaveformFileMatchesTheBuiltInDefault() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("data/waveforms/physiological.csv"), encoding: .utf8)
        #expect(try PressureWaveform(csv: text) == .physiological)
    }
}
