import ArgumentParser
import Foundation
import Sampling

/// `plaquefem demo`: the whole pipeline on built-in defaults, no outside data.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate phantoms, label them, train the VAE, run SI, SI-coreset and random, and write the report (about a minute).",
        discussion: """
            Everything is built in: 300 synthetic phantoms (VAE and random baseline), 40 held-out phantoms labeled by \
            the FEM tool, 4 rounds of 20 labels per strategy (the paper's SI; SI-coreset, SI's first round \
            then core-set, the best of the new strategies on a validation split, docs/sampling.md; and random), 2 repeats. Writes DIR/README.md (the summary), table.md, \
            curves.svg, curves.csv, experiment.h5, samples/ and pictures/ (stress-map PNGs). The same as \
            `plaquefem experiment ivus --quick`.
            Example: plaquefem demo --output demo
            """
    )

    @Option(help: "Output folder.")
    var output: String = "plaquefem-demo"
    @Option(help: "Parallel FEM labeling jobs (default: one per core).")
    var jobs: Int = min(64, ProcessInfo.processInfo.activeProcessorCount)
    @Option(help: "Base seed.")
    var seed: UInt64 = 1

    func run() throws {
        var options = IVUSExperimentOptions.demo
        options.jobs = jobs
        options.seed = seed
        options.sampling.seed = seed
        try runIVUS(options: options, output: output, title: "PlaqueFEM demo: adaptive latent-space sampling (SI), SI-coreset and random")
    }
}
