import Foundation
import Labeling
import Meshing
import Raster

/// The real-data benchmark: the diastolic frames of an IVUS pullback (lumen and EEM contour files)
/// labeled from contours on 64x64 and 512x512 grids, and from masks rasterised from the same
/// contours at 64 to 512 pixels; per-frame medians by stage, dofs, failures, peak RSS.
struct PullbackBenchmark {
    var directory: String
    var lumenFile = "diastolic_contours.csv"
    var outerFile = "eem_diastolic_contours.csv"
    var options: LabelingOptions
    /// Print the mask-against-contour differences of every frame, not only their median and maximum.
    var perFrame = false

    /// The pullback's checked frames.
    func frames() throws -> [(frame: Int, borders: Result<WallBorders, ContourError>)] {
        let lumens = try BorderContourFile.read(at: (directory as NSString).appendingPathComponent(lumenFile))
        let outers = try BorderContourFile.read(at: (directory as NSString).appendingPathComponent(outerFile))
        return WallBorders.pair(lumens: lumens, outers: outers)
    }

    /// The field of view of `label --lumen/--eem` with its defaults: the largest EEM extent plus 10 % on each side.
    static func fieldOfView(_ frames: [WallBorders]) -> Double {
        1.2 * frames.map { b in
            let (lo, hi) = b.outerBounds
            return max(hi.x - lo.x, hi.y - lo.y)
        }.max()!
    }

    struct Row {
        var frame: Int
        var label: StressLabel?
        var failure: String?
    }

    /// Labels every frame from its contours on `size` x `size` grids.
    func labelContours(_ frames: [WallBorders], size: Int, labeler: FEMLabeler) -> [Row] {
        let side = Self.fieldOfView(frames)
        return frames.map { borders in
            let placement = FramePlacement.centred(on: borders, side: side, size: size)!
            do { return Row(frame: borders.frame, label: try labeler.label(borders, on: placement)) } catch {
                return Row(frame: borders.frame, failure: "\(error)")
            }
        }
    }

    /// The wall of each frame rasterised at the pixel centres of its `size` x `size` grid (as a mask file would hold it).
    static func masks(_ frames: [WallBorders], size: Int) -> [(placement: FramePlacement, mask: Mask)] {
        let side = fieldOfView(frames)
        return frames.map { borders in
            let placement = FramePlacement.centred(on: borders, side: side, size: size)!
            return (placement, placement.wall(of: borders))
        }
    }

    /// Labels every frame from its rasterised mask.
    func labelMasks(_ frames: [WallBorders], size: Int, labeler: FEMLabeler) -> [Row] {
        zip(frames, Self.masks(frames, size: size)).map { borders, item in
            do { return Row(frame: borders.frame, label: try labeler.label(item.mask)) } catch {
                return Row(frame: borders.frame, failure: "\(error)")
            }
        }
    }

    func printSummary(_ title: String, _ rows: [Row]) {
        let labels = rows.compactMap(\.label)
        var line = String(format: "%-22@ %2d/%-3d", title as NSString, labels.count, rows.count)
        if !labels.isEmpty {
            let t = labels.map(\.timings)
            let dofs = labels.map { Double($0.degreesOfFreedom) }
            let factorizations = labels.map { Double($0.report.steps.map(\.factorizations).reduce(0, +)) }
            line += String(format: "  mesh %7.1f  solve %7.1f  sample %6.1f  total %7.1f ms   dofs %6.0f (max %6.0f)  factorizations %4.1f",
                           1000 * median(t.map(\.mesh)), 1000 * median(t.map(\.solve)), 1000 * median(t.map(\.rasterize)),
                           1000 * median(t.map(\.total)), median(dofs), dofs.max()!, median(factorizations))
        }
        line += String(format: "  peak RSS so far %.0f MB", peakResidentMegabytes())
        print(line)
        var reasons: [String: [Int]] = [:]
        for row in rows { if let failure = row.failure { reasons[String(failure.prefix(90)), default: []].append(row.frame) } }
        for (reason, frames) in reasons.sorted(by: { $0.value.count > $1.value.count }) {
            print("    failed \(frames.count)x (frames \(frames.map(String.init).joined(separator: " "))): \(reason)")
        }
    }

    func run(sizes: [Int], refinementCheck: Bool) throws {
        let all = try frames()
        let frames = all.compactMap { try? $0.borders.get() }
        print("IVUS pullback \(directory): \(all.count) frames, \(frames.count) with valid lumen and EEM contours; one job, per-frame medians.")
        for (frame, result) in all { if case .failure(let error) = result { print("  frame \(frame): \(error)") } }
        let labeler = FEMLabeler(options: options)
        var contourLabels: [Int: [Row]] = [:]
        print("input                  labeled  time per frame (median)")
        for size in [64, 512] where sizes.contains(size) {
            let rows = labelContours(frames, size: size, labeler: labeler)
            contourLabels[size] = rows
            printSummary("contours, \(size)x\(size) grid", rows)
        }
        for size in sizes {
            let rows = labelMasks(frames, size: size, labeler: labeler)
            printSummary("mask \(size)x\(size)", rows)
            if let contours = contourLabels[size] {
                let d = zip(rows, contours).compactMap { a, b in a.label.flatMap { x in b.label.map { x.difference(from: $0) } } }
                if !d.isEmpty {
                    print(String(format: "    mask vs contour map, same grid: rel L2 median %.2f %% (max %.2f %%), peak median %.2f %% (max %.2f %%)",
                                 100 * median(d.map(\.relativeL2)), 100 * d.map(\.relativeL2).max()!, 100 * median(d.map(\.relativePeak)), 100 * d.map(\.relativePeak).max()!))
                }
                if perFrame {
                    for (row, contour) in zip(rows, contours) {
                        guard let mask = row.label, let exact = contour.label else { continue }
                        let difference = mask.difference(from: exact)
                        print(String(format: "      frame %4d: rel L2 %5.2f %%, peak %+6.2f %% (contour peak %.1f kPa)",
                                     row.frame, 100 * difference.relativeL2, 100 * (Double(mask.peak) / Double(exact.peak) - 1), Double(exact.peak)))
                    }
                }
            }
        }
        guard refinementCheck else { return }
        // Mesh convergence: the default contour mesh against one with every length halved (4x the triangles).
        var refined = options
        refined.contourMeshing.sizing = options.contourMeshing.sizing.refined(by: 2)
        let fine = FEMLabeler(options: refined)
        for size in [64, 512] where sizes.contains(size) {
            let rows = labelContours(frames, size: size, labeler: fine)
            printSummary("contours x2, \(size)", rows)
            let d = zip(contourLabels[size]!, rows).compactMap { a, b in a.label.flatMap { x in b.label.map { x.difference(from: $0) } } }
            if !d.isEmpty {
                print(String(format: "    default vs 4x-area mesh: rel L2 median %.2f %% (max %.2f %%), peak median %.2f %% (max %.2f %%)",
                             100 * median(d.map(\.relativeL2)), 100 * d.map(\.relativeL2).max()!, 100 * median(d.map(\.relativePeak)), 100 * d.map(\.relativePeak).max()!))
            }
        }
    }
}
