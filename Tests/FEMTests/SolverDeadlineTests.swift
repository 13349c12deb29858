import Foundation
import Meshing
import Testing
@testable import FEM

/// The solver checks a `Deadline` inside a Newton iteration (every few hundred elements of an
/// assembly, before and after the factorization) and while sampling. No clock: a `DeadlineProbe`
/// ends the deadline at a chosen check.
@Suite struct SolverDeadlineTests {
    /// A ring of about 900 triangles: one assembly checks 4 times (every 256 elements).
    static func ring() throws -> TriangleMesh {
        try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.15)
    }

    static func expiring(after checks: Int) -> Deadline { Deadline(nil, probe: DeadlineProbe(expiringAfterChecks: checks)) }

    @Test func aNewtonIterationStopsInsideItsAssemblyAndAroundTheFactorization() throws {
        let mesh = try Self.ring()
        let elementsPerCheck = MixedDiscretization.elementsPerCheck
        #expect(mesh.triangles.count > 3 * elementsPerCheck)
        let checksPerAssembly = (mesh.triangles.count + elementsPerCheck - 1) / elementsPerCheck
        let solver = try WallSolver(mesh: mesh)
        let schedule = LoadSchedule.constant(pressureKPa: 16)
        // Where the solve stops when the deadline ends at check k + 1: the first Newton iteration's checks in order.
        var stops: [String] = []
        for k in 0..<(checksPerAssembly + 4) {
            let result = Result { () throws(FEMError) in try solver.solve(schedule, deadline: Self.expiring(after: k)) }
            guard case .failure(.timeLimitExceeded(_, let pressure, let report)) = result else {
                Issue.record("check \(k + 1): expected the time limit, got \(result)")
                continue
            }
            #expect(pressure == 16 && report.steps.count == 1)
            stops.append(report.steps[0].failure ?? "")
        }
        let assembly = "time limit reached during the assembly of iteration 0"
        #expect(stops == ["time limit reached before iteration 0"] + Array(repeating: assembly, count: checksPerAssembly)
            + ["time limit reached before the factorization of iteration 0", "time limit reached after the factorization of iteration 0",
               "time limit reached before iteration 1"])
        // Without expiry the same probe lets the solve finish, and the solve with the last check's
        // deadline finishes too.
        let counter = DeadlineProbe()
        let solved = try solver.solve(schedule, deadline: Deadline(nil, probe: counter))
        #expect(solved.report.steps.allSatisfy { $0.converged })
        _ = try solver.solve(schedule, deadline: Self.expiring(after: counter.checks))
    }

    @Test func samplingStopsPartWay() throws {
        let solver = try WallSolver(mesh: try Self.ring())
        let solution = try solver.solve(LoadSchedule.constant(pressureKPa: 16))
        let points = (0..<3_000).map { k in Point(1.5 * cos(Double(k) * 0.01), 1.5 * sin(Double(k) * 0.01)) }
        let counter = DeadlineProbe()
        let samples = try solver.stress(of: solution.snapshots[0].state, at: points, deadline: Deadline(nil, probe: counter))
        #expect(samples.count == points.count && counter.checks == 3)
        #expect(samples.map(\.stress) == solver.stress(of: solution.snapshots[0].state, at: points).map(\.stress))
        #expect(throws: FEMError.self) {
            try solver.stress(of: solution.snapshots[0].state, at: points, deadline: Self.expiring(after: 2))
        }
    }

    @Test func theUnloadingStopsAtTheDeadlineWithATimeLimitNotANoUnloadedGeometry() throws {
        let solver = try LoadedImageSolver(mesh: try Self.ring())
        for k in [0, 2, 9] {
            let result = Result { () throws(FEMError) in
                try solver.solve(imagePressureKPa: 10, schedule: LoadSchedule.constant(pressureKPa: 16), deadline: Self.expiring(after: k))
            }
            guard case .failure(.timeLimitExceeded) = result else {
                Issue.record("check \(k + 1): expected the time limit, got \(result)")
                continue
            }
        }
    }
}
