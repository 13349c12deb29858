// libFuzzer target: label files, as `inspect` (LabelFileSummary), `merge` (LabelFileMerger), `export`
// and training (LabelFileReader, every row as a record) and `label --resume` (LabelFileWriter.resume)
// open them. Compiled against the library modules by fuzz/run.sh. The readers take a path, so each
// input is written to a temporary file (per process) first.
//
// Every input must be read or refused with a DatasetError; a crash, a sanitizer report or a hang is a bug.
import Datasets
import Foundation

private let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-fuzz-\(getpid())").path
private let path = folder + "/labels.h5"
private let merged = folder + "/merged.h5"
private let provenance = Provenance(softwareVersion: "fuzz", commandLine: "fuzz")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLabelFile(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: count)) else { return 0 }
    _ = try? LabelFileSummary(path: path)
    if let contents = try? LabelFileReader.read(at: path) {
        for k in 0..<contents.count { _ = contents.record(k) }
    }
    _ = try? LabelFileMerger.merge([path, path], into: merged, provenance: provenance, overwrite: true)
    // Resume last: it writes into the file.
    if let configuration = try? LabelFileReader.configuration(at: path),
       let resumed = try? LabelFileWriter.resume(at: path, configuration: configuration, provenance: provenance) {
        try? resumed.writer.close()
    }
    return 0
}
