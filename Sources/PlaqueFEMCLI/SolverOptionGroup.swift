import ArgumentParser
import FEM
import Meshing

/// Material and Newton options shared by the commands that solve.
struct SolverOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Wall material preset (\(MooneyRivlinMaterial.presets.map(\.name).joined(separator: ", "))), or NAME=C1,D1,D2 for NAME wall, lipid or calcium (kPa, kPa, -; D1 = 0: neo-Hookean); repeatable.",
        discussion: MooneyRivlinMaterial.presets.map { "\($0.name): \($0.summary)" }.joined(separator: "\n")
            + "\nComponent defaults: lipid c1 0.5 kPa, D1 0.5 kPa, D2 1.5; calcium c1 92 kPa, D1 36 kPa, D2 2 (docs/labeling.md gives the sources)."))
    var material: [String] = ["paper"]
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
        let presetName = material.last { !$0.contains("=") } ?? "paper"
        let preset = MooneyRivlinMaterial.preset(named: presetName) ?? .vesselWall
        options.material = MooneyRivlinMaterial(c1: c1 ?? preset.c1, d1: d1 ?? preset.d1, d2: d2 ?? preset.d2)
        for entry in material {
            if let (component, constants) = try? Self.componentMaterial(entry) { options.setMaterial(constants, of: component) }
        }
        options.outerSupportStiffness = outerSupport
        options.residualTolerance = tolerance
        options.maximumIterations = maxIterations
        if let reuseFactorizationBelow { options.factorizationReuseThreshold = reuseFactorizationBelow }
        return options
    }

    /// `NAME=C1,D1,D2` (NAME wall, lipid or calcium; kPa, kPa, dimensionless) as a component and its material.
    static func componentMaterial(_ entry: String) throws -> (TissueComponent, MooneyRivlinMaterial) {
        let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let component = TissueComponent(name: parts[0].trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--material '\(entry)': expected a preset or NAME=C1,D1,D2 with NAME wall, lipid or calcium")
        }
        let values = parts[1].split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 3, let c1 = values[0], let d1 = values[1], let d2 = values[2] else {
            throw ValidationError("--material '\(entry)': expected three numbers C1,D1,D2 (kPa, kPa, -), e.g. calcium=92,36,2")
        }
        let m = MooneyRivlinMaterial(c1: c1, d1: d1, d2: d2)
        do { try m.validate() } catch { throw ValidationError("--material '\(entry)': \(error)") }
        return (component, m)
    }

    func validate() throws {
        for entry in material {
            if entry.contains("=") {
                _ = try Self.componentMaterial(entry)
            } else if MooneyRivlinMaterial.preset(named: entry) == nil {
                throw ValidationError("unknown --material '\(entry)' (have: \(MooneyRivlinMaterial.presets.map(\.name).joined(separator: ", ")), or NAME=C1,D1,D2)")
            }
        }
        do { try solverOptions().validate() } catch { throw ValidationError("\(error)") }
    }
}
