// libFuzzer target: .npy masks (`label MASKS.npy`, 2D or stacked 3D). Compiled against the Raster
// module by fuzz/run.sh.
//
// Any input must decode or throw a RasterError; every image of a decoded array must become a mask
// or throw a MaskError, as `label` reads them; masks of at most 256 x 256 pixels are validated.
import Raster

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumPyMask(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: count))
    guard let array = try? NumPyFile.decode(bytes, name: "fuzz.npy") else { return 0 }
    for k in 0..<min(array.imageCount, 64) {
        guard let mask = try? array.mask(at: k) else { continue }
        if mask.rows * mask.columns <= 256 * 256 { _ = try? mask.validated() }
    }
    // What was read must encode again.
    _ = NumPyFile.encode(array)
    return 0
}
