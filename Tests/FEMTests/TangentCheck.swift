@testable import FEM

/// max |K - K_fd| / max |K| over the free dofs of `d`: the assembled tangent `values` (in the
/// reduced pattern's order) against central differences, step `h`, of `residual` (all dofs) at
/// `state`. Serves every tangent check of the forward, inverse and multi-material assemblies.
func relativeTangentError(_ d: MixedDiscretization, at state: MixedState, tangent values: [Double], h: Double = 1e-6,
                          residual: (MixedState) throws -> [Double]) rethrows -> Double {
    let scale = values.map(abs).max()!
    var worst = 0.0
    for dof in 0..<d.dofCount where d.equation[dof] >= 0 {
        var plus = state, minus = state
        if dof < 2 * d.nodeCount {
            plus.displacement[dof] += h
            minus.displacement[dof] -= h
        } else {
            plus.pressure[dof - 2 * d.nodeCount] += h
            minus.pressure[dof - 2 * d.nodeCount] -= h
        }
        let rp = try residual(plus), rm = try residual(minus)
        let column = Int(d.equation[dof])
        for row in 0..<d.dofCount where d.equation[row] >= 0 {
            let fd = (rp[row] - rm[row]) / (2 * h)
            let analytic = d.pattern.position(row: Int(d.equation[row]), column: column).map { values[$0] } ?? 0
            worst = max(worst, abs(fd - analytic))
        }
    }
    return worst / scale
}
