// libFuzzer target: model files, as `predict` (SurrogateTrainer.load), the VAE commands
// (VAETrainer.load) and the MNIST experiments (ClassifierTrainer.load) open them. Compiled against
// the Raster, Storage, Neural and Learning modules by fuzz/run.sh. The loaders take a path, so each
// input is written to one temporary file (per process) first.
//
// Every input must load or be refused with a LearningError; a crash, a sanitizer report, running out
// of memory or a hang is a bug.
import Foundation
import Learning

private let path = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-fuzz-\(getpid())-model.h5").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: count)) else { return 0 }
    _ = try? VAETrainer.load(path: path)
    _ = try? ClassifierTrainer.load(path: path)
    _ = try? SurrogateTrainer.load(path: path)
    return 0
}
