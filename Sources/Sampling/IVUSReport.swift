import Datasets
import Foundation
import Labeling
import Neural
import Raster

extension IVUSExperimentResult {
    /// Where the time went, one line per activity (seconds and share of the total).
    public var timingLines: [String] {
        let runs = runTimings
        let total = testLabelingSeconds + autoencoderSeconds + runs.total
        let items: [(String, Double)] = [
            ("labeling the test set (FEM)", testLabelingSeconds), ("VAE training", autoencoderSeconds),
            ("labeling train samples (FEM)", runs.labeling), ("surrogate training", runs.training),
            ("latent gradients", runs.latentGradients), ("decoding / proposing", runs.proposing),
            ("test evaluation", runs.evaluation),
        ]
        return items.map { "\($0.0): " + String(format: "%.1f s (%.0f %%)", $0.1, 100 * $0.1 / max(total, 1e-9)) }
            + [String(format: "total: %.1f s", total)]
    }

    /// Writes the whole report into `files.directory`: curves (CSV, Markdown, SVG),
    /// `experiment.h5`, one label file per run, pictures, and an index `README.md`.
    /// - Returns: The names of the files written.
    @discardableResult
    public func writeReport(to files: ExperimentFiles, title: String, command: String) throws(SamplingError) -> [String] {
        let labelingOptions = LabelingOptions()
        let grid = testMasks[0].grid
        let preface = "Command: `\(command)`"
        try files.writeCurves(curves, title: title, preface: preface)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let optionsJSON = (try? encoder.encode(options)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let summary: [String: Double] = [
            "autoencoder_dice": autoencoderDice, "prior_valid_fraction": priorValidFraction,
            "test_labeling_seconds": testLabelingSeconds, "autoencoder_seconds": autoencoderSeconds,
            "labeling_seconds": runTimings.labeling, "training_seconds": runTimings.training,
            "latent_gradient_seconds": runTimings.latentGradients, "test_count": Double(testMasks.count),
        ]
        let summaryJSON = (try? encoder.encode(summary)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try files.writeExperimentFile(curves: curves, runs: runs, optionsJSON: optionsJSON, summaryJSON: summaryJSON)
        var written = ["curves.csv", "table.md", "curves.svg", "experiment.h5"]
        var pictures: [String] = []
        for (curve, run) in zip(curves.curves, runs) {
            written.append(try files.writeSampleFile(run, repeatIndex: curve.repeatIndex, grid: grid, labelingOptions: labelingOptions))
            guard curve.repeatIndex == 0 else { continue }
            // The first and the last round of the first repeat: what each strategy chose.
            for round in [1, options.sampling.rounds] {
                for (k, sample) in run.samples.filter({ $0.round == round }).prefix(3).enumerated() {
                    let name = "\(run.strategy.rawValue)-round-\(round)-\(k + 1)"
                    let mask = try? Mask(grid: grid, values: sample.image.map { $0 >= 0.5 ? 1 : 0 })
                    if let mask {
                        try files.writePicture(mask: mask, stress: sample.label, name: name)
                        pictures.append(name)
                    }
                }
            }
        }
        for k in 0..<min(2, testMasks.count) {
            try files.writePicture(mask: testMasks[k], stress: testStress[k], name: "test-\(k + 1)")
            pictures.append("test-\(k + 1)")
        }
        written += pictures.map { "pictures/\($0).png" }
        try files.write(readme(title: title, command: command, pictures: pictures), to: "README.md")
        written.append("README.md")
        return written
    }

    private func readme(title: String, command: String, pictures: [String]) -> String {
        let s = options.sampling
        var out = "# \(title)\n\nProduced by `\(command)`.\n\n"
        out += "![curves](curves.svg)\n\n" + curves.markdownTable() + "\n"
        let details = curves.finalDetailsMarkdownTable()
        if !details.isEmpty {
            out += "Wall errors after the last round, mean over repeats of the median / 90th percentile over the test maps "
            out += "(relative L2 error over wall pixels; relative error of the peak wall stress; see docs/neural-models.md):\n\n"
            out += details + "\n"
        }
        out += "## Setup\n\n"
        let evaluated = isValidation ? "validation set (the last \(options.validationSize) pool masks, held out; the test set is not used)"
            : "test set"
        if let dataNames {
            out += "- Pool: \(poolCount) masks of \(dataNames.pool), labeled by the FEM tool on demand; \(evaluated): \(testMasks.count) masks"
            out += isValidation ? "" : " of \(dataNames.test)"
            out += " labeled once (\(testFailures) failed and were left out).\n"
        } else {
            out += "- Pool: \(poolCount) synthetic phantoms (seed \(options.phantomSeed)); \(evaluated): \(testMasks.count) "
            out += "phantoms labeled once by the FEM tool (\(testFailures) failed and were left out).\n"
        }
        out += String(format: "- VAE (3-d latent space) trained %d epochs on the pool: reconstruction Dice %.3f; ", options.autoencoderEpochs,
                      autoencoderDice)
        out += String(format: "%.0f %% of prior draws decode to a valid mask.\n", 100 * priorValidFraction)
        out += "- \(options.repeats) repeats x \(curves.strategies.map(\.rawValue).joined(separator: ", ")); \(s.rounds) rounds: "
        out += "\(s.initialCount) labels in round 1, then \(s.increment) per round; training " + s.trainingDescription(model: "surrogate")
        out += "; \(s.anchorsPerRound) anchors per round; step alpha = \(s.step.stepSize), prior radius \(s.step.priorRadius)"
        out += " (SI-data, SI-mix, SI-pool: the same in units of the pool codes' spread, docs/sampling.md)"
        out += "; SI-mix exploration share \(s.explorationShare); QBC committee of \(options.committeeSize), "
        out += "\(s.committeeCandidates) candidates per round"
        if curves.strategies.contains(.interpolationThenCoreSet) || curves.strategies.contains(.interpolationThenCommittee) {
            out += "; SI-coreset, SI-QBC: SI's proposals in rounds 1...\(s.interpolationRounds) (`--si-rounds`)"
        }
        out += ".\n"
        let masked = options.maskedOutput ?? options.network.masksOutputByDefault
        out += "- Surrogate: \(options.network == .paper ? "the paper's network" : "the U-Net") (`--network \(options.network.rawValue)`), "
        out += "output \(masked ? "multiplied by the mask" : "not masked").\n"
        for strategy in curves.strategies where strategy.synthesizes {
            let rejected = runs.filter { $0.strategy == strategy }.map(\.rejected.count).reduce(0, +)
            out += "- \(strategy.rawValue) decodes that failed validation or labeling (replaced by new proposals): \(rejected) in all runs.\n"
        }
        out += "\n"
        out += "## Where the time went\n\n" + timingLines.map { "- " + $0 }.joined(separator: "\n") + "\n\n"
        out += "## Files\n\n- `experiment.h5`: curves and every run's latent trajectories; `samples/<run>.h5`: each run's train set "
        out += "and rejected decodes in the label-file format (`plaquefem inspect` reads them); `curves.csv`, `table.md`, `curves.svg`.\n\n"
        out += "## Pictures (mask | systolic maximum principal stress, kPa)\n\n"
        for name in pictures { out += "- \(name): ![\(name)](pictures/\(name).png)\n" }
        return out
    }
}
