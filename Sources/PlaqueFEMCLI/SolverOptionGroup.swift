import ArgumentParser
import FEM

/// Material and Newton options shared by the commands that solve.
struct SolverOptionGroup: ParsableArguments {
    @Option(help: "Mooney-Rivlin c1 (kPa).")
    var c1: Double = MooneyRivlinMaterial.vesselWall.c1
    @Option(help: "Mooney-Rivlin D1 (kPa).")
    var d1: Double = MooneyRivlinMaterial.vesselWall.d1
    @Option(help: "Mooney-Rivlin D2 (dimensionless).")
    var d2: Double = MooneyRivlinMaterial.vesselWall.d2
    @Option(help: "Newton residual tolerance, relative to the load scale.")
    var tolerance: Double = SolverOptions().residualTolerance
    @Option(help: "Newton iterations per load step before a cutback.")
    var maxIterations: Int = SolverOptions().maximumIterations
    @Option(help: ArgumentHelp(
        "Reuse a load step's factors (chord steps) once the residual is below this fraction of the step's first (0 = pure Newton).",
        discussion: "Default: 1e-3 for label, 0 for solve and verify (their reports show Newton's quadratic convergence)."))
    var reuseFactorizationBelow: Double?

    /// `base` (the command's defaults) with the options given on the command line.
    func solverOptions(startingFrom base: SolverOptions = SolverOptions()) -> SolverOptions {
        var options = base
        options.material = MooneyRivlinMaterial(c1: c1, d1: d1, d2: d2)
        options.residualTolerance = tolerance
        options.maximumIterations = maxIterations
        if let reuseFactorizationBelow { options.factorizationReuseThreshold = reuseFactorizationBelow }
        return options
    }

    func validate() throws {
        do { try solverOptions().validate() } catch { throw ValidationError("\(error)") }
    }
}
