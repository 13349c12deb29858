// libFuzzer target: HDF5 mask files, as `label FILE.h5` reads them (`MaskInput`, dataset /masks)
// and as `train`/`predict` read them (`MaskDataset`: a label file or any file with /masks). Compiled
// by fuzz/run.sh against the library modules, together with the command line's two reader files.
// The readers take a path, so each input is written to one temporary file (per process) first.
//
// Every input must give masks or typed failures; masks of at most 256 x 256 pixels are validated.
import Foundation
import Raster

private let path = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-fuzz-\(getpid())-masks.h5").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5Mask(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: count)) else { return 0 }
    for item in MaskInput.read([path], pixelSize: 0.125, hdf5Dataset: "masks").prefix(8) {
        if case .success(let mask) = item.mask, mask.rows * mask.columns <= 256 * 256 { _ = try? mask.validated() }
    }
    _ = try? MaskDataset.read(path: path, labeledOnly: true)
    return 0
}
