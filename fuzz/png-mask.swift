// libFuzzer target: PNG masks (`label MASK.png`) and PNG images. Compiled against the Raster module
// by fuzz/run.sh.
//
// Any input must decode or throw a RasterError; a decoded mask of at most 256 x 256 pixels is
// validated (a MaskError is an answer too). A crash, a sanitizer report or a hang is a bug.
// libpng rejects a chunk whose CRC does not match, which would stop most mutations at the first
// check, so each input is also decoded with every chunk's CRC recomputed.
import Raster

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNGMask(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = [UInt8](UnsafeRawBufferPointer(start: data, count: count))
    decode(input)
    let fixed = withCorrectCRCs(input)
    if fixed != input { decode(fixed) }
    return 0
}

private func decode(_ bytes: [UInt8]) {
    if let mask = try? PNGFile.readMask(data: bytes, name: "fuzz.png"), mask.rows * mask.columns <= 256 * 256 {
        _ = try? mask.validated()
    }
    if let image = try? PNGFile.readImage(data: bytes, name: "fuzz.png"), image.width * image.height <= 256 * 256 {
        // Round trip through the encoder: what was read must be writable again.
        _ = try? PNGFile.encode(image)
    }
}

/// The bytes with the CRC of every complete chunk after the signature recomputed.
private func withCorrectCRCs(_ bytes: [UInt8]) -> [UInt8] {
    var out = bytes
    var offset = 8
    while offset + 12 <= out.count {
        let length = Int(out[offset]) << 24 | Int(out[offset + 1]) << 16 | Int(out[offset + 2]) << 8 | Int(out[offset + 3])
        guard length <= out.count - offset - 12 else { break }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in out[(offset + 4)..<(offset + 8 + length)] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        let end = offset + 8 + length
        for k in 0..<4 { out[end + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * k)) }
        offset = end + 4
    }
    return out
}
