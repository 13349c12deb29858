import ArgumentParser
import Datasets
import Foundation
import Neural
import Raster
import Sampling

extension TrainingSchedule: ExpressibleByArgument {}

/// `plaquefem experiment`: adaptive latent-space sampling against random sampling.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Compare adaptive latent-space sampling with random sampling (the paper's experiments).",
        subcommands: [IVUS.self, MNIST.self]
    )

    /// The progressive-sampling options shared by both experiments.
    struct SamplingOptionGroup: ParsableArguments {
        @Option(help: "Rounds, including the first.")
        var rounds: Int?
        @Option(help: "Labeled samples added per round after the first.")
        var increment: Int?
        @Option(help: "Labeled samples of round 1 (default: the increment).")
        var initial: Int?
        @Option(help: "Repeats per strategy (different seeds).")
        var repeats: Int?
        @Option(help: "Training epochs per round (continuing from the current weights; --training continue).")
        var epochsPerRound: Int?
        @Option(help: ArgumentHelp("Training schedule: continue (train --epochs-per-round more epochs each round, the default) or from-scratch (a freshly seeded model every round, trained --steps-per-round steps).",
                                   valueName: "schedule"))
        var training: TrainingSchedule?
        @Option(help: "--training from-scratch: optimizer steps per round (whole epochs, rounded up).")
        var stepsPerRound: Int?
        @Option(help: "Anchors per round (default: the increment, one step each).")
        var anchors: Int?
        @Option(help: "Latent step length alpha.")
        var alpha: Double?
        @Option(help: "Radius of the latent ball kept (prior radius).")
        var priorRadius: Double?
        @Option(help: "Base seed: repeat r uses seed + r.")
        var seed: UInt64?
        @Option(help: ArgumentHelp("Strategies, comma-separated: SI, SNN, random, SI-data, SI-mix, SI-pool, coreset, QBC, SI-coreset, SI-QBC.",
                                   valueName: "list"))
        var strategies: String?
        @Option(help: "SI-mix: share of every later round taken at random from the pool (0...1).")
        var explorationShare: Double?
        @Option(help: "QBC: models in the committee, the run's own included.")
        var committeeSize: Int?
        @Option(help: "QBC: unselected pool samples scored per round (a seeded random subset).")
        var committeeCandidates: Int?
        @Option(help: ArgumentHelp("SI-coreset, SI-QBC: rounds 1...K take SI's proposals, core-set or QBC the later ones.",
                                   valueName: "K"))
        var siRounds: Int?

        /// The strategies given with --strategies, nil for the experiment's default.
        func strategyList() throws -> [SamplingStrategy]? {
            guard let strategies else { return nil }
            do { return try SamplingStrategy.list(strategies) } catch { throw ValidationError(error.description) }
        }

        /// Applies the given options over `options`.
        func apply(to options: inout SamplingOptions, repeats: inout Int) {
            if let rounds { options.rounds = rounds }
            if let increment {
                options.increment = increment
                options.initialCount = increment
                options.anchorsPerRound = increment
            }
            if let initial { options.initialCount = initial }
            if let anchors { options.anchorsPerRound = anchors }
            if let epochsPerRound { options.epochsPerRound = epochsPerRound }
            if let training { options.training = training }
            if let stepsPerRound { options.stepsPerRound = stepsPerRound }
            if let alpha { options.step.stepSize = alpha }
            if let priorRadius { options.step.priorRadius = priorRadius }
            if let seed { options.seed = seed }
            if let explorationShare { options.explorationShare = explorationShare }
            if let committeeCandidates { options.committeeCandidates = committeeCandidates }
            if let siRounds { options.interpolationRounds = siRounds }
            if let value = self.repeats { repeats = value }
        }
    }

    /// `plaquefem experiment ivus`.
    struct IVUS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ivus",
            abstract: "Sampling strategies (SI, its variants, core-set, QBC) vs random on IVUS masks labeled by the FEM tool; test MSE per round.",
            discussion: """
                A phantom pool trains the VAE and feeds the random baseline (pool phantoms labeled by the FEM tool on \
                demand); a held-out set of phantoms is labeled once for the test MSE. Each repeat trains a fresh \
                surrogate progressively with each strategy. Writes DIR/experiment.h5, curves.csv, table.md, \
                curves.svg, samples/<run>.h5 (label files with /latent, /round, /origin), pictures/ and README.md. \
                Progress and the time per activity go to stderr. Besides the test MSE, every round reports the median \
                and 90th percentile over the test maps of the wall relative L2 error and of the peak-stress error \
                (curves.csv columns, README table). --network unet trains the U-Net instead of the paper's network. \
                --strategies picks any of SI, SNN, random, SI-data, SI-mix, SI-pool, coreset, QBC, SI-coreset, SI-QBC \
                (docs/sampling.md; SI-coreset and SI-QBC take SI's proposals in rounds 1...--si-rounds). \
                --pool FILE --test FILE use your own masks (label files or HDF5 files with /masks, 64 x 64) instead of the \
                phantoms: pool masks are labeled on demand, test masks once. --validation-size N reports on the last N \
                pool masks instead of the test set, for choosing settings without looking at the test set.
                Example: plaquefem experiment ivus --rounds 10 --increment 50 --repeats 5 --output results/ivus
                Example: plaquefem experiment ivus --pool pullback.h5 --pool-rows 0-23 --test pullback.h5 --test-rows 24-31 \
                --rounds 4 --increment 4 --output results/pullback
                """
        )

        @OptionGroup var sampling: SamplingOptionGroup
        @Option(help: "Output folder.")
        var output: String = "experiment-ivus"
        @Option(help: "Parallel FEM labeling jobs (default: one per core).")
        var jobs: Int = min(64, ProcessInfo.processInfo.activeProcessorCount)
        @Option(help: "Phantoms in the pool (VAE training, random baseline).")
        var poolSize: Int?
        @Option(help: "Held-out test phantoms.")
        var testSize: Int?
        @Option(help: "VAE training epochs.")
        var vaeEpochs: Int?
        @Option(help: "Surrogate network: paper (default) or unet.")
        var network: SurrogateArchitecture = .paper
        @Flag(inversion: .prefixedNo, help: "Multiply the surrogate's output by the mask (default: on for unet, off for paper).")
        var maskedOutput: Bool?
        @Flag(help: "The small demo configuration (300 phantoms, 4 rounds of 20, 2 repeats): a few minutes.")
        var quick = false
        @Option(help: ArgumentHelp("Pool masks instead of the phantoms: a label file or an HDF5 file with /masks (N, 64, 64); labeled on demand.",
                                   valueName: "file"))
        var pool: String?
        @Option(help: ArgumentHelp("Test masks for --pool (label file or /masks), labeled once by the FEM tool.", valueName: "file"))
        var test: String?
        @Option(help: ArgumentHelp("Rows of --pool to use, FIRST-LAST (0-based, inclusive; default all).", valueName: "range"))
        var poolRows: String?
        @Option(help: ArgumentHelp("Rows of --test to use, FIRST-LAST (0-based, inclusive; default all).", valueName: "range"))
        var testRows: String?
        @Option(help: "Hold out the last N pool masks as a validation set and report on it instead of the test set (for tuning).")
        var validationSize: Int?

        func run() throws {
            var options = quick ? IVUSExperimentOptions.demo : IVUSExperimentOptions()
            sampling.apply(to: &options.sampling, repeats: &options.repeats)
            options.seed = options.sampling.seed
            options.jobs = jobs
            if let poolSize { options.poolSize = poolSize }
            if let testSize { options.testSize = testSize }
            if let vaeEpochs { options.autoencoderEpochs = vaeEpochs }
            if let strategies = try sampling.strategyList() { options.strategies = strategies }
            if let committeeSize = sampling.committeeSize { options.committeeSize = committeeSize }
            if let validationSize { options.validationSize = validationSize }
            options.network = network
            options.maskedOutput = maskedOutput
            var data: IVUSMaskData?
            switch (pool, test) {
            case (nil, nil):
                break
            case (let pool?, let test):
                guard test != nil || options.validationSize > 0 else {
                    throw ValidationError("--pool needs --test FILE (or --validation-size N to evaluate on part of the pool)")
                }
                let poolMasks = try readMasks(pool, rows: poolRows)
                let testMasks = try test.map { try readMasks($0, rows: testRows) } ?? []
                data = IVUSMaskData(pool: poolMasks, test: testMasks,
                                    poolName: fileLabel(pool, rows: poolRows), testName: test.map { fileLabel($0, rows: testRows) } ?? "")
                options.poolSize = poolMasks.count
                options.testSize = max(1, testMasks.count)
            case (nil, _):
                throw ValidationError("--test needs --pool FILE")
            }
            let names = options.strategies.map(\.rawValue).joined(separator: ", ")
            try runIVUS(options: options, data: data, output: output, title: "IVUS experiment: " + names)
        }

        private func fileLabel(_ path: String, rows: String?) -> String {
            URL(fileURLWithPath: path).lastPathComponent + (rows.map { " rows \($0)" } ?? "")
        }

        /// The masks of a label file (rows with status 0) or of an HDF5 file's /masks, optionally a row range.
        private func readMasks(_ path: String, rows: String?) throws -> [Mask] {
            let dataset = try MaskDataset.read(path: path, labeledOnly: true)
            guard let grid = PixelGrid(rows: dataset.masks.height, columns: dataset.masks.width, pixelSize: dataset.pixelSize) else {
                throw ValidationError("\(path): invalid grid")
            }
            var selected = Array(0..<dataset.masks.count)
            if let rows {
                let parts = rows.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2, let first = parts[0], let last = parts[1], first >= 0, first <= last else {
                    throw ValidationError("row range \(rows): expected FIRST-LAST, e.g. 0-23")
                }
                // Rows of the file; a label file's failed rows are not in the dataset.
                selected = dataset.rows.indices.filter { (first...last).contains(dataset.rows[$0]) }
            }
            let n = grid.count
            return try selected.map { k in
                try Mask(grid: grid, values: dataset.masks.values[k * n..<(k + 1) * n].map { $0 >= 0.5 ? 1 : 0 })
            }
        }
    }
}

/// Runs the IVUS experiment, writes the report into `output` and prints the table and the timings.
func runIVUS(options: IVUSExperimentOptions, data: IVUSMaskData? = nil, output: String, title: String) throws {
    let experiment: IVUSExperiment
    do { experiment = try IVUSExperiment(options: options) } catch { throw ValidationError(error.description) }
    let files = try ExperimentFiles(directory: output, provenance: .current)
    let start = ContinuousClock.now
    let result = try data.map { try experiment.run(data: $0) { stderr($0) } } ?? experiment.run { stderr($0) }
    try result.writeReport(to: files, title: title, command: displayedCommandLine())
    let (seconds, _) = (ContinuousClock.now - start).components
    print(result.curves.markdownTable())
    print("Where the time went:")
    for line in result.timingLines { print("  " + line) }
    print("wrote \(output)/ (README.md, table.md, curves.svg, curves.csv, experiment.h5, samples/, pictures/) in \(seconds) s")
}

extension ExperimentCommand {
    /// `plaquefem experiment mnist`.
    struct MNIST: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mnist",
            abstract: "SNN vs random on the MNIST pool with the paper's small CNN; test accuracy after every round.",
            discussion: """
                DIR holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and \
                t10k-labels-idx1-ubyte, gzip-compressed (.gz) or not, as distributed with MNIST. Without --data the \
                directory named by PLAQUEFEM_MNIST is used. Writes DIR/experiment.h5, curves.csv, table.md, curves.svg \
                and README.md.
                Example: plaquefem experiment mnist --data ~/mnist --output results/mnist
                """
        )

        @Option(help: "Folder with the four MNIST IDX files (default: $PLAQUEFEM_MNIST).")
        var data: String?
        @OptionGroup var sampling: SamplingOptionGroup
        @Option(help: "Output folder.")
        var output: String = "experiment-mnist"
        @Option(help: "Training images used as the pool.")
        var poolSize: Int?
        @Option(help: "Test images used for the accuracy.")
        var testSize: Int?
        @Option(help: "VAE training epochs.")
        var vaeEpochs: Int?
        @Flag(help: "A small configuration (5,000 pool images, 4 rounds of 50, 2 repeats).")
        var quick = false

        func run() throws {
            guard let directory = data ?? ProcessInfo.processInfo.environment[MNISTDataset.environmentVariable] else {
                throw ValidationError("give --data DIR (the MNIST IDX files) or set \(MNISTDataset.environmentVariable)")
            }
            var options = quick ? MNISTExperimentOptions.quick : MNISTExperimentOptions()
            sampling.apply(to: &options.sampling, repeats: &options.repeats)
            options.seed = options.sampling.seed
            if let poolSize { options.poolSize = poolSize }
            if let testSize { options.testSize = testSize }
            if let vaeEpochs { options.autoencoderEpochs = vaeEpochs }
            if let strategies = try sampling.strategyList() { options.strategies = strategies }
            if let committeeSize = sampling.committeeSize { options.committeeSize = committeeSize }
            let experiment: MNISTExperiment
            do { experiment = try MNISTExperiment(options: options) } catch { throw ValidationError(error.description) }
            let dataset: MNISTDataset
            do { dataset = try MNISTDataset.read(directory: directory) } catch { throw ValidationError(error.description) }
            let files = try ExperimentFiles(directory: output, provenance: .current)
            let result = try experiment.run(dataset: dataset) { stderr($0) }
            let names = options.strategies.map(\.rawValue).joined(separator: ", ")
            try result.writeReport(to: files, title: "MNIST experiment: " + names, command: displayedCommandLine())
            print(result.curves.markdownTable())
            print("Where the time went:")
            for line in result.timingLines { print("  " + line) }
            print("wrote \(output)/ (README.md, table.md, curves.svg, curves.csv, experiment.h5)")
        }
    }
}

/// The command line as typed, with the executable's path shortened to `plaquefem`.
func displayedCommandLine() -> String {
    CommandLine.arguments.enumerated().map { $0.offset == 0 ? "plaquefem" : $0.element }.joined(separator: " ")
}
