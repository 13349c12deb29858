import FEM
import Foundation
import Labeling
import Meshing

/// The cost of physical labels on the pullback's diastolic frames (contours, 64x64 grids): per frame,
/// the unloading (inverse elastostatics to the image pressure) against one forward solve of the same
/// mesh and material (the goal: at most 5), and a per-file calibration against labeling 10
/// frames. Medians over `runs` repetitions of each timing, in CPU seconds of the calling thread (the
/// solves are single-threaded), so that the ratios hold on a busy machine.
struct PhysicalLabelBenchmark {
    var pullback: PullbackBenchmark
    var runs: Int
    var materials = ["paper", "paper-x10"]

    func run() throws {
        let frames = try pullback.frames().compactMap { try? $0.borders.get() }
        let side = PullbackBenchmark.fieldOfView(frames)
        let labeler = FEMLabeler(options: pullback.options)
        let meshes = frames.compactMap { borders -> (frame: Int, mesh: TriangleMesh)? in
            guard let placement = FramePlacement.centred(on: borders, side: side, size: 64),
                  let mesh = try? labeler.wallMesh(of: placement.local(borders)).mesh else { return nil }
            return (borders.frame, mesh)
        }
        let options = pullback.options
        let imagePressure = options.waveform.initialPressure * kilopascalsPerMillimetreOfMercury
        let schedule = try LoadSchedule.toSystole(options.waveform, steps: options.stepsToSystole)
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        func cpu() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec)
        }
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let start = cpu()
            try body()
            return cpu() - start
        }
        print("Physical labels on \(meshes.count) pullback frames (contours, 64x64 grids), medians over \(runs) runs per timing, thread CPU time")
        for name in materials {
            var solverOptions = options.solver
            solverOptions.material = MooneyRivlinMaterial.preset(named: name)!
            var ratios: [Double] = [], forwardTimes: [Double] = [], unloadTimes: [Double] = [], failed = 0
            for (_, mesh) in meshes {
                var forward: [Double] = [], unload: [Double] = []
                var ok = true
                for _ in 0..<runs {
                    forward.append(try seconds { _ = try WallSolver(mesh: mesh, options: solverOptions).solve(schedule) })
                    do {
                        unload.append(try seconds {
                            _ = try LoadedImageSolver(mesh: mesh, options: solverOptions).unloadedGeometry(imagePressureKPa: imagePressure)
                        })
                    } catch {
                        ok = false
                        break
                    }
                }
                guard ok else { failed += 1; continue }
                forwardTimes.append(median(forward))
                unloadTimes.append(median(unload))
                ratios.append(median(unload) / median(forward))
            }
            print(String(format: "  %@: %d frames unloaded (%d without an unloaded geometry); forward solve %.1f ms, unloading %.1f ms (medians); "
                         + "unloading / forward solve: median %.2f, max %.2f", name, ratios.count, failed, 1000 * median(forwardTimes),
                         1000 * median(unloadTimes), median(ratios), ratios.max() ?? .nan))
        }
        // Calibration: 3 frames spread over the file, as label --calibrate-area-change does, against labeling 10 frames.
        var calibrationOptions = options
        calibrationOptions.imagePressureMmHg = options.waveform.initialPressure
        let picks = (0..<3).map { meshes[(2 * $0 + 1) * meshes.count / 6].mesh }
        var calibrations: [Double] = [], trials = 0, scale = 0.0, history: [Evaluation] = []
        for _ in 0..<runs {
            calibrations.append(try seconds {
                let result = try StiffnessCalibration(options: calibrationOptions).calibrate(target: 0.05, meshes: picks)
                trials = result.history.count
                scale = result.scale
                history = result.history
            })
        }
        print("  calibration trials (factor -> mean change): "
              + history.map { String(format: "%.5g -> %.5f %%", $0.scale, 100 * $0.meanAreaChange) }.joined(separator: ", "))
        calibrationOptions.stiffnessScale = scale
        let physical = FEMLabeler(options: calibrationOptions)
        var labelTimes: [Double] = []
        for borders in frames {
            guard let placement = FramePlacement.centred(on: borders, side: side, size: 64) else { continue }
            if let t = try? seconds({ _ = try physical.label(borders, on: placement) }) { labelTimes.append(t) }
        }
        print(String(format: "  calibration to +5 %% (3 frames, from paper): factor %.4g in %d trials, %.2f s (median); labeling one frame "
                     + "with it: %.0f ms (median of %d): calibration = %.1f frames (goal <= 10)", scale, trials, median(calibrations),
                     1000 * median(labelTimes), labelTimes.count, median(calibrations) / median(labelTimes)))
    }
}
