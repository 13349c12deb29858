import Datasets
import Foundation
import Storage

extension Provenance {
    /// This process: PlaqueFEM's version and the command line it was started with.
    static var current: Provenance {
        Provenance(softwareVersion: PlaqueFEMVersion.string, commandLine: CommandLine.arguments.joined(separator: " "))
    }
}

extension HDF5File {
    /// Root attributes every file of ours carries: `format`, `format_version`, `software_version`
    /// and the `command_line` that wrote it.
    func setProvenance(format: String, version: Int64) throws {
        try attributes.set("format", to: format)
        try attributes.set("format_version", to: version)
        try attributes.set("software_version", to: PlaqueFEMVersion.string)
        try attributes.set("command_line", to: CommandLine.arguments.joined(separator: " "))
    }
}

/// Writes a line to standard error (progress and notes; results go to standard output).
func stderr(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
