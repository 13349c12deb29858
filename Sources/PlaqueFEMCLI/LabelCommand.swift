import ArgumentParser
import FEM
import Foundation
import Datasets
import Labeling
import Raster

extension StressMeasure: ExpressibleByArgument {}

/// `plaquefem label`: segmentation masks in, systolic stress maps out.
struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label vessel-wall masks with their systolic stress maps (finite elements).",
        discussion: """
            INPUT is any mix of PNG files (nonzero = wall) and .npy files (2D, or 3D stacks), or HDF5 \
            files with an (N, H, W) dataset (--dataset, default 'masks'). Each mask is validated, its \
            wall meshed with smooth sub-pixel borders, solved as an incompressible hyperelastic wall \
            under the pulsatile lumen pressure up to systole, and the stress sampled at the wall pixel \
            centres. A mask that fails gets status != 0 and its reason; the batch carries on.
            Example: plaquefem phantoms --count 20 --seed 1 --output masks.h5 && plaquefem label masks.h5 --output labels.h5 --png pictures
            """
    )

    @Argument(help: "Mask files (.png, .npy, .h5).")
    var inputs: [String]
    @Option(help: "Output HDF5 file. If it exists and was written by the same inputs and options, labeling resumes after its last committed row.")
    var output: String
    @Option(help: "Pixel size (mm).")
    var pixelSize: Double = PixelGrid.defaultPixelSize
    @Option(help: "Parallel labeling jobs (default: one per core).")
    var jobs: Int = min(64, ProcessInfo.processInfo.activeProcessorCount)
    @Option(help: "Stress measure: max-principal or von-mises.")
    var stress: StressMeasure = .maximumPrincipal
    @Option(help: "Also write each stress map as a PNG (mask | map with colorbar) into this folder.")
    var png: String?
    @Option(help: "Dataset holding the masks in HDF5 input.")
    var dataset: String = "masks"
    @Option(help: "Time steps from end-diastole to systole.")
    var steps: Int = 1
    @Option(help: "Label only shard K of N (inputs with index % N == K - 1), e.g. 2/8 in an array job; combine with 'plaquefem merge'.")
    var shard: String?
    @Option(help: ArgumentHelp("Seconds between commits of finished rows (a killed run keeps every committed row).", visibility: .hidden))
    var commitInterval: Double = 2
    @Flag(help: "Replace an existing output file instead of resuming it.")
    var overwrite = false
    @OptionGroup var solver: SolverOptionGroup

    func validate() throws {
        guard pixelSize > 0, pixelSize.isFinite else { throw ValidationError("--pixel-size must be positive") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be in 1...64") }
        guard (1...100).contains(steps) else { throw ValidationError("--steps must be in 1...100") }
        guard commitInterval >= 0, commitInterval.isFinite else { throw ValidationError("--commit-interval must be >= 0") }
        if let shard, LabelFileConfiguration.Shard(shard) == nil {
            throw ValidationError("--shard must be K/N with 1 <= K <= N, e.g. 1/4")
        }
    }

    func run() throws {
        let items = MaskInput.read(inputs, pixelSize: pixelSize, hdf5Dataset: dataset)
        guard let first = items.compactMap({ try? $0.mask.get() }).first else {
            throw ValidationError("no readable mask in the input: " + items.map { "\($0.source): \($0.mask)" }.prefix(3).joined(separator: "; "))
        }
        var options = LabelingOptions()
        options.solver = solver.solverOptions(startingFrom: options.solver)
        options.measure = stress
        options.stepsToSystole = steps
        if let png { try FileManager.default.createDirectory(atPath: png, withIntermediateDirectories: true) }
        let shard = shard.flatMap(LabelFileConfiguration.Shard.init)
        let configuration = LabelFileConfiguration(rows: first.grid.rows, columns: first.grid.columns, pixelSize: pixelSize,
                                                   options: options, inputCount: items.count, shard: shard)
        let selected = items.indices.filter { shard?.contains($0) ?? true }
        let writer: LabelFileWriter
        var done = 0
        if !overwrite && FileManager.default.fileExists(atPath: output) {
            let resumed: (writer: LabelFileWriter, existing: LabelFileContents)
            do {
                resumed = try LabelFileWriter.resume(at: output, configuration: configuration, provenance: .current)
            } catch {
                guard case .mismatch = error else {
                    throw ValidationError("\(output) exists and cannot be resumed (\(error)); use --overwrite to replace it")
                }
                throw error
            }
            writer = resumed.writer
            try Self.checkResumedRows(resumed.existing, items: items, selected: selected, path: output)
            done = resumed.existing.count
            stderr("resuming \(output): \(done) of \(selected.count) masks already labeled")
        } else {
            writer = try LabelFileWriter.create(at: output, configuration: configuration, provenance: .current, overwrite: overwrite)
        }
        let run = LabelingRun(items: items, indices: Array(selected.dropFirst(done)), grid: first.grid,
                              labeler: FEMLabeler(options: options), writer: writer, pictures: png, commitInterval: commitInterval)
        let start = ContinuousClock.now
        run.execute(jobs: jobs)
        try writer.close()
        let (seconds, atto) = (ContinuousClock.now - start).components
        print(run.summary(seconds: Double(seconds) + Double(atto) * 1e-18, output: output, skipped: done))
        if let error = run.writeError { throw error }
    }

    /// Refuses to resume a file whose rows came from other inputs (same options, other masks).
    static func checkResumedRows(_ existing: LabelFileContents, items: [MaskInputItem], selected: [Int], path: String) throws {
        guard existing.count <= selected.count else {
            throw DatasetError.mismatch(path: path, reason: "it has \(existing.count) rows, the input only \(selected.count) masks")
        }
        for row in 0..<existing.count {
            let index = selected[row]
            let item = items[index]
            let record = existing.record(row)
            let pixels = (try? item.mask.get())?.pixels ?? [UInt8](repeating: 0, count: existing.pixelsPerMask)
            guard record.inputIndex == Int64(index), record.source == item.source, record.mask == pixels else {
                throw DatasetError.mismatch(path: path, reason: "row \(row) holds \(record.source), the input's mask \(index) is \(item.source) or differs")
            }
        }
    }
}

/// The shared state of a labeling batch: workers label masks in parallel; finished rows are
/// written in input order as soon as every earlier row is done.
final class LabelingRun: @unchecked Sendable {
    private let items: [MaskInputItem]
    /// Input indices to label, in output order.
    private let indices: [Int]
    private let grid: PixelGrid
    private let labeler: FEMLabeler
    private let writer: LabelFileWriter
    private let pictures: String?
    private let commitInterval: Duration
    private let lock = NSLock()
    private var written = 0
    private var pending: [Int: (mask: [UInt8], stress: [Float], code: Int32, reason: String)] = [:]
    private var done = 0
    private var failures: [String: Int] = [:]
    private var timings: [LabelTimings] = []
    private var peaks: [Float] = []
    private let progress: ProgressBar
    private var lastCommit = ContinuousClock.now
    private(set) var writeError: Error?

    init(items: [MaskInputItem], indices: [Int], grid: PixelGrid, labeler: FEMLabeler, writer: LabelFileWriter, pictures: String?,
         commitInterval: Double) {
        self.items = items
        self.indices = indices
        self.grid = grid
        self.labeler = labeler
        self.writer = writer
        self.pictures = pictures
        self.commitInterval = .milliseconds(Int(commitInterval * 1000))
        progress = ProgressBar(total: indices.count, label: "labeling")
    }

    func execute(jobs: Int) {
        BatchLabeler.forEachConcurrently(count: indices.count, jobs: jobs) { position in
            finish(position, labelItem(indices[position]))
        }
    }

    private func labelItem(_ index: Int) -> (mask: [UInt8], stress: [Float], code: Int32, reason: String, label: StressLabel?) {
        let zeros = [Float](repeating: 0, count: grid.count)
        switch items[index].mask {
        case .failure(let failure):
            return ([UInt8](repeating: 0, count: grid.count), zeros, failure.code, failure.description, nil)
        case .success(let mask):
            guard mask.grid.rows == grid.rows, mask.grid.columns == grid.columns else {
                return ([UInt8](repeating: 0, count: grid.count), zeros, InputFailure.wrongSize,
                        "mask is \(mask.grid.rows)x\(mask.grid.columns), the batch is \(grid.rows)x\(grid.columns)", nil)
            }
            do {
                let label = try labeler.label(mask)
                if let pictures {
                    let path = (pictures as NSString).appendingPathComponent(pictureName(index) + ".png")
                    if let picture = try? StressMapPicture(stress: label.stress, grid: grid, wall: label.wall) {
                        try? picture.writePNG(besideMask: mask, to: path)
                    }
                }
                return (mask.pixels, label.stress, 0, "", label)
            } catch {
                return (mask.pixels, zeros, error.code, error.description, nil)
            }
        }
    }

    private func pictureName(_ index: Int) -> String {
        let stem = (items[index].source as NSString).deletingPathExtension
            .replacingOccurrences(of: "[", with: "-").replacingOccurrences(of: "]", with: "")
        return String(format: "%05d-", index) + stem + "-stress"
    }

    private func finish(_ position: Int, _ result: (mask: [UInt8], stress: [Float], code: Int32, reason: String, label: StressLabel?)) {
        lock.withLock {
            pending[position] = (result.mask, result.stress, result.code, result.reason)
            done += 1
            if let label = result.label {
                timings.append(label.timings)
                peaks.append(label.peak)
            } else {
                let key = result.reason.split(separator: ":").prefix(2).joined(separator: ":")
                failures[key, default: 0] += 1
            }
            // Write the contiguous prefix of finished rows, in input order.
            while writeError == nil, let row = pending.removeValue(forKey: written) {
                do {
                    let index = indices[written]
                    try writer.append(LabelRecord(mask: row.mask, stress: row.stress, status: row.code, reason: row.reason,
                                                  source: items[index].source, inputIndex: Int64(index)))
                    written += 1
                    // Committed rows survive a kill; committing every 2 s bounds the loss without a flush per row.
                    if ContinuousClock.now - lastCommit >= commitInterval {
                        try writer.commit()
                        lastCommit = ContinuousClock.now
                    }
                } catch {
                    writeError = error
                }
            }
            progress.update(done: done, failed: failures.values.reduce(0, +))
        }
    }

    func summary(seconds: Double, output: String, skipped: Int) -> String {
        let failed = failures.values.reduce(0, +)
        var out = skipped > 0 ? "skipped \(skipped) masks labeled before; " : ""
        out += "labeled \(indices.count - failed) of \(indices.count) masks in \(String(format: "%.1f", seconds)) s "
        out += "(\(String(format: "%.2f", Double(indices.count) / max(seconds, 1e-9))) masks/s); wrote \(output)\n"
        if !timings.isEmpty {
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            out += String(format: "per mask (median): validate %.1f ms, mesh %.1f ms, solve %.1f ms, rasterize %.1f ms, total %.1f ms\n",
                          1000 * median(timings.map(\.validate)), 1000 * median(timings.map(\.mesh)), 1000 * median(timings.map(\.solve)),
                          1000 * median(timings.map(\.rasterize)), 1000 * median(timings.map(\.total)))
            out += String(format: "peak stress: median %.1f kPa, max %.1f kPa\n", Double(peaks.sorted()[peaks.count / 2]), Double(peaks.max()!))
        }
        for (reason, count) in failures.sorted(by: { $0.value > $1.value }) { out += "failed \(count)x: \(reason)\n" }
        return out
    }
}
