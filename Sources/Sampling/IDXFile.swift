import CZlib
import Foundation

/// Why an IDX file could not be read.
public enum IDXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No file at the path.
    case fileNotFound(path: String)
    /// The file exists but could not be opened or decompressed.
    case unreadable(path: String, reason: String)
    /// The magic number is not 0x0000_08_NN (unsigned bytes, NN dimensions).
    case badMagic(path: String, found: UInt32)
    /// Fewer bytes than the header promises.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// Shapes that must agree do not (images vs labels, image size).
    case inconsistent(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): "\(path): no such file"
        case .unreadable(let path, let reason): "\(path): cannot read (\(reason))"
        case .badMagic(let path, let found):
            "\(path): not an unsigned-byte IDX file (magic 0x\(String(found, radix: 16)), expected 0x8NN)"
        case .truncated(let path, let expected, let actual): "\(path): truncated, \(actual) of \(expected) bytes"
        case .inconsistent(let path, let reason): "\(path): \(reason)"
        }
    }
}

/// An IDX array of unsigned bytes (the MNIST file format): a big-endian header
/// `00 00 08 D` + D big-endian UInt32 extents, then the bytes in row-major order.
public struct IDXArray: Sendable, Equatable {
    /// The extents, e.g. [60000, 28, 28] for images, [60000] for labels.
    public var shape: [Int]
    /// The values, row-major.
    public var bytes: [UInt8]

    /// Creates an array (`bytes.count` must be the product of `shape`).
    public init(shape: [Int], bytes: [UInt8]) {
        self.shape = shape
        self.bytes = bytes
    }

    /// Reads a gzip-compressed (`.gz`) or uncompressed IDX file; zlib reads both.
    public static func read(path: String) throws(IDXError) -> IDXArray {
        guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
        let data = try decompressedContents(path: path)
        return try parse(data, path: path)
    }

    /// Parses the bytes of an uncompressed IDX file.
    public static func parse(_ data: [UInt8], path: String = "<memory>") throws(IDXError) -> IDXArray {
        func word(_ offset: Int) -> UInt32 {
            data[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        guard data.count >= 4 else { throw .truncated(path: path, expectedBytes: 4, actualBytes: data.count) }
        let magic = word(0)
        let dimensions = Int(magic & 0xFF)
        guard magic >> 8 == 0x08, (1...4).contains(dimensions) else { throw .badMagic(path: path, found: magic) }
        let headerSize = 4 + 4 * dimensions
        guard data.count >= headerSize else { throw .truncated(path: path, expectedBytes: headerSize, actualBytes: data.count) }
        let shape = (0..<dimensions).map { Int(word(4 + 4 * $0)) }
        let count = shape.reduce(1, *)
        guard data.count >= headerSize + count else {
            throw .truncated(path: path, expectedBytes: headerSize + count, actualBytes: data.count)
        }
        return IDXArray(shape: shape, bytes: Array(data[headerSize..<headerSize + count]))
    }

    /// Encodes the array as uncompressed IDX bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(shape.count)]
        for extent in shape { out += withUnsafeBytes(of: UInt32(extent).bigEndian, Array.init) }
        return out + bytes
    }

    private static func decompressedContents(path: String) throws(IDXError) -> [UInt8] {
        guard let file = gzopen(path, "rb") else { throw .unreadable(path: path, reason: "gzopen failed") }
        defer { gzclose(file) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let read = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if read < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "zlib error"
                throw .unreadable(path: path, reason: message)
            }
            if read == 0 { break }
            out.append(contentsOf: buffer[0..<Int(read)])
        }
        return out
    }
}

/// A set of labeled digit images: N images of rows x columns bytes (0...255) and N classes.
public struct DigitImages: Sendable {
    /// Image height in pixels (28).
    public var rows: Int
    /// Image width in pixels (28).
    public var columns: Int
    /// Pixel bytes, image after image, row-major.
    public var pixels: [UInt8]
    /// The class of each image (0...9).
    public var labels: [Int]

    /// Number of images.
    public var count: Int { labels.count }

    /// Image `index` scaled to [0, 1] (byte / 255).
    public func image(_ index: Int) -> [Float] {
        let size = rows * columns
        return pixels[index * size..<(index + 1) * size].map { Float($0) / 255 }
    }

    /// Reads an IDX image file ([N, rows, columns]) and its IDX label file ([N]).
    public static func read(images: String, labels: String) throws(IDXError) -> DigitImages {
        let imageArray = try IDXArray.read(path: images)
        let labelArray = try IDXArray.read(path: labels)
        guard imageArray.shape.count == 3 else {
            throw .inconsistent(path: images, reason: "expected 3 dimensions (N, rows, columns), found \(imageArray.shape)")
        }
        guard labelArray.shape.count == 1, labelArray.shape[0] == imageArray.shape[0] else {
            throw .inconsistent(path: labels, reason: "expected \(imageArray.shape[0]) labels, shape \(labelArray.shape)")
        }
        return DigitImages(rows: imageArray.shape[1], columns: imageArray.shape[2], pixels: imageArray.bytes,
                           labels: labelArray.bytes.map(Int.init))
    }
}

/// The MNIST training and test sets from a directory holding the four standard files
/// (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
/// `t10k-labels-idx1-ubyte`), each either gzip-compressed with the `.gz` suffix or plain.
public struct MNISTDataset: Sendable {
    /// The environment variable naming the MNIST directory when no path is given.
    public static let environmentVariable = "PLAQUEFEM_MNIST"
    /// 60,000 training images.
    public var training: DigitImages
    /// 10,000 test images.
    public var test: DigitImages

    /// Reads the four files from `directory`.
    public static func read(directory: String) throws(IDXError) -> MNISTDataset {
        func file(_ stem: String) throws(IDXError) -> String {
            let plain = (directory as NSString).appendingPathComponent(stem)
            for candidate in [plain + ".gz", plain] where FileManager.default.fileExists(atPath: candidate) { return candidate }
            throw .fileNotFound(path: plain + "[.gz]")
        }
        return MNISTDataset(
            training: try DigitImages.read(images: try file("train-images-idx3-ubyte"), labels: try file("train-labels-idx1-ubyte")),
            test: try DigitImages.read(images: try file("t10k-images-idx3-ubyte"), labels: try file("t10k-labels-idx1-ubyte")))
    }
}
