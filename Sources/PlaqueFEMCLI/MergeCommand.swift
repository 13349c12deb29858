import ArgumentParser
import Datasets
import Foundation

/// `plaquefem merge`: one label file from the shards of a job.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine label files of separate processes (label --shard K/N) into one, in input order.",
        discussion: """
            The files must have the same options, pixel size, mask size and job. A mask labeled in two \
            files is kept once if both agree and is an error if they differ. Missing inputs are reported.
            Example: for k in 1 2 3 4; do plaquefem label masks.h5 --shard $k/4 --output part$k.h5; done; \
            plaquefem merge all.h5 part1.h5 part2.h5 part3.h5 part4.h5
            """
    )

    @Argument(help: "The merged output file.")
    var output: String
    @Argument(help: "Label files to merge.")
    var shards: [String]
    @Flag(help: "Replace an existing output file.")
    var overwrite = false

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give at least one file to merge") }
        guard !shards.contains(output) else { throw ValidationError("the output must not be one of the inputs") }
    }

    func run() throws {
        let summary = try LabelFileMerger.merge(shards, into: output, provenance: .current, overwrite: overwrite)
        var text = "merged \(shards.count) files into \(output): \(summary.rows) rows"
        if summary.duplicatesSkipped > 0 { text += ", \(summary.duplicatesSkipped) identical duplicates kept once" }
        print(text)
        if !summary.missingInputIndices.isEmpty {
            let shown = summary.missingInputIndices.prefix(10).map(String.init).joined(separator: ", ")
            stderr("warning: \(summary.missingInputIndices.count) inputs of the job are in no file (indices \(shown)\(summary.missingInputIndices.count > 10 ? ", ..." : ""))")
        }
    }
}
