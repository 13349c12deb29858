import FEM
import Foundation
import Labeling
import Meshing
import Raster

/// `spans`: how far a per-mask time limit can overrun. Every input is labeled with a `DeadlineProbe`
/// that never ends the label but records the longest wall-clock span between two successive checks
/// of the deadline (from the label's start, and up to its return): the longest stretch no time limit
/// can interrupt. Per configuration it prints the worst input's span and where it lies (the two
/// checks), next to the mesh stage (before the mesher checked inside, one span) and the longest
/// single factorization (which stays one span: SuiteSparse and MUMPS cannot be interrupted).
///
/// Inputs: odd masks (`OddMaskGenerator`, --count, --seed, --size), and the pullback's frames
/// (--data) from contours and as rasterised masks at --sizes, plus two heavy settings: contour
/// meshes about 15x finer (`--circumferential` default x 4 and 8 elements across the wall) and
/// 512 x 512 masks meshed at the pixel size (no geometric sizing, the mesher's budget of 40,000
/// triangles binds), and the unloaded geometry (image at 80 mmHg). --frames N uses every N-th frame;
/// --only TEXT runs only the configurations whose title contains TEXT.
struct SpanBenchmark {
    var directory: String
    var count: Int
    var seed: UInt64
    var size: Int
    var sizes: [Int]
    var frameStride: Int
    var only: String?
    var options: LabelingOptions

    /// One labeled (or refused) input.
    struct Measurement {
        var name: String
        var seconds: Double
        var label: StressLabel?
        var failure: String?
        var longest: DeadlineProbe.Span?
        /// The longest span between each pair of check sites.
        var spans: [DeadlineProbe.Span] = []
        var checks: Int
    }

    /// Labels with a fresh probe and records the longest span, the tail after the last check included.
    static func measure(_ name: String, _ body: (Deadline) throws(LabelingFailure) -> StressLabel) -> Measurement {
        let probe = DeadlineProbe()
        let deadline = Deadline(nil, probe: probe)
        let start = ContinuousClock.now
        var measurement = Measurement(name: name, seconds: 0, checks: 0)
        do throws(LabelingFailure) { measurement.label = try body(deadline) } catch { measurement.failure = "\(error)" }
        // The span from the last check to the return (sampling, rasterising) counts too.
        _ = deadline.isExpired()
        measurement.seconds = seconds(ContinuousClock.now - start)
        measurement.longest = probe.longestSpan
        measurement.spans = probe.longestSpansBySites
        measurement.checks = probe.checks
        return measurement
    }

    /// One line per configuration: the worst span over its inputs, where, and the stage times around it.
    static func summarize(_ title: String, _ rows: [Measurement]) {
        let labeled = rows.filter { $0.label != nil }
        let worst = rows.max { ($0.longest?.seconds ?? 0) < ($1.longest?.seconds ?? 0) }
        let slowest = rows.map(\.seconds).max() ?? 0
        let slowestRefused = rows.filter { $0.failure != nil }.max { $0.seconds < $1.seconds }
        let mesh = labeled.map(\.label!.timings.mesh).max() ?? 0
        // The longest single factorization is not recorded; the mean per label bounds it from below.
        let factorization = labeled.map { label -> Double in
            let report = label.label!.report
            let count = report.steps.map(\.factorizations).reduce(0, +)
            return count > 0 ? report.factorizationSeconds / Double(count) : 0
        }.max() ?? 0
        let dofs = labeled.map(\.label!.degreesOfFreedom).max() ?? 0
        let triangles = labeled.map(\.label!.triangles).max() ?? 0
        print(String(format: "%@ %3d/%-3d labeled  slowest %7.3f s  max mesh stage %7.3f s  max mean factorization %7.3f s  max dofs %7d  max triangles %6d",
                     title.padding(toLength: 34, withPad: " ", startingAt: 0) as NSString, labeled.count, rows.count, slowest, mesh,
                     factorization, dofs, triangles))
        if let slowestRefused, slowestRefused.seconds > 0.1 {
            print(String(format: "    slowest refused input: %.3f s (%@: %@)", slowestRefused.seconds, slowestRefused.name as NSString,
                         String(slowestRefused.failure!.prefix(90)) as NSString))
        }
        if let worst, let span = worst.longest {
            print("    longest span between checks: \(span) (\(worst.name), \(worst.checks) checks, "
                  + (worst.failure.map { "failed: \($0.prefix(90))" } ?? "labeled") + ")")
            if let label = worst.label {
                print("    its solve: \(label.degreesOfFreedom) dofs, \(label.report.steps.map(\.factorizations).reduce(0, +)) factorizations, "
                      + "\(label.report.linearSolver.prefix(70))")
            }
        }
        // The longest spans by pair of check sites over all inputs: where the time goes between checks.
        var bySites: [String: (span: DeadlineProbe.Span, input: String)] = [:]
        for row in rows {
            for span in row.spans where span.seconds > bySites[span.from + " " + span.to]?.span.seconds ?? -1 {
                bySites[span.from + " " + span.to] = (span, row.name)
            }
        }
        for (span, input) in bySites.values.sorted(by: { $0.span.seconds > $1.span.seconds }).prefix(5) {
            print("      \(span) (\(input))")
        }
        // Failures by reason, numbers cut off.
        var failures: [String: Int] = [:]
        for row in rows {
            guard let failure = row.failure else { continue }
            let cut = failure.firstIndex(where: { $0.isNumber || $0 == "(" }) ?? failure.endIndex
            failures[String(failure[..<cut]), default: 0] += 1
        }
        for (reason, n) in failures.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) { print("    \(n) x \(reason)") }
    }

    func run() throws {
        print("spans: longest wall-clock span between two checks of a label's deadline (no limit set; a probe watches the checks)")
        let generator = OddMaskGenerator(seed: seed, size: size)
        let labeler = FEMLabeler(options: options)
        func runs(_ title: String) -> Bool { only.map { title.contains($0) } ?? true }
        if count > 0, runs("odd masks") {
            let rows = (0..<count).map { index in
                let (kind, mask) = generator.mask(at: index)
                return Self.measure("odd mask \(index) (\(kind.rawValue))") { deadline throws(LabelingFailure) in
                    try labeler.label(mask, deadline: deadline)
                }
            }
            Self.summarize("odd masks \(size)x\(size) (\(count))", rows)
        }
        guard FileManager.default.fileExists(atPath: directory) else {
            print("spans: no pullback data at \(directory); odd masks only")
            return
        }
        let pullback = PullbackBenchmark(directory: directory, options: options)
        let all = try pullback.frames().compactMap { try? $0.borders.get() }
        let frames = all.enumerated().filter { $0.offset % frameStride == 0 }.map(\.element)
        let side = PullbackBenchmark.fieldOfView(all)
        func contours(_ title: String, size: Int, labeler: FEMLabeler) {
            guard runs(title) else { return }
            let rows = frames.map { borders in
                let placement = FramePlacement.centred(on: borders, side: side, size: size)!
                return Self.measure("frame \(borders.frame)") { deadline throws(LabelingFailure) in
                    try labeler.label(borders, on: placement, deadline: deadline)
                }
            }
            Self.summarize(title, rows)
        }
        func masks(_ title: String, size: Int, labeler: FEMLabeler) {
            guard runs(title) else { return }
            let rows = frames.map { borders in
                let placement = FramePlacement.centred(on: borders, side: side, size: size)!
                let mask = placement.wall(of: borders)
                return Self.measure("frame \(borders.frame)") { deadline throws(LabelingFailure) in
                    try labeler.label(mask, deadline: deadline)
                }
            }
            Self.summarize(title, rows)
        }
        for size in sizes { contours("contours \(size)x\(size)", size: size, labeler: labeler) }
        for size in sizes { masks("masks \(size)x\(size)", size: size, labeler: labeler) }

        var fine = options
        fine.contourMeshing.sizing.circumferentialElements *= 4
        fine.contourMeshing.sizing.elementsAcrossWall = 8
        contours(String(format: "contours 512, %.0f around, 8 across", fine.contourMeshing.sizing.circumferentialElements), size: 512,
                 labeler: FEMLabeler(options: fine))

        var pixelSized = options
        pixelSized.meshing.geometricSizing = nil
        masks("masks 512, pixel-sized mesh", size: 512, labeler: FEMLabeler(options: pixelSized))

        var loaded = options
        loaded.imagePressureMmHg = 80
        contours("contours 512, image at 80 mmHg", size: 512, labeler: FEMLabeler(options: loaded))
    }
}
