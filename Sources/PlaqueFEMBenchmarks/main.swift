// Benchmarks of PlaqueFEM (not tests): prints medians over repeated runs.
//
//   swift run -c release plaquefem-bench [ring] [label] [accuracy] [--runs N] [--count N] [--threads T]
//                                        [borders] [--reference-size MM] [--steps N] [--tolerance T]
//                                        [--reuse-below R]
//                                        [pullback] [--data DIR] [--sizes 64,128,256,512] [--refinement] [--per-frame]
//                                        [oddmasks] [--count N] [--seed S] [--size PX] [--time-limit SECONDS] [--jobs J]
//                                        [components] [--count N] [--seed S] [--runs N]
//                                        [spans] [--count N] [--size PX] [--data DIR] [--sizes 512,1024] [--frames N] [--only TEXT]
//
// ring: [--mesh-sizes 0.1,0.05] [--ring-steps N (0: one load step)] [--ring-reuse-below R] full ring solves (mesh, setup, Newton along the waveform to systole, stress recovery)
// at several resolutions, with dofs, hoop-stress error and the time split.
// label: labels --count phantoms (default 200; 1200 for the paper's set size) read from PNG files,
// per-stage medians, throughput with 1 and 2 jobs, peak resident memory.
// accuracy: labels 64x64 masks of smooth walls of known shape (AccuracyStudy) and compares each map
// with the solution on the exact geometry (reference mesh size --reference-size, default 0.03 mm).
// borders: meshes --count phantoms of seeds 1 and 2026 with and without the pixel fit of the borders
// (area error, pixel centres on the wrong side of the smooth borders, how far the fit moves a lumen).
// pullback: the diastolic frames of a real IVUS pullback (--data DIR, default $PLAQUEFEM_IVUS_PULLBACK or
// ../shared/data/ivus-pullback) labeled from their contours on 64x64 and 512x512 grids and from masks
// rasterised from them at --sizes; per-frame medians by stage, dofs, failures, peak RSS; --refinement adds
// the default contour mesh against one with 4x the triangles; --per-frame prints each frame's mask-vs-contour
// differences; --blur S, --border-modes N and --scanner-resolution MM set the mask border smoothing.
// oddmasks: --count seeded odd masks (blobs, bumpy rings, holes, bridges, specks, one-pixel features,
// thresholded noise; OddMaskGenerator) through validate, mesh and solve with a per-mask time limit;
// the share labeled and the failures by reason, per kind.
// components: --count (default 40) component phantoms (`phantoms --components`, seed --seed), those with
// lipid or calcium labeled as class masks and as the one-material mask of the same wall, back to back,
// --runs times each; thread CPU time medians and the ratio (issue 15's goal: at most 2x).
// spans: the longest wall-clock span between two checks of a label's deadline (what a per-mask time limit
// can overrun by) on --count odd masks (default 200) of --size px, and on the pullback's frames (every --frames-th)
// from contours and as masks at --sizes, with contour meshes 15x finer, pixel-sized 512x512 mask meshes and an
// image at 80 mmHg; next to the mesh stage and the mean factorization per label.
// --steps (time steps to systole), --tolerance (Newton residual tolerance) and --reuse-below (chord
// steps below this relative residual, 0 = pure Newton) change the labeling options of label and
// accuracy, to measure what a cheaper solve costs in accuracy.
import CMalloc
import FEM
import Foundation
import Labeling
import Meshing
import Raster
import Sparse

struct Arguments {
    var suites: [String] = []
    var runs = 7
    var threads = 1
    var count = 200
    var referenceSize = 0.03
    var labeling = LabelingOptions()
    var data = ProcessInfo.processInfo.environment["PLAQUEFEM_IVUS_PULLBACK"] ?? "../shared/data/ivus-pullback"
    var sizes = [64, 128, 256, 512]
    var refinement = false
    var perFrame = false
    var meshSizes = [0.5, 0.25, 0.125, 0.1, 0.08334, 0.0625]
    var ringSolver = SolverOptions()
    var ringSteps = 2
    var seed: UInt64 = 0x1C0FFEE
    var size = 32
    var timeLimit = 60.0
    var jobs = 2
    var countGiven = false
    var frameStride = 1
    var only: String?

    init(_ arguments: [String]) {
        var k = 0
        while k < arguments.count {
            switch arguments[k] {
            case "--runs": k += 1; runs = max(1, Int(arguments[k]) ?? runs)
            case "--threads": k += 1; threads = max(1, Int(arguments[k]) ?? threads)
            case "--count": k += 1; count = max(1, Int(arguments[k]) ?? count); countGiven = true
            case "--seed": k += 1; seed = UInt64(arguments[k]) ?? seed
            case "--size": k += 1; size = max(8, Int(arguments[k]) ?? size)
            case "--time-limit": k += 1; timeLimit = Double(arguments[k]) ?? timeLimit
            case "--jobs": k += 1; jobs = max(1, Int(arguments[k]) ?? jobs)
            case "--frames": k += 1; frameStride = max(1, Int(arguments[k]) ?? frameStride)
            case "--only": k += 1; only = arguments[k]
            case "--reference-size": k += 1; referenceSize = Double(arguments[k]) ?? referenceSize
            case "--steps": k += 1; labeling.stepsToSystole = max(1, Int(arguments[k]) ?? labeling.stepsToSystole)
            case "--reuse-below": k += 1; labeling.solver.factorizationReuseThreshold = Double(arguments[k]) ?? labeling.solver.factorizationReuseThreshold
            case "--data": k += 1; data = arguments[k]
            case "--sizes": k += 1; sizes = arguments[k].split(separator: ",").compactMap { Int($0) }
            case "--refinement": refinement = true
            case "--per-frame": perFrame = true
            case "--blur": k += 1; labeling.meshing.blurSigma = Double(arguments[k]) ?? labeling.meshing.blurSigma
            case "--scanner-resolution": k += 1; labeling.meshing.scannerResolution = Double(arguments[k]) ?? labeling.meshing.scannerResolution
            case "--mesh-sizes": k += 1; meshSizes = arguments[k].split(separator: ",").compactMap { Double($0) }
            case "--ring-steps": k += 1; ringSteps = max(0, Int(arguments[k]) ?? ringSteps)
            case "--ring-reuse-below": k += 1; ringSolver.factorizationReuseThreshold = Double(arguments[k]) ?? 0
            case "--circumferential": k += 1; labeling.contourMeshing.sizing.circumferentialElements = Double(arguments[k]) ?? 96
            case "--across": k += 1; labeling.contourMeshing.sizing.elementsAcrossWall = Double(arguments[k]) ?? 2
            case "--border-modes": k += 1; labeling.meshing.maximumBorderModes = Int(arguments[k]) ?? 32
            case "--tolerance": k += 1; labeling.solver.residualTolerance = Double(arguments[k]) ?? labeling.solver.residualTolerance
            default:
                // A misspelt or unknown flag would otherwise be taken for a suite name and its value for another.
                guard !arguments[k].hasPrefix("-") else {
                    FileHandle.standardError.write("plaquefem-bench: unknown option '\(arguments[k])' (see the comment at the top of Sources/PlaqueFEMBenchmarks/main.swift)\n".data(using: .utf8)!)
                    exit(2)
                }
                suites.append(arguments[k])
            }
            k += 1
        }
        if suites.isEmpty { suites = ["ring"] }
    }
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
}

func seconds(_ d: Duration) -> Double {
    let (s, atto) = d.components
    return Double(s) + Double(atto) * 1e-18
}

/// CPU time of the calling thread (s): less disturbed than wall time when other processes share the cores.
func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + 1e-9 * Double(t.tv_nsec)
}

func ringBenchmark(runs: Int, meshSizes: [Double], steps: Int, options: SolverOptions) throws {
    print("Ring R_i = 1 mm, R_o = 2 mm: mesh + setup + Newton to systole (120 mmHg, "
          + (steps == 0 ? "one load step from the unloaded ring" : "along the default waveform: initial ramp then \(steps) time steps") + ")")
    print("+ nodal stress recovery; \(runs) runs per size, medians. Errors as in `verify ring`:")
    print("inner = hoop stress averaged over the lumen nodes, node = worst lumen node, L2 = over the wall.")
    print("Newton: linear solves per step; fact = factorizations per solve (chord steps below \(options.factorizationReuseThreshold), 0 = pure Newton);")
    print("slope = log(total time ratio) / log(dofs ratio) against the previous size; cpu = CPU time of the solving thread (median).")
    print("mesh size mm  dofs    inner err  node err   L2 err     Newton    fact  setup ms  solve ms  factor ms  assembly ms  total ms  min..max ms  cpu ms  slope  solver")
    var previous: (dofs: Int, total: Double)?
    let schedule = steps == 0
        ? LoadSchedule.constant(pressureKPa: 120 * kilopascalsPerMillimetreOfMercury)
        : try LoadSchedule.toSystole(.physiological, steps: steps)
    for h in meshSizes {
        let check = try RingVerification(meshSize: h, stepsToSystole: steps, options: options).run()
        var setup: [Double] = [], solve: [Double] = [], factor: [Double] = [], assembly: [Double] = [], total: [Double] = []
        var factorizations = 0, solverName = "", cpu: [Double] = []
        for _ in 0..<runs {
            let c0 = threadCPUSeconds()
            let t0 = ContinuousClock.now
            let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: h)
            let solver = try WallSolver(mesh: mesh, options: options)
            let t1 = ContinuousClock.now
            let solution = try solver.solve(schedule)
            let t2 = ContinuousClock.now
            cpu.append(threadCPUSeconds() - c0)
            setup.append(seconds(t1 - t0))
            solve.append(seconds(t2 - t1))
            total.append(seconds(t2 - t0))
            factor.append(solution.report.factorizationSeconds)
            assembly.append(solution.report.assemblySeconds)
            factorizations = solution.report.steps.map(\.factorizations).reduce(0, +)
            solverName = String(solution.report.linearSolver.prefix(while: { $0 != "(" }))
        }
        let iterations = check.report.iterationsPerStep.map(String.init).joined(separator: "+")
        let slope = previous.map { log(median(total) / $0.total) / log(Double(check.degreesOfFreedom) / Double($0.dofs)) }
        previous = (check.degreesOfFreedom, median(total))
        print(String(format: "%-13.4f %-7d %-10.2e %-10.2e %-10.2e %-9@ %-5d %-9.1f %-9.1f %-10.1f %-12.1f %-9.1f %-12@ %-7.1f %-6@ %@",
                     h, check.degreesOfFreedom, check.hoopStressRelativeError, check.hoopStressMaximumNodeError,
                     check.hoopStressL2RelativeError, iterations as NSString, factorizations,
                     1000 * median(setup), 1000 * median(solve), 1000 * median(factor), 1000 * median(assembly),
                     1000 * median(total), String(format: "%.1f..%.1f", 1000 * total.min()!, 1000 * total.max()!) as NSString, 1000 * median(cpu),
                     (slope.map { String(format: "%.2f", $0) } ?? "-") as NSString, solverName as NSString))
    }
}

/// Thread-safe collection of per-mask results for the parallel labeling benchmark.
final class LabelResults: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private(set) var timings: [LabelTimings] = []
    private(set) var reports: [(report: SolveReport, degreesOfFreedom: Int)] = []
    private(set) var failures = 0

    func claim(below count: Int) -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            next += 1
            return next - 1
        }
    }

    func record(_ label: StressLabel?) {
        lock.withLock {
            if let label {
                timings.append(label.timings)
                reports.append((label.report, label.degreesOfFreedom))
            } else {
                failures += 1
            }
        }
    }
}

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux reports kilobytes
}

func labelBenchmark(count: Int, options: LabelingOptions) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-bench-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let generator = try PhantomGenerator(seed: 1)
    var paths: [String] = []
    for phantom in generator.phantoms(in: 0..<count) {
        let path = directory.appendingPathComponent(String(format: "%05d.png", phantom.index)).path
        try PNGFile.write(mask: phantom.mask.wall, to: path)
        paths.append(path)
    }
    print("Labeling \(count) phantoms (seed 1, 64x64, 0.125 mm) from PNG files; \(options.stepsToSystole) steps to systole, tolerance \(options.solver.residualTolerance), factorization reuse below \(options.solver.factorizationReuseThreshold)")
    var readSeconds: [Double] = []
    var masks: [Mask] = []
    for path in paths {
        let t0 = ContinuousClock.now
        masks.append(try PNGFile.readMask(path: path))
        readSeconds.append(seconds(ContinuousClock.now - t0))
    }
    let labeler = FEMLabeler(options: options)
    let inputs = masks
    for jobs in [1, 2] {
        let results = LabelResults()
        let t0 = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while let index = results.claim(below: inputs.count) {
                results.record(try? labeler.label(inputs[index]))
            }
        }
        let wall = seconds(ContinuousClock.now - t0)
        let t = results.timings
        print(String(format: "--jobs %d: %.1f s, %.2f masks/s (1,200 masks: %.0f s); %d failed", jobs, wall, Double(count) / wall,
                     1200 * wall / Double(count), results.failures))
        print(String(format: "  per mask, median ms: read %.2f  validate %.2f  mesh %.2f  solve %.1f  rasterize %.2f  total %.1f",
                     1000 * median(readSeconds), 1000 * median(t.map(\.validate)), 1000 * median(t.map(\.mesh)),
                     1000 * median(t.map(\.solve)), 1000 * median(t.map(\.rasterize)),
                     1000 * (median(readSeconds) + median(t.map(\.total)))))
        let r = results.reports
        let setup = zip(t, r).map { $0.solve - $1.report.totalSeconds }
        let factorizations = r.map { Double($0.report.steps.map(\.factorizations).reduce(0, +)) }
        let linearSolves = r.map { Double($0.report.steps.map(\.linearSolves).reduce(0, +)) }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
        print(String(format: "  solve, median ms: setup %.1f  assembly %.1f  factorize %.1f  triangular solves %.1f; median dofs %.0f, factorizations per mask %.0f (mean %.2f), linear solves (mean %.2f); LU fallbacks %d",
                     1000 * median(setup), 1000 * median(r.map(\.report.assemblySeconds)),
                     1000 * median(r.map(\.report.factorizationSeconds)), 1000 * median(r.map(\.report.solveSeconds)),
                     median(r.map { Double($0.degreesOfFreedom) }), median(factorizations), mean(factorizations), mean(linearSolves),
                     r.filter { $0.report.linearSolver.contains("abandoned") }.count))
    }
    print(String(format: "peak resident memory of this process: %.0f MB", peakResidentMegabytes()))
}

func accuracyBenchmark(referenceSize: Double, options: LabelingOptions) throws {
    let study = AccuracyStudy(labeling: options, referenceMeshSize: referenceSize)
    print("Labeled 64x64 masks (0.125 mm, pixel-centre rasterization, labeling options as given) against the solution on the exact")
    print(String(format: "geometry (structured P2/P1 mesh, h = %.3f mm) sampled at the same wall pixel centres; max principal stress, kPa.", referenceSize))
    func column(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
    print("shape      cap mm  wall px  ref dofs  rel L2    label peak  ref peak  peak err  max px err  outside  border err px (lumen/outer)  run s")
    for geometry in ExactWallGeometry.standardCases {
        let t0 = ContinuousClock.now
        let r = try study.run(geometry)
        let t = seconds(ContinuousClock.now - t0)
        print(column(geometry.name, 11) + column(String(format: "%.3f", geometry.minimumThickness), 8)
              + column("\(r.wallPixels)", 9) + column("\(r.referenceDegreesOfFreedom)", 10)
              + column(String(format: "%.2f %%", 100 * r.relativeL2Error), 10) + column(String(format: "%.2f", r.labelPeak), 12)
              + column(String(format: "%.2f", r.referencePeak), 10) + column(String(format: "%+.2f %%", 100 * r.relativePeakError), 10)
              + column(String(format: "%.2f", r.maximumPixelError), 12) + column("\(r.pixelsOutsideLabelMesh)", 9)
              + column(String(format: "%.2f / %.2f", r.lumenBorderError / study.grid.pixelSize, r.outerBorderError / study.grid.pixelSize), 29)
              + String(format: "%.1f", t))
    }
}

func polygonContains(_ polygon: [Point], _ p: Point) -> Bool {
    var inside = false
    var j = polygon.count - 1
    for i in polygon.indices {
        let a = polygon[i], b = polygon[j]
        if (a.y > p.y) != (b.y > p.y), p.x < a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y) { inside.toggle() }
        j = i
    }
    return inside
}

func bordersBenchmark(count: Int) throws {
    print("Meshing the first \(count) phantoms of seeds 1 and 2026 (64x64, 0.125 mm) with and without the pixel fit of the borders:")
    print("meshed masks, worst |mesh area / pixel area - 1|, pixel centres on the wrong side of the smooth borders (wall centres")
    print("outside the wall + other centres inside it; total and worst mask), largest distance between the two lumen borders.")
    for seed in [UInt64(1), 2026] {
        let phantoms = try PhantomGenerator(seed: seed).phantoms(in: 0..<count)
        var results: [[MaskMeshResult?]] = [[], []]
        for (k, fits) in [false, true].enumerated() {
            var options = MaskMeshingOptions()
            options.fitsBordersToPixels = fits
            var meshed = 0, worstArea = 0.0, wrongTotal = 0, wrongWorst = 0
            var seconds0: [Double] = []
            for phantom in phantoms {
                let mask = phantom.mask.wall
                let t0 = ContinuousClock.now
                let result = try? MaskMesher(options).mesh(values: mask.pixels.map { Double($0) }, rows: mask.rows, columns: mask.columns,
                                                           pixelSize: mask.pixelSize)
                seconds0.append(seconds(ContinuousClock.now - t0))
                results[k].append(result)
                guard let result else { continue }
                meshed += 1
                worstArea = max(worstArea, abs(result.relativeAreaError))
                var wrong = 0
                for r in 0..<mask.rows {
                    for c in 0..<mask.columns {
                        let centre = mask.grid.center(row: r, column: c)
                        let p = Point(centre.x, centre.y)
                        let inWall = polygonContains(result.outerBorder, p) && !polygonContains(result.lumenBorder, p)
                        if inWall != mask[r, c] { wrong += 1 }
                    }
                }
                wrongTotal += wrong
                wrongWorst = max(wrongWorst, wrong)
            }
            print(String(format: "seed %4d  fit %@  meshed %d/%d  worst area error %.2f %%  wrong-side centres %d (worst mask %d)  mesh median %.2f ms",
                         seed, (fits ? "on " : "off") as NSString, meshed, count, 100 * worstArea, wrongTotal, wrongWorst, 1000 * median(seconds0)))
        }
        var shift = 0.0
        for (a, b) in zip(results[0], results[1]) {
            guard let a, let b else { continue }
            for p in b.lumenBorder { shift = max(shift, a.lumenBorder.map { $0.distance(to: p) }.min()!) }
        }
        print(String(format: "seed %4d  largest lumen border shift by the fit: %.3f mm (%.2f px)", seed, shift, shift / 0.125))
    }
}

let arguments = Arguments(Array(CommandLine.arguments.dropFirst()))
BLASThreads.set(arguments.threads)
// As in the plaquefem executable: keep factorization work arrays on the heap between Newton iterations.
_ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
_ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
for suite in arguments.suites {
    switch suite {
    case "ring": try ringBenchmark(runs: arguments.runs, meshSizes: arguments.meshSizes, steps: arguments.ringSteps, options: arguments.ringSolver)
    case "label": try labelBenchmark(count: arguments.count, options: arguments.labeling)
    case "accuracy": try accuracyBenchmark(referenceSize: arguments.referenceSize, options: arguments.labeling)
    case "borders": try bordersBenchmark(count: arguments.count)
    case "components":
        try ComponentMaskBenchmark(count: arguments.countGiven ? arguments.count : 40, seed: arguments.seed,
                                   runs: arguments.runs, options: arguments.labeling).run()
    case "oddmasks":
        OddMaskBenchmark(count: arguments.countGiven ? arguments.count : 5_000, seed: arguments.seed, size: arguments.size,
                         timeLimit: arguments.timeLimit, jobs: arguments.jobs, options: arguments.labeling).run()
    case "pullback":
        guard FileManager.default.fileExists(atPath: arguments.data) else {
            FileHandle.standardError.write("pullback: no data at \(arguments.data) (set --data or PLAQUEFEM_IVUS_PULLBACK)\n".data(using: .utf8)!)
            exit(2)
        }
        try PullbackBenchmark(directory: arguments.data, options: arguments.labeling, perFrame: arguments.perFrame)
            .run(sizes: arguments.sizes, refinementCheck: arguments.refinement)
    case "spans":
        try SpanBenchmark(directory: arguments.data, count: arguments.countGiven ? arguments.count : 200, seed: arguments.seed,
                          size: arguments.size, sizes: arguments.sizes, frameStride: arguments.frameStride, only: arguments.only,
                          options: arguments.labeling).run()
    case "physical":
        guard FileManager.default.fileExists(atPath: arguments.data) else {
            FileHandle.standardError.write("physical: no data at \(arguments.data) (set --data or PLAQUEFEM_IVUS_PULLBACK)\n".data(using: .utf8)!)
            exit(2)
        }
        try PhysicalLabelBenchmark(pullback: PullbackBenchmark(directory: arguments.data, options: arguments.labeling), runs: arguments.runs).run()
    default:
        FileHandle.standardError.write("unknown benchmark '\(suite)'; available: ring, label, accuracy, borders, components, pullback, physical, oddmasks, spans\n".data(using: .utf8)!)
        exit(2)
    }
}
