import Datasets
import Foundation
import Raster
import Storage
import Testing
@testable import Sampling

/// A cheap stand-in for the FEM tool: validates the mask like the tool does, then gives every
/// wall pixel 40 kPa + 1 kPa per row (so maps differ between masks); 0 outside the wall.
struct RowGradientLabeler: Labeler {
    func label(_ input: Mask) throws(LabelerFailure) -> [Float] {
        let validated: ValidatedMask
        do { validated = try input.validated() } catch { throw .labeling(.invalidMask(error)) }
        return validated.classes.indices.map { index in
            validated.classes[index] == .wall ? 40 + Float(index / input.columns) : 0
        }
    }
}

/// A tiny experiment through the library, end to end, in seconds.
struct ExperimentTests {
    static var tinyOptions: IVUSExperimentOptions {
        var options = IVUSExperimentOptions()
        options.poolSize = 48
        options.testSize = 6
        // A narrow VAE with a larger learning rate: debug builds train the paper's 400-wide one slowly.
        options.autoencoderEpochs = 40
        options.autoencoderHiddenSize = 48
        options.autoencoder.learningRate = 3e-3
        options.repeats = 1
        options.jobs = 2
        options.sampling.rounds = 2
        options.sampling.initialCount = 4
        options.sampling.increment = 4
        options.sampling.anchorsPerRound = 2
        options.sampling.epochsPerRound = 1
        options.sampling.maximumFailureFactor = 200
        options.strategies = [.interpolation, .random]
        return options
    }

    @Test func defaultStrategiesAreSICoreSetAndRandom() {
        #expect(IVUSExperimentOptions().strategies == [.interpolation, .interpolationThenCoreSet, .random])
        #expect(IVUSExperimentOptions.demo.strategies == [.interpolation, .interpolationThenCoreSet, .random])
    }

    @Test func tinyIVUSExperimentWritesItsReport() throws {
        let directory = NSTemporaryDirectory() + "plaquefem-experiment-\(ProcessInfo.processInfo.processIdentifier)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try IVUSExperiment(options: Self.tinyOptions).run(labeler: RowGradientLabeler())
        #expect(result.curves.curves.map(\.strategy) == [.interpolation, .random])
        for (curve, run) in zip(result.curves.curves, result.runs) {
            #expect(curve.rounds.map(\.labelCount) == [4, 8])
            #expect(curve.rounds.allSatisfy { $0.metric.isFinite && $0.metric > 0 })
            #expect(run.samples.count == 8)
        }
        #expect(result.runs[0].samples.allSatisfy { $0.origin == .synthesized })
        #expect(result.runs[1].samples.allSatisfy { $0.origin == .pool })

        let files = try ExperimentFiles(directory: directory, provenance: Provenance(softwareVersion: "test", commandLine: "test"))
        let written = try result.writeReport(to: files, title: "tiny", command: "test")
        for name in written { #expect(FileManager.default.fileExists(atPath: files.path(name)), "\(name)") }
        let samples = try LabelFileReader.read(at: files.path("samples/SI-repeat-1.h5"))
        #expect(samples.count == 8 + result.runs[0].rejected.count)
        #expect(Array(samples.status.prefix(8)) == Array(repeating: 0, count: 8))
        #expect(samples.rounds.map { Array($0.prefix(8)) } == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(samples.latent?.count == 3 * samples.count)
        let file = try HDF5File.open(at: files.path("experiment.h5"))
        #expect(try file.openDataset("curves/metric").read(as: Double.self) == result.curves.curves.flatMap { $0.rounds.map(\.metric) })
        try file.close()
        let svg = try String(contentsOfFile: files.path("curves.svg"), encoding: .utf8)
        #expect(svg.contains("test MSE (kPa^2)") && svg.contains("labeled training samples"))
        let csv = try String(contentsOfFile: files.path("curves.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("strategy,repeat,round,labels,test_MSE_kPa2,failures,wall_rel_l2_median,wall_rel_l2_p90,"
            + "peak_error_median,peak_error_p90\n"), "\(csv)")
        #expect(result.curves.curves.allSatisfy { $0.rounds.allSatisfy { $0.details.count == 4 && $0.details.allSatisfy(\.value.isFinite) } })
        let readme = try String(contentsOfFile: files.path("README.md"), encoding: .utf8)
        #expect(readme.contains("Wall errors after the last round") && readme.contains("| SI | 8 |"), "\(readme)")
    }

    /// The U-Net as the surrogate of a run (`--network unet`): trained, evaluated and
    /// differentiated through for SI's latent step, with its output masked by default.
    @Test func tinyIVUSExperimentWithTheUNet() throws {
        var options = Self.tinyOptions
        options.strategies = [.interpolation]
        options.network = .unet
        let result = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        #expect(result.curves.curves[0].rounds.map(\.labelCount) == [4, 8])
        #expect(result.curves.curves[0].rounds.allSatisfy { $0.metric.isFinite && $0.details.count == 4 })
        #expect(result.runs[0].samples.allSatisfy { $0.origin == .synthesized })
    }

    /// Every sample's latent code and image and every curve point, as bits (same seed, same bytes).
    static func bytes(_ result: IVUSExperimentResult) -> [UInt64] {
        result.runs.flatMap { $0.samples.flatMap { $0.latent.map(\.bitPattern) + $0.image.map { UInt64($0.bitPattern) } } }
            + result.curves.curves.flatMap { $0.rounds.map(\.metric.bitPattern) }
    }

    /// Same seed, same bytes, through VAE training, decoding, labeling and surrogate training.
    @Test func tinyIVUSExperimentIsReproducible() throws {
        var options = Self.tinyOptions
        options.strategies = [.interpolation]
        let first = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        let second = try IVUSExperiment(options: options).run(labeler: RowGradientLabeler())
        #expect(Self.bytes(first) == Self.bytes(second))
    }
}

/// SNN and random on a small slice of the real MNIST files (reported as skipped without PLAQUEFEM_MNIST).
struct MNISTExperimentTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PLAQUEFEM_MNIST"] != nil,
                   "PLAQUEFEM_MNIST is not set: no MNIST directory to read"))
    func tinyMNISTExperiment() throws {
        let dataset = try MNISTDataset.read(directory: ProcessInfo.processInfo.environment["PLAQUEFEM_MNIST"]!)
        var options = MNISTExperimentOptions()
        options.poolSize = 400
        options.testSize = 200
        options.autoencoderEpochs = 2
        options.repeats = 1
        options.sampling.rounds = 2
        options.sampling.initialCount = 20
        options.sampling.increment = 20
        options.sampling.anchorsPerRound = 10
        options.sampling.epochsPerRound = 2
        let result = try MNISTExperiment(options: options).run(dataset: dataset)
        #expect(result.curves.curves.map(\.strategy) == [.nearestNeighbour, .random])
        for run in result.runs {
            let indices = run.samples.compactMap(\.poolIndex)
            #expect(indices.count == 40 && Set(indices).count == 40, "distinct pool samples")
            #expect(run.samples.allSatisfy { $0.label == dataset.training.labels[$0.poolIndex!] })
        }
        #expect(result.runs[0].samples.filter { $0.round == 2 }.allSatisfy { $0.anchor != nil })
        #expect(result.curves.curves.allSatisfy { $0.rounds.allSatisfy { (0...100).contains($0.metric) } })
    }
}
