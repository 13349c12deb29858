import CPNG
import Foundation

/// Reading and writing PNG files with libpng's simplified API (`png_image_*`), which reports
/// failures through return values and `png_image.message` instead of longjmp.
///
/// **Mask rule.** A pixel is wall iff it is not black: after libpng has composited any alpha
/// channel onto black, some colour (or gray) sample is nonzero. Palette, gray, gray+alpha,
/// RGB and RGBA images of 1 to 8 bits are read as 8-bit samples (untouched unless the file
/// declares a gamma other than sRGB); 16-bit images are read as 16-bit linear samples, so a
/// 16-bit value of 1 is still wall. Because luminance is a positive combination of R, G, B,
/// this is the rule "luminance > 0". Fully transparent pixels are background.
public enum PNGFile {
    /// Name used in errors for in-memory data.
    public static let memoryName = "<memory>"

    /// Largest number of pixels decoded (2^26); larger images are refused as invalid.
    public static let maximumPixelCount = 1 << 26

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let formatFlagColor: UInt32 = 0x02
    private static let formatFlagLinear: UInt32 = 0x04
    private static let formatGray: UInt32 = 0
    private static let formatRGB: UInt32 = 0x02
    private static let formatLinearRGB: UInt32 = 0x06

    /// Reads the PNG file at `path` as a wall mask (see the mask rule above) on a grid of
    /// `pixelSize` mm.
    public static func readMask(path: String, pixelSize: Double = PixelGrid.defaultPixelSize) throws(RasterError) -> Mask {
        try readMask(data: FileIO.read(path: path), pixelSize: pixelSize, name: path)
    }

    /// Decodes PNG bytes as a wall mask; `name` is used in errors.
    public static func readMask(
        data: [UInt8], pixelSize: Double = PixelGrid.defaultPixelSize, name: String = memoryName
    ) throws(RasterError) -> Mask {
        guard pixelSize.isFinite, pixelSize > 0 else { throw .invalidPixelSize(pixelSize) }
        // 16-bit sources: 16-bit linear RGB; others: 8-bit RGB. Either way 3 samples per pixel.
        let decoded = try decode(data, name: name) { source in
            source & formatFlagLinear != 0 ? formatLinearRGB : formatRGB
        }
        let bytesPerPixel = 3 * decoded.bytesPerSample
        var wall = [UInt8](repeating: 0, count: decoded.width * decoded.height)
        for index in 0..<wall.count {
            let start = index * bytesPerPixel
            if decoded.bytes[start..<(start + bytesPerPixel)].contains(where: { $0 != 0 }) { wall[index] = 1 }
        }
        guard let grid = PixelGrid(rows: decoded.height, columns: decoded.width, pixelSize: pixelSize),
              let mask = try? Mask(grid: grid, values: wall)
        else { throw .invalidPixelSize(pixelSize) }
        return mask
    }

    /// Reads the PNG file at `path` as an 8-bit image: `.gray` if the file has no colour,
    /// else `.rgb`; alpha is composited onto black, 16-bit samples are converted to 8-bit sRGB.
    public static func readImage(path: String) throws(RasterError) -> RasterImage {
        try readImage(data: FileIO.read(path: path), name: path)
    }

    /// Decodes PNG bytes as an 8-bit image (see `readImage(path:)`); `name` is used in errors.
    public static func readImage(data: [UInt8], name: String = memoryName) throws(RasterError) -> RasterImage {
        let decoded = try decode(data, name: name) { source in
            source & formatFlagColor != 0 ? formatRGB : formatGray
        }
        let channels: RasterImage.Channels = decoded.format == formatRGB ? .rgb : .gray
        return try RasterImage(width: decoded.width, height: decoded.height, channels: channels, samples: decoded.bytes)
    }

    /// Encodes an image as an 8-bit grayscale or RGB PNG.
    public static func encode(_ image: RasterImage) throws(RasterError) -> [UInt8] {
        var control = png_image()
        control.version = UInt32(PNG_IMAGE_VERSION)
        control.width = UInt32(image.width)
        control.height = UInt32(image.height)
        control.format = image.channels == .rgb ? formatRGB : formatGray
        var size: png_alloc_size_t = 0
        let sized = image.samples.withUnsafeBytes { buffer in
            png_image_write_to_memory(&control, nil, &size, 0, buffer.baseAddress, 0, nil)
        }
        guard sized != 0, size > 0 else {
            let reason = message(of: control)
            png_image_free(&control)
            throw .encodingFailed(reason: reason)
        }
        var output = [UInt8](repeating: 0, count: Int(size))
        let written = output.withUnsafeMutableBytes { destination in
            image.samples.withUnsafeBytes { source in
                png_image_write_to_memory(&control, destination.baseAddress, &size, 0, source.baseAddress, 0, nil)
            }
        }
        guard written != 0 else {
            let reason = message(of: control)
            png_image_free(&control)
            throw .encodingFailed(reason: reason)
        }
        png_image_free(&control)
        output.removeSubrange(Int(size)...)
        return output
    }

    /// Writes an image as an 8-bit grayscale or RGB PNG file.
    public static func write(_ image: RasterImage, to path: String) throws(RasterError) {
        try FileIO.write(encode(image), to: path)
    }

    /// Encodes a mask as an 8-bit grayscale PNG with 255 for set pixels and 0 elsewhere.
    public static func encode(mask: Mask) throws(RasterError) -> [UInt8] {
        try encode(RasterImage(width: mask.columns, height: mask.rows, channels: .gray, samples: mask.grayscaleBytes))
    }

    /// Writes a mask as an 8-bit grayscale PNG file (255 = set, 0 = not set).
    public static func write(mask: Mask, to path: String) throws(RasterError) {
        try FileIO.write(encode(mask: mask), to: path)
    }

    // MARK: - libpng plumbing

    /// A decoded image: raw samples in the requested libpng format (16-bit samples native-endian).
    private struct Decoded {
        let width: Int
        let height: Int
        let format: UInt32
        let bytesPerSample: Int
        let bytes: [UInt8]
    }

    /// Decodes with the simplified API. The `png_image` lives at one heap address from
    /// begin to finish (libpng's error handler keeps a pointer to it), and the input bytes stay
    /// pinned for the whole decode (libpng reads from them lazily).
    private static func decode(
        _ data: [UInt8], name: String, format chooseFormat: (UInt32) -> UInt32
    ) throws(RasterError) -> Decoded {
        guard data.count >= signature.count else {
            throw .invalidPNG(path: name, reason: "too short for a PNG (\(data.count) bytes)")
        }
        guard Array(data[0..<signature.count]) == signature else {
            throw .invalidPNG(path: name, reason: "not a PNG file (signature mismatch)")
        }
        let image = UnsafeMutablePointer<png_image>.allocate(capacity: 1)
        image.initialize(to: png_image())
        image.pointee.version = UInt32(PNG_IMAGE_VERSION)
        defer {
            png_image_free(image)
            image.deinitialize(count: 1)
            image.deallocate()
        }
        let result: Result<Decoded, RasterError> = data.withUnsafeBytes { input in
            guard png_image_begin_read_from_memory(image, input.baseAddress, input.count) != 0 else {
                return .failure(.invalidPNG(path: name, reason: message(of: image.pointee)))
            }
            let width = Int(image.pointee.width)
            let height = Int(image.pointee.height)
            let pixels = width.multipliedReportingOverflow(by: height)
            guard width > 0, height > 0, !pixels.overflow, pixels.partialValue <= maximumPixelCount else {
                return .failure(.invalidPNG(path: name, reason: "image too large (\(width) x \(height))"))
            }
            let format = chooseFormat(image.pointee.format)
            image.pointee.format = format
            let channels = format & formatFlagColor != 0 ? 3 : 1
            let bytesPerSample = format & formatFlagLinear != 0 ? 2 : 1
            var bytes = [UInt8](repeating: 0, count: width * height * channels * bytesPerSample)
            let finished = bytes.withUnsafeMutableBytes { output in
                png_image_finish_read(image, nil, output.baseAddress, 0, nil)
            }
            guard finished != 0 else {
                return .failure(.invalidPNG(path: name, reason: message(of: image.pointee)))
            }
            return .success(Decoded(width: width, height: height, format: format, bytesPerSample: bytesPerSample, bytes: bytes))
        }
        return try result.get()
    }

    private static func message(of image: png_image) -> String {
        var message = image.message
        let text = withUnsafeBytes(of: &message) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text.isEmpty ? "unknown libpng error" : text
    }
}
