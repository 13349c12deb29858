import ArgumentParser
import FEM
import Foundation
import Meshing

/// `plaquefem verify`: problems with exact solutions.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the solver against exact solutions.",
        subcommands: [Ring.self]
    )

    /// `plaquefem verify ring`: the pressurised thick-walled ring.
    struct Ring: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Solve the pressurised thick-walled ring and compare with the exact finite-strain solution.",
            discussion: """
                The ring (plane strain, incompressible modified Mooney-Rivlin) is loaded along the default \
                pulsatile waveform scaled to --pressure at systole. The exact solution is r^2 = R^2 + c with \
                radial equilibrium integrated exactly. Use --refine N to also solve on N successively halved \
                mesh sizes and print the observed convergence order of the hoop stress.
                """
        )

        @Option(help: "Reference inner radius (mm).")
        var innerRadius: Double = 1
        @Option(help: "Reference outer radius (mm).")
        var outerRadius: Double = 2
        @Option(help: "Systolic lumen pressure (mmHg).")
        var pressure: Double = 120
        @Option(help: "Target element edge length (mm).")
        var meshSize: Double = 1.0 / 12
        @Option(help: "Time steps along the waveform from end-diastole to systole; 0 = one load step from the unloaded ring to --pressure.")
        var steps: Int = 2
        @Option(help: "Refinement study: also solve on mesh sizes 2^k x --mesh-size, k = 1...N, and print the observed convergence order.")
        var refine: Int = 0
        @Option(help: "Write the systolic solution to this VTU file (ParaView).")
        var vtu: String?
        @Flag(help: "Print JSON instead of a table.")
        var json = false
        @OptionGroup var solver: SolverOptionGroup

        func validate() throws {
            guard innerRadius > 0, outerRadius > innerRadius else { throw ValidationError("need 0 < --inner-radius < --outer-radius") }
            guard pressure >= 0, pressure <= 1000 else { throw ValidationError("--pressure must be in [0, 1000] mmHg") }
            guard meshSize > 0, meshSize <= (outerRadius - innerRadius) else { throw ValidationError("--mesh-size must be in (0, wall thickness]") }
            guard (0...100).contains(steps) else { throw ValidationError("--steps must be in 0...100") }
            guard (0...4).contains(refine) else { throw ValidationError("--refine must be in 0...4") }
            guard meshSize * pow(2, Double(refine)) <= outerRadius - innerRadius else {
                throw ValidationError("the coarsest mesh of the study (--mesh-size x 2^--refine) must not exceed the wall thickness")
            }
        }

        func run() throws {
            var options = solver.solverOptions()
            options.checksSymmetry = true
            let sizes = (0...refine).map { meshSize * pow(2, Double(refine - $0)) }
            var results: [RingVerification.Result] = []
            for h in sizes {
                let verification = RingVerification(innerRadius: innerRadius, outerRadius: outerRadius, pressureMmHg: pressure,
                                                    meshSize: h, stepsToSystole: steps, options: options)
                let (result, solution) = try verification.runKeepingSolution()
                results.append(result)
                // The last size is the requested mesh size.
                if h == sizes.last, let vtu {
                    try SolutionVTU.write(solution: solution, snapshot: solution.systole, to: vtu)
                }
            }
            let orders = ConvergenceOrder.observed(sizes: sizes, errors: results.map(\.hoopStressRelativeError))
            let l2Orders = ConvergenceOrder.observed(sizes: sizes, errors: results.map(\.hoopStressL2RelativeError))
            if json {
                print(try RingOutput.json(results: results, orders: orders, l2Orders: l2Orders))
            } else {
                print(RingOutput.table(results: results, orders: orders, l2Orders: l2Orders))
            }
        }
    }
}
