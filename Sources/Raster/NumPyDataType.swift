/// Element types of .npy arrays this module reads and writes (all little-endian).
public enum NumPyDataType: String, Sendable, Hashable, CaseIterable, Codable {
    /// NumPy `bool` ('|b1'): one byte, 0 or 1.
    case bool
    /// NumPy `uint8` ('|u1').
    case uint8
    /// NumPy `int32` ('<i4').
    case int32
    /// NumPy `int64` ('<i8').
    case int64
    /// NumPy `float32` ('<f4').
    case float32
    /// NumPy `float64` ('<f8').
    case float64

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .bool, .uint8: 1
        case .int32, .float32: 4
        case .int64, .float64: 8
        }
    }

    /// The dtype string written in .npy headers, e.g. "<f8".
    public var descriptor: String {
        switch self {
        case .bool: "|b1"
        case .uint8: "|u1"
        case .int32: "<i4"
        case .int64: "<i8"
        case .float32: "<f4"
        case .float64: "<f8"
        }
    }

    /// Parses a header dtype string. The byte-order character may be '<', '|' or '=' (native,
    /// little-endian on every supported platform), and for one-byte types also '>'.
    /// Returns nil for any other type; `isBigEndian` reports '>' on a multi-byte type.
    static func parse(_ text: String) -> (type: NumPyDataType?, isBigEndian: Bool) {
        guard let order = text.first, "<>|=".contains(order) else { return (nil, false) }
        let code = String(text.dropFirst())
        let type: NumPyDataType? = switch code {
        case "b1": .bool
        case "u1": .uint8
        case "i4": .int32
        case "i8": .int64
        case "f4": .float32
        case "f8": .float64
        default: nil
        }
        guard let type else { return (nil, false) }
        if order == ">" && type.byteCount > 1 { return (type, true) }
        return (type, false)
    }
}
