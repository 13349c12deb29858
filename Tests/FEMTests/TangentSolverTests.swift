import Foundation
import Testing
@testable import FEM
@testable import Meshing
import Sparse

@Suite struct TangentSolverTests {
    /// A = [[4, 1, 0], [1, 3, 1], [0, 1, 2]] plus `skew` added above the diagonal and subtracted below.
    static func matrix(skew: Double, zeroFirstPivot: Bool = false) throws -> (SparsityPattern, [Double]) {
        let pattern = try SparsityPattern(dimension: 3, entries: [(0, 0), (1, 0), (0, 1), (1, 1), (2, 1), (1, 2), (2, 2)])
        // Column-major values: (0,0) (1,0) | (0,1) (1,1) (2,1) | (1,2) (2,2).
        let a00 = zeroFirstPivot ? 0.0 : 4.0
        return (pattern, [a00, 1 - skew, 1 + skew, 3, 1 - skew, 1 + skew, 2])
    }

    func solve(_ solver: TangentSolver, _ values: [Double], _ b: [Double]) throws -> [Double] {
        try solver.factorize(values)
        var x: [Double] = []
        try solver.solve(b, into: &x)
        return x
    }

    func residual(_ pattern: SparsityPattern, _ values: [Double], _ x: [Double], _ b: [Double]) -> Double {
        var m = SparseMatrix(pattern: pattern)
        m.values = values
        return zip(m.multiply(x), b).map { abs($0 - $1) }.max()!
    }

    @Test func symmetricSystemsStayWithLDLT() throws {
        let (pattern, values) = try Self.matrix(skew: 0)
        let solver = try TangentSolver(pattern: pattern)
        #expect(solver.method == .ldlt)
        let b = [1.0, 2, 3]
        let x = try solve(solver, values, b)
        #expect(residual(pattern, values, x, b) < 1e-14)
        #expect(solver.method == .ldlt && solver.fallbackReason == nil)
    }

    @Test func anUnsymmetricMatrixFallsBackToLU() throws {
        // L D L^T reads the upper triangle only, so it solves the wrong matrix; the backward error shows it.
        let (pattern, values) = try Self.matrix(skew: 0.3)
        let solver = try TangentSolver(pattern: pattern)
        let b = [1.0, 2, 3]
        let x = try solve(solver, values, b)
        #expect(residual(pattern, values, x, b) < 1e-14)
        #expect(solver.method == .lu)
        #expect(solver.fallbackReason?.contains("backward error") == true)
        #expect(solver.description.contains("UMFPACK") && solver.description.contains("abandoned"))
        // Later systems go straight to LU.
        let y = try solve(solver, values, [3, 2, 1])
        #expect(residual(pattern, values, y, [3, 2, 1]) < 1e-14)
    }

    @Test func aZeroPivotFallsBackToLU() throws {
        let (pattern, values) = try Self.matrix(skew: 0, zeroFirstPivot: true)
        let solver = try TangentSolver(pattern: pattern)
        let b = [1.0, 2, 3]
        let x = try solve(solver, values, b)
        #expect(residual(pattern, values, x, b) < 1e-14)
        #expect(solver.method == .lu)
        #expect(solver.fallbackReason?.contains("zero pivot") == true)
    }

    @Test func ldltAndLUGiveTheSameWallSolution() throws {
        let mesh = try AnnulusMeshGenerator(lumenCenter: Point(0.5, 0), lumenRadius: 0.8, outerCenter: .zero, outerRadius: 1.8)
            .mesh(meshSize: 0.15)
        let schedule = try LoadSchedule.toSystole(.physiological, steps: 1)
        let ldlt = try WallSolver(mesh: mesh, options: SolverOptions(), linearSolver: .ldlt).solve(schedule)
        let lu = try WallSolver(mesh: mesh, options: SolverOptions(), linearSolver: .lu).solve(schedule)
        #expect(ldlt.report.linearSolver.contains("L D L^T") && !ldlt.report.linearSolver.contains("abandoned"))
        #expect(lu.report.linearSolver.contains("UMFPACK"))
        #expect(ldlt.report.iterationsPerStep == lu.report.iterationsPerStep)
        let a = ldlt.systole.nodalStress.map(\.maximumPrincipal), b = lu.systole.nodalStress.map(\.maximumPrincipal)
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-9 * a.max()!, "\(worst) kPa apart")
    }

    @Test func largeSystemsUseMUMPS() throws {
        let n = TangentSolver.multifrontalThreshold
        let pattern = try SparsityPattern(dimension: n, entries: (0..<n).map { ($0, $0) })
        let solver = try TangentSolver(pattern: pattern)
        #expect(solver.method == .multifrontal)
        #expect(solver.description.contains("MUMPS"))
    }

    @Test func mediumSystemsChooseByPredictedFlops() throws {
        // A diagonal matrix above the L D L^T size threshold costs nothing to factorize: CHOLMOD stays.
        let n = TangentSolver.ldltThreshold
        let pattern = try SparsityPattern(dimension: n, entries: (0..<n).map { ($0, $0) })
        #expect(try TangentSolver(pattern: pattern).method == .ldlt)
        #expect(!TangentSolver.prefersMultifrontal(dimension: 3_999, predictedFlops: 1e9))
        #expect(!TangentSolver.prefersMultifrontal(dimension: 8_000, predictedFlops: 1e7))
        #expect(TangentSolver.prefersMultifrontal(dimension: 8_000, predictedFlops: 5e7))
        #expect(TangentSolver.prefersMultifrontal(dimension: 20_000, predictedFlops: 0))
    }

    @Test func theRingTangentGoesToMUMPSFromAbout6kDofs() throws {
        // The structured ring fills much under AMD (26 M flops at 5,849 equations): MUMPS.
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.125)
        let solver = try WallSolver(mesh: mesh, options: SolverOptions(), linearSolver: nil)
        #expect(solver.degreesOfFreedom == 5_852)
        #expect(solver.factorization.method == .multifrontal)
        let coarse = try WallSolver(mesh: try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.25),
                                    options: SolverOptions(), linearSolver: nil)
        #expect(coarse.factorization.method == .ldlt)
    }

    @Test func mumpsSolvesAZeroFirstPivot() throws {
        // Threshold pivoting: what stops CHOLMOD's L D L^T is no problem for MUMPS.
        let (pattern, values) = try Self.matrix(skew: 0, zeroFirstPivot: true)
        let solver = try TangentSolver(pattern: pattern, preferredMethod: .multifrontal)
        let b = [1.0, 2, 3]
        let x = try solve(solver, values, b)
        #expect(residual(pattern, values, x, b) < 1e-14)
        #expect(solver.method == .multifrontal && solver.fallbackReason == nil)
    }

    @Test func mumpsWithAnUnsymmetricMatrixFallsBackToLU() throws {
        let (pattern, values) = try Self.matrix(skew: 0.3)
        let solver = try TangentSolver(pattern: pattern, preferredMethod: .multifrontal)
        let b = [1.0, 2, 3]
        let x = try solve(solver, values, b)
        #expect(residual(pattern, values, x, b) < 1e-14)
        #expect(solver.method == .lu)
        #expect(solver.fallbackReason?.contains("backward error") == true)
    }

    @Test func mumpsAndLUGiveTheSameWallSolution() throws {
        let mesh = try AnnulusMeshGenerator(lumenCenter: Point(0.5, 0), lumenRadius: 0.8, outerCenter: .zero, outerRadius: 1.8)
            .mesh(meshSize: 0.15)
        let schedule = try LoadSchedule.toSystole(.physiological, steps: 1)
        let mumps = try WallSolver(mesh: mesh, options: SolverOptions(), linearSolver: .multifrontal).solve(schedule)
        let lu = try WallSolver(mesh: mesh, options: SolverOptions(), linearSolver: .lu).solve(schedule)
        #expect(mumps.report.linearSolver.contains("MUMPS") && !mumps.report.linearSolver.contains("abandoned"))
        #expect(mumps.report.iterationsPerStep == lu.report.iterationsPerStep)
        let a = mumps.systole.nodalStress.map(\.maximumPrincipal), b = lu.systole.nodalStress.map(\.maximumPrincipal)
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-9 * a.max()!, "\(worst) kPa apart")
    }
}
