import FEM
import Meshing

/// Writing a solved snapshot as a VTU file with displacement, pressure and stress fields.
enum SolutionVTU {
    static func write(solution: WallSolution, snapshot: WallSolution.Snapshot, to path: String) throws {
        var file = VTUFile(nodes: solution.nodes)
        let n = solution.nodes.count
        let u = (0..<n).map { Point(snapshot.state.displacement[2 * $0], snapshot.state.displacement[2 * $0 + 1]) }
        // Pressure lives on the vertices (P1); mid-side nodes get the mean of their edge's ends for display.
        var pressure = [Double](repeating: 0, count: n)
        for v in 0..<solution.nodes.vertexCount { pressure[v] = snapshot.state.pressure[v] }
        for t in solution.nodes.triangleNodes {
            for (m, a, b) in [(3, 0, 1), (4, 1, 2), (5, 2, 0)] {
                pressure[Int(t[m])] = 0.5 * (snapshot.state.pressure[Int(t[a])] + snapshot.state.pressure[Int(t[b])])
            }
        }
        let sigma = snapshot.nodalStress
        file.pointFields = [
            .vector("displacement_mm", u),
            .scalar("pressure_kpa", pressure),
            .scalar("max_principal_stress_kpa", sigma.map(\.maximumPrincipal)),
            .scalar("von_mises_stress_kpa", sigma.map(\.vonMises)),
            .scalar("stress_xx_kpa", sigma.map(\.xx)),
            .scalar("stress_yy_kpa", sigma.map(\.yy)),
            .scalar("stress_xy_kpa", sigma.map(\.xy)),
            .scalar("stress_zz_kpa", sigma.map(\.zz)),
        ]
        try file.write(to: path)
    }
}
