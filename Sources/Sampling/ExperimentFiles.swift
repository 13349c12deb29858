import Datasets
import Foundation
import Labeling
import Raster
import Storage

/// Writes an experiment's report folder: `experiment.h5` (curves, timings, every run's
/// trajectories), `curves.csv`, `table.md`, `curves.svg`, and for IVUS one label file per run
/// under `samples/` and stress-map pictures under `pictures/`.
public struct ExperimentFiles: Sendable {
    /// The folder.
    public let directory: String
    /// Who wrote the files (software version, command line).
    public let provenance: Provenance

    /// Creates the writer (and the folder).
    public init(directory: String, provenance: Provenance) throws(SamplingError) {
        self.directory = directory
        self.provenance = provenance
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw .storage("cannot create \(directory): \(error.localizedDescription)")
        }
    }

    /// Path of `name` inside the folder.
    public func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// The run's name in files: "SI-repeat-1".
    public static func runName(strategy: SamplingStrategy, repeatIndex: Int) -> String { "\(strategy.rawValue)-repeat-\(repeatIndex + 1)" }

    /// Writes `curves.csv`, `table.md` and `curves.svg`.
    public func writeCurves(_ curves: ExperimentCurves, title: String, preface: String) throws(SamplingError) {
        try write(curves.csv(), to: "curves.csv")
        try write("# \(title)\n\n\(preface)\n\n" + curves.markdownTable(), to: "table.md")
        try write(curves.svg(title: title), to: "curves.svg")
    }

    /// Writes a text file into the folder.
    public func write(_ text: String, to name: String) throws(SamplingError) {
        do { try text.write(toFile: path(name), atomically: true, encoding: .utf8) } catch {
            throw .storage("cannot write \(path(name)): \(error.localizedDescription)")
        }
    }

    /// Writes `experiment.h5`: root attributes (format "plaquefem-experiment", version 1,
    /// provenance, `options_json`, metric name and unit, `summary_json`), `/curves/*` (one row
    /// per run and round), and per run `/runs/<name>/` with `latent` float32 (n, d), `round`
    /// int32, `origin` string, `pool_index` and `anchor` int64 (-1 = none), `label` int32 for
    /// class labels, and the rejected proposals' `rejected_latent`, `rejected_round`,
    /// `rejected_status`, `rejected_reason`.
    public func writeExperimentFile<Label: Sendable>(
        curves: ExperimentCurves, runs: [SamplingRun<Label>], optionsJSON: String, summaryJSON: String,
        classLabels: ((Label) -> Int)? = nil
    ) throws(SamplingError) {
        do {
            let file = try HDF5File.create(at: path("experiment.h5"), mode: .truncate)
            let root = file.attributes
            try root.set("format", to: "plaquefem-experiment")
            try root.set("format_version", to: Int64(1))
            try root.set("software_version", to: provenance.softwareVersion)
            try root.set("command_line", to: provenance.commandLine)
            try root.set("created", to: ISO8601DateFormatter().string(from: Date()))
            try root.set("options_json", to: optionsJSON)
            try root.set("summary_json", to: summaryJSON)
            try root.set("metric_name", to: curves.metricName)
            try root.set("metric_unit", to: curves.metricUnit)
            let rows = curves.curves.flatMap { curve in curve.rounds.map { (curve, $0) } }
            let strategy = try file.createStringDataset("curves/strategy")
            try strategy.append(rows.map { $0.0.strategy.rawValue })
            try writeColumn(file, "curves/repeat", rows.map { Int32($0.0.repeatIndex) })
            try writeColumn(file, "curves/round", rows.map { Int32($0.1.round) })
            try writeColumn(file, "curves/labels", rows.map { Int32($0.1.labelCount) })
            try writeColumn(file, "curves/failures", rows.map { Int32($0.1.failures) })
            let metric = try writeColumn(file, "curves/metric", rows.map(\.1.metric))
            try metric.attributes.set("units", to: curves.metricUnit)
            try metric.attributes.set("description", to: curves.metricName + " after the round's training")
            for (curve, run) in zip(curves.curves, runs) {
                let name = "runs/" + Self.runName(strategy: curve.strategy, repeatIndex: curve.repeatIndex)
                let group = try file.createGroup(name)
                try group.attributes.set("strategy", to: curve.strategy.rawValue)
                try group.attributes.set("repeat", to: Int64(curve.repeatIndex))
                let d = run.samples.first?.latent.count ?? 3
                let latent = try file.createDataset(name + "/latent", elementType: Float.self, shape: [run.samples.count, d])
                try latent.write(run.samples.flatMap { $0.latent.map(Float.init) })
                try writeColumn(file, name + "/round", run.samples.map { Int32($0.round) })
                let origin = try file.createStringDataset(name + "/origin")
                try origin.append(run.samples.map(\.origin.rawValue))
                try writeColumn(file, name + "/pool_index", run.samples.map { Int64($0.poolIndex ?? -1) })
                try writeColumn(file, name + "/anchor", run.samples.map { Int64($0.anchor ?? -1) })
                if let classLabels { try writeColumn(file, name + "/label", run.samples.map { Int32(classLabels($0.label)) }) }
                let rejectedLatent = try file.createDataset(name + "/rejected_latent", elementType: Float.self,
                                                            shape: [run.rejected.count, d])
                try rejectedLatent.write(run.rejected.flatMap { $0.latent.map(Float.init) })
                try writeColumn(file, name + "/rejected_round", run.rejected.map { Int32($0.round) })
                try writeColumn(file, name + "/rejected_status", run.rejected.map(\.code))
                let reasons = try file.createStringDataset(name + "/rejected_reason")
                try reasons.append(run.rejected.map(\.reason))
            }
            try file.close()
        } catch {
            throw .storage("\(path("experiment.h5")): \(error)")
        }
    }

    @discardableResult
    private func writeColumn<Element: HDF5Scalar>(_ file: HDF5File, _ name: String, _ values: [Element]) throws(StorageError) -> HDF5Dataset {
        let dataset = try file.createDataset(name, elementType: Element.self, shape: [values.count])
        try dataset.write(values)
        return dataset
    }

    /// Writes one run's train set (status 0, in the order added) and its rejected proposals
    /// (status = failure code, with the reason) as a label file `samples/<run>.h5` with
    /// `/latent`, `/round` and `/origin` (docs/hdf5-format.md).
    public func writeSampleFile(
        _ run: SamplingRun<[Float]>, repeatIndex: Int, grid: PixelGrid, labelingOptions: LabelingOptions
    ) throws(SamplingError) -> String {
        let name = "samples/" + Self.runName(strategy: run.strategy, repeatIndex: repeatIndex) + ".h5"
        do { try FileManager.default.createDirectory(atPath: path("samples"), withIntermediateDirectories: true) } catch {
            throw .storage("cannot create \(path("samples")): \(error.localizedDescription)")
        }
        let d = run.samples.first?.latent.count ?? 3
        let configuration = LabelFileConfiguration(rows: grid.rows, columns: grid.columns, pixelSize: grid.pixelSize,
                                                   options: labelingOptions, latentDimension: d, tracksRounds: true)
        do {
            let writer = try LabelFileWriter.create(at: path(name), configuration: configuration, provenance: provenance, overwrite: true)
            var row: Int64 = 0
            for sample in run.samples {
                let source = sample.poolIndex.map { "pool[\($0)]" }
                    ?? "decoded, round \(sample.round)" + (sample.anchor.map { ", anchor row \($0)" } ?? "")
                try writer.append(LabelRecord(
                    mask: sample.image.map { $0 >= 0.5 ? 1 : 0 }, stress: sample.label, status: 0, reason: "", source: source,
                    inputIndex: row, latent: sample.latent.map(Float.init), round: Int32(sample.round), origin: sample.origin))
                row += 1
            }
            for proposal in run.rejected {
                try writer.append(LabelRecord(
                    mask: proposal.image.map { $0 >= 0.5 ? 1 : 0 }, stress: [Float](repeating: 0, count: grid.count),
                    status: proposal.code, reason: proposal.reason, source: "rejected decode, round \(proposal.round)",
                    inputIndex: row, latent: proposal.latent.map(Float.init), round: Int32(proposal.round), origin: .synthesized))
                row += 1
            }
            try writer.commit()
            try writer.close()
        } catch {
            throw .storage("\(path(name)): \(error)")
        }
        return name
    }

    /// Writes `pictures/<name>.png`: the mask beside its stress map with a colorbar (kPa).
    public func writePicture(mask: Mask, stress: [Float], name: String) throws(SamplingError) {
        do {
            try FileManager.default.createDirectory(atPath: path("pictures"), withIntermediateDirectories: true)
        } catch {
            throw .storage("cannot create \(path("pictures")): \(error.localizedDescription)")
        }
        do {
            let picture = try StressMapPicture(stress: stress, grid: mask.grid, wall: mask)
            try picture.writePNG(besideMask: mask, to: path("pictures/\(name).png"))
        } catch {
            throw .storage("pictures/\(name).png: \(error)")
        }
    }
}
