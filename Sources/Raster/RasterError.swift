/// Errors of raster file input and output and of picture rendering.
///
/// Every case that concerns a file names it (`path`; "<memory>" for in-memory data) and
/// gives a human-readable `reason`.
public enum RasterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be opened or read (reason from the operating system).
    case unreadableFile(path: String, reason: String)
    /// The file could not be created or written (reason from the operating system).
    case unwritableFile(path: String, reason: String)
    /// The data is not a PNG, or is a truncated or corrupt one (reason from libpng or the signature check).
    case invalidPNG(path: String, reason: String)
    /// The data is not a well-formed NumPy .npy file: bad magic, truncated or garbled header, truncated data.
    case invalidNumPy(path: String, reason: String)
    /// A well-formed .npy file this module does not read: dtype, byte order or number of dimensions.
    case unsupportedNumPy(path: String, reason: String)
    /// An in-memory array or image has inconsistent dimensions or values.
    case invalidArray(reason: String)
    /// The pixel size is not finite and positive (mm).
    case invalidPixelSize(Double)
    /// libpng failed to encode an image.
    case encodingFailed(reason: String)

    /// Stable numeric code (101...), distinct from `MaskError` codes; 0 is reserved for success.
    public var code: Int {
        switch self {
        case .unreadableFile: 101
        case .unwritableFile: 102
        case .invalidPNG: 103
        case .invalidNumPy: 104
        case .unsupportedNumPy: 105
        case .invalidArray: 106
        case .invalidPixelSize: 107
        case .encodingFailed: 108
        }
    }

    /// One-sentence explanation naming the file and the reason.
    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): "cannot read \(path): \(reason)"
        case let .unwritableFile(path, reason): "cannot write \(path): \(reason)"
        case let .invalidPNG(path, reason): "\(path) is not a readable PNG: \(reason)"
        case let .invalidNumPy(path, reason): "\(path) is not a valid .npy file: \(reason)"
        case let .unsupportedNumPy(path, reason): "\(path): unsupported .npy content: \(reason)"
        case let .invalidArray(reason): "invalid array: \(reason)"
        case let .invalidPixelSize(size): "invalid pixel size \(size) mm: must be finite and positive"
        case let .encodingFailed(reason): "PNG encoding failed: \(reason)"
        }
    }
}
