import ArgumentParser
import FEM
import Foundation
import Meshing

/// `plaquefem solve`: solve a mesh file under the pulsatile lumen pressure.
struct SolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Solve a wall mesh (.msh with 'lumen' and 'outer' borders) under the pulsatile lumen pressure.",
        discussion: """
            The load follows the waveform from end-diastole to the systolic peak (default: the built-in \
            physiological 80/120 mmHg waveform). --waveform reads 'time_s,pressure_mmHg' lines. \
            --full-cycle N solves the whole cycle in N time steps and keeps every time point.
            Example: plaquefem solve meshes/eccentric-plaque.msh --output plaque.vtu
            """
    )

    @Argument(help: "Mesh file (Gmsh 4.1 ASCII).")
    var mesh: String
    @Option(help: "Systolic pressure (mmHg) of the built-in waveform.")
    var systolic: Double = 120
    @Option(help: "Diastolic pressure (mmHg) of the built-in waveform.")
    var diastolic: Double = 80
    @Option(help: "Waveform CSV file with 'time_s,pressure_mmHg' lines (overrides --systolic/--diastolic).")
    var waveform: String?
    @Option(help: "Time steps from end-diastole to systole.")
    var steps: Int = 2
    @Option(help: "Solve the whole cardiac cycle in this many time steps and keep every time point.")
    var fullCycle: Int?
    @Option(help: "Write the systolic fields to this VTU file (with --full-cycle: one file per time point, numbered).")
    var output: String?
    @Option(help: "Take the mesh as the wall loaded to this pressure (mmHg, or 'diastolic'): unload it first (inverse elastostatics), then load the unloaded geometry.")
    var imagePressure: String?
    @Flag(help: "Print JSON instead of text.")
    var json = false
    @OptionGroup var solver: SolverOptionGroup

    func validate() throws {
        guard diastolic >= 0, systolic >= diastolic, systolic <= 1000 else {
            throw ValidationError("need 0 <= --diastolic <= --systolic <= 1000 mmHg")
        }
        guard (1...1000).contains(steps) else { throw ValidationError("--steps must be in 1...1000") }
        if let fullCycle, !(1...10000).contains(fullCycle) { throw ValidationError("--full-cycle must be in 1...10000") }
    }

    func run() throws {
        let wall = try GmshFile.read(from: mesh)
        let pressure: PressureWaveform
        if let waveform {
            let text: String
            do { text = try String(contentsOfFile: waveform, encoding: .utf8) } catch {
                throw ValidationError("cannot read waveform file \(waveform): \(error.localizedDescription)")
            }
            pressure = try PressureWaveform(csv: text)
        } else {
            pressure = try PressureWaveform.physiological.rescaled(diastolic: diastolic, systolic: systolic)
        }
        let schedule = try fullCycle.map { try LoadSchedule.fullCycle(pressure, steps: $0) } ?? LoadSchedule.toSystole(pressure, steps: steps)
        let solution: WallSolution
        var unloading: [String: Any] = [:]
        var unloadingText: [String] = []
        if let imagePressure {
            let mmHg = imagePressure == "diastolic" ? pressure.initialPressure : Double(imagePressure) ?? -1
            guard mmHg > 0, mmHg.isFinite else {
                throw ValidationError("--image-pressure must be a pressure in mmHg > 0 or 'diastolic', got '\(imagePressure)'")
            }
            let loaded = try LoadedImageSolver(mesh: wall, options: solver.solverOptions())
                .solve(imagePressureKPa: mmHg * kilopascalsPerMillimetreOfMercury, schedule: schedule)
            solution = loaded.solution
            let change = loaded.lumenArea(of: loaded.solution.systole) / loaded.lumenArea(of: loaded.imageSnapshot) - 1
            let fraction = loaded.unloaded.unloadedLumenArea / loaded.unloaded.imageLumenArea
            unloading = ["image_pressure_mmhg": mmHg, "unloaded_lumen_fraction": fraction, "mismatch_mm": loaded.mismatch,
                         "lumen_area_change_to_systole": change, "unloading_iterations": loaded.unloaded.report.iterationsPerStep]
            unloadingText = ["unloading (inverse elastostatics, image at \(String(format: "%.1f", mmHg)) mmHg):",
                             RingOutput.newtonTable(loaded.unloaded.report),
                             String(format: "unloaded lumen %.4f of the image's; image reproduced within %.2e um; lumen area %+.2f %% from the image to systole",
                                    fraction, loaded.mismatch * 1000, 100 * change)]
        } else {
            solution = try WallSolver(mesh: wall, options: solver.solverOptions()).solve(schedule)
        }
        var written: [String] = []
        if let output {
            if solution.snapshots.count == 1 {
                try SolutionVTU.write(solution: solution, snapshot: solution.systole, to: output)
                written.append(output)
            } else {
                let stem = output.hasSuffix(".vtu") ? String(output.dropLast(4)) : output
                for (k, snapshot) in solution.snapshots.enumerated() {
                    let path = String(format: "%@-%04d.vtu", stem, k)
                    try SolutionVTU.write(solution: solution, snapshot: snapshot, to: path)
                    written.append(path)
                }
            }
        }
        let rows = solution.snapshots.map { s -> [String: Any] in
            [
                "time_s": s.time, "pressure_kpa": s.pressureKPa, "pressure_mmhg": s.pressureKPa / kilopascalsPerMillimetreOfMercury,
                "peak_max_principal_kpa": s.nodalStress.map(\.maximumPrincipal).max() ?? 0,
                "peak_von_mises_kpa": s.nodalStress.map(\.vonMises).max() ?? 0,
            ]
        }
        if json {
            var object: [String: Any] = [
                "mesh": mesh, "dofs": solution.report.degreesOfFreedom, "snapshots": rows,
                "newton_iterations_per_step": solution.report.iterationsPerStep, "cutbacks": solution.report.cutbacks,
                "reactions": solution.report.reactions, "solve_time_s": solution.report.totalSeconds, "written": written,
            ]
            if !unloading.isEmpty { object["unloading"] = unloading }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("\(mesh): \(wall.triangles.count) triangles, \(solution.report.degreesOfFreedom) dofs")
        for line in unloadingText { print(line) }
        print(RingOutput.newtonTable(solution.report))
        print("  time s   p mmHg    peak max-principal kPa   peak von Mises kPa")
        for s in solution.snapshots {
            print(String(format: "  %-8.3f %-9.2f %-24.3f %.3f", s.time, s.pressureKPa / kilopascalsPerMillimetreOfMercury,
                         s.nodalStress.map(\.maximumPrincipal).max() ?? 0, s.nodalStress.map(\.vonMises).max() ?? 0))
        }
        print(String(format: "solve time %.1f ms; reactions %@ (kPa mm)", solution.report.totalSeconds * 1000,
                     solution.report.reactions.map { String(format: "%.1e", $0) }.joined(separator: ", ")))
        for path in written { print("wrote \(path)") }
    }
}
