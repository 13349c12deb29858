import ArgumentParser
import FEM

/// Material and Newton options shared by the commands that solve.
struct SolverOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp("Wall material preset: \(MooneyRivlinMaterial.presets.map(\.name).joined(separator: ", ")).",
                               discussion: MooneyRivlinMaterial.presets.map { "\($0.name): \($0.summary)" }.joined(separator: "\n")))
    var material: String = "paper"
    @Option(help: "Mooney-Rivlin c1 (kPa), replacing the preset's.")
    var c1: Double?
    @Option(help: "Mooney-Rivlin D1 (kPa), replacing the preset's.")
    var d1: Double?
    @Option(help: "Mooney-Rivlin D2 (dimensionless), replacing the preset's.")
    var d2: Double?
    @Option(help: "Elastic support of the outer border (kPa/mm): springs for the perivascular tissue; 0 = traction free.")
    var outerSupport: Double = 0
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
        let preset = MooneyRivlinMaterial.preset(named: material) ?? .vesselWall
        options.material = MooneyRivlinMaterial(c1: c1 ?? preset.c1, d1: d1 ?? preset.d1, d2: d2 ?? preset.d2)
        options.outerSupportStiffness = outerSupport
        options.residualTolerance = tolerance
        options.maximumIterations = maxIterations
        if let reuseFactorizationBelow { options.factorizationReuseThreshold = reuseFactorizationBelow }
        return options
    }

    func validate() throws {
        guard MooneyRivlinMaterial.preset(named: material) != nil else {
            throw ValidationError("unknown --material '\(material)' (have: \(MooneyRivlinMaterial.presets.map(\.name).joined(separator: ", ")))")
        }
        do { try solverOptions().validate() } catch { throw ValidationError("\(error)") }
    }
}
