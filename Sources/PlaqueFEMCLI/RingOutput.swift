import FEM
import Foundation
import Meshing

/// Formatting of `verify ring` results (the executable is the only place that prints).
enum RingOutput {
    static func table(results: [RingVerification.Result], orders: [Double], l2Orders: [Double]) -> String {
        let nodeOrders = ConvergenceOrder.observed(sizes: results.map(\.verification.meshSize), errors: results.map(\.hoopStressMaximumNodeError))
        guard let r = results.last else { return "" }
        var out = "Pressurised thick-walled ring, plane strain, incompressible modified Mooney-Rivlin\n"
        out += "  R_i = \(r.verification.innerRadius) mm, R_o = \(r.verification.outerRadius) mm, systolic pressure \(r.verification.pressureMmHg) mmHg"
        out += " = \(fmt(r.verification.pressureMmHg * kilopascalsPerMillimetreOfMercury, 4)) kPa\n"
        let m = r.verification.options.material
        out += "  material c1 = \(m.c1) kPa, D1 = \(m.d1) kPa, D2 = \(m.d2); Taylor-Hood P2/P1 (isoparametric)\n"
        out += "  mesh size \(fmt(r.verification.meshSize, 4)) mm: \(r.divisions[0]) x \(r.divisions[1]) divisions, \(r.elements) triangles, \(r.degreesOfFreedom) dofs\n\n"
        out += "  quantity                        FE             exact          rel. error\n"
        out += row("hoop_stress_inner_kpa", r.hoopStressInnerKPa, r.hoopStressInnerExactKPa)
        out += row("radial_stress_inner_kpa", r.radialStressInnerKPa, r.radialStressInnerExactKPa)
        out += row("inner_radius_deformed_mm", r.innerRadiusDeformedMm, r.innerRadiusDeformedExactMm)
        out += "  hoop stress, max lumen-node error: \(sci(r.hoopStressMaximumNodeError)); relative L2 error over the wall: \(sci(r.hoopStressL2RelativeError))\n\n"
        out += newtonTable(r.report)
        out += "\n  linear solver: \(r.report.linearSolver)\n"
        out += "  reduced system: \(r.report.equations) equations, \(r.report.matrixNonzeros) nonzeros; tangent asymmetry \(sci(r.report.tangentAsymmetry))\n"
        out += "  reactions at the 3 rigid-body constraints: " + r.report.reactions.map(sci).joined(separator: ", ") + " (kPa mm)\n"
        out += "  Newton iterations per load step: \(r.report.iterationsPerStep), cutbacks: \(r.report.cutbacks)\n"
        out += "  solve time \(fmt(r.report.totalSeconds * 1000, 1)) ms (assembly \(fmt(r.report.assemblySeconds * 1000, 1)), "
        out += "factorization \(fmt(r.report.factorizationSeconds * 1000, 1)), triangular solves \(fmt(r.report.solveSeconds * 1000, 1)))\n"
        if results.count > 1 {
            out += "\n  refinement study (hoop stress at the inner wall, relative error):\n"
            out += "  mesh size mm   dofs      inner error    order   worst node    order   L2 error      order\n"
            for (k, res) in results.enumerated() {
                let o = k > 0 ? fmt(orders[k - 1], 2) : "-"
                let o2 = k > 0 ? fmt(l2Orders[k - 1], 2) : "-"
                let on = k > 0 ? fmt(nodeOrders[k - 1], 2) : "-"
                out += "  " + pad(fmt(res.verification.meshSize, 5), 14) + pad(String(res.degreesOfFreedom), 10)
                out += pad(sci(res.hoopStressRelativeError), 15) + pad(o, 8) + pad(sci(res.hoopStressMaximumNodeError), 14) + pad(on, 8)
                out += pad(sci(res.hoopStressL2RelativeError), 14) + o2 + "\n"
            }
        }
        return out
    }

    static func newtonTable(_ report: SolveReport) -> String {
        var out = "  Newton convergence (norms relative to the first iteration of each step; \"reused factors\": a chord step):\n"
        out += "  step  time s   p kPa     it  |R_u|/|R_u0|  |R_p|/|R_p0|  |du| mm      |dp| kPa\n"
        for (k, step) in report.steps.enumerated() {
            for it in step.iterations {
                let head = it.iteration == 0
                    ? pad(String(k + 1), 6) + pad(fmt(step.time, 3), 9) + pad(fmt(step.pressureKPa, 4), 10)
                    : String(repeating: " ", count: 25)
                var line = "  " + head + pad(String(it.iteration), 4) + pad(sci(it.relativeDisplacementResidual), 14)
                line += pad(sci(it.relativePressureResidual), 14)
                line += pad(it.displacementIncrement.map(sci) ?? "converged", 12) + pad(it.pressureIncrement.map(sci) ?? "", 12)
                line += it.reusedFactorization ? "reused factors" : ""
                while line.last == " " { line.removeLast() }
                out += line + "\n"
            }
            if let failure = step.failure { out += "        step failed: \(failure); cutting back\n" }
        }
        return out
    }

    static func json(results: [RingVerification.Result], orders: [Double], l2Orders: [Double]) throws -> String {
        guard let r = results.last else { return "{}" }
        let object: [String: Any] = [
            "inner_radius_mm": r.verification.innerRadius,
            "outer_radius_mm": r.verification.outerRadius,
            "pressure_mmhg": r.verification.pressureMmHg,
            "pressure_kpa": r.verification.pressureMmHg * kilopascalsPerMillimetreOfMercury,
            "mesh_size_mm": r.verification.meshSize,
            "elements": r.elements,
            "dofs": r.degreesOfFreedom,
            "hoop_stress_inner_kpa": r.hoopStressInnerKPa,
            "hoop_stress_inner_exact_kpa": r.hoopStressInnerExactKPa,
            "hoop_stress_inner_relative_error": r.hoopStressRelativeError,
            "hoop_stress_l2_relative_error": r.hoopStressL2RelativeError,
            "hoop_stress_inner_worst_node_relative_error": r.hoopStressMaximumNodeError,
            "radial_stress_inner_kpa": r.radialStressInnerKPa,
            "radial_stress_inner_exact_kpa": r.radialStressInnerExactKPa,
            "inner_radius_deformed_mm": r.innerRadiusDeformedMm,
            "inner_radius_deformed_exact_mm": r.innerRadiusDeformedExactMm,
            "newton_iterations_per_step": r.report.iterationsPerStep,
            "cutbacks": r.report.cutbacks,
            "reactions": r.report.reactions,
            "tangent_asymmetry": r.report.tangentAsymmetry,
            "linear_solver": r.report.linearSolver,
            "solve_time_s": r.report.totalSeconds,
            "newton": r.report.steps.map { step in
                [
                    "time_s": step.time, "pressure_kpa": step.pressureKPa, "converged": step.converged,
                    "relative_displacement_residuals": step.iterations.map(\.relativeDisplacementResidual),
                    "relative_pressure_residuals": step.iterations.map(\.relativePressureResidual),
                ] as [String: Any]
            },
            "refinement": results.enumerated().map { k, res in
                [
                    "mesh_size_mm": res.verification.meshSize, "dofs": res.degreesOfFreedom,
                    "hoop_stress_inner_relative_error": res.hoopStressRelativeError,
                    "hoop_stress_l2_relative_error": res.hoopStressL2RelativeError,
                    "hoop_stress_inner_worst_node_relative_error": res.hoopStressMaximumNodeError,
                    "observed_order_inner": k > 0 ? orders[k - 1] : NSNull(),
                    "observed_order_l2": k > 0 ? l2Orders[k - 1] : NSNull(),
                ] as [String: Any]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private static func row(_ name: String, _ fe: Double, _ exact: Double) -> String {
        let error = exact != 0 ? abs(fe - exact) / abs(exact) : abs(fe)
        return "  " + pad(name, 32) + pad(fmt(fe, 6), 15) + pad(fmt(exact, 6), 15) + sci(error) + "\n"
    }

    static func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
    static func sci(_ x: Double) -> String { String(format: "%.2e", x) }
    static func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
}
