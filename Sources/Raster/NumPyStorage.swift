/// Typed element storage of a `NumPyArray`, row-major (C order).
public enum NumPyStorage: Sendable, Hashable {
    /// `bool` elements.
    case bool([Bool])
    /// `uint8` elements.
    case uint8([UInt8])
    /// `int32` elements.
    case int32([Int32])
    /// `int64` elements.
    case int64([Int64])
    /// `float32` elements.
    case float32([Float])
    /// `float64` elements.
    case float64([Double])

    /// The element type.
    public var dataType: NumPyDataType {
        switch self {
        case .bool: .bool
        case .uint8: .uint8
        case .int32: .int32
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        }
    }

    /// Number of elements.
    public var count: Int {
        switch self {
        case let .bool(values): values.count
        case let .uint8(values): values.count
        case let .int32(values): values.count
        case let .int64(values): values.count
        case let .float32(values): values.count
        case let .float64(values): values.count
        }
    }

    /// Element `index` as a Double (bool: 0 or 1; large int64 values lose precision).
    public func doubleValue(at index: Int) -> Double {
        switch self {
        case let .bool(values): values[index] ? 1 : 0
        case let .uint8(values): Double(values[index])
        case let .int32(values): Double(values[index])
        case let .int64(values): Double(values[index])
        case let .float32(values): Double(values[index])
        case let .float64(values): values[index]
        }
    }

    /// The elements in `range` with the same type.
    func slice(_ range: Range<Int>) -> NumPyStorage {
        switch self {
        case let .bool(values): .bool(Array(values[range]))
        case let .uint8(values): .uint8(Array(values[range]))
        case let .int32(values): .int32(Array(values[range]))
        case let .int64(values): .int64(Array(values[range]))
        case let .float32(values): .float32(Array(values[range]))
        case let .float64(values): .float64(Array(values[range]))
        }
    }

    /// The elements permuted: result[i] = self[source[i]].
    func gathered(_ source: [Int]) -> NumPyStorage {
        switch self {
        case let .bool(values): .bool(source.map { values[$0] })
        case let .uint8(values): .uint8(source.map { values[$0] })
        case let .int32(values): .int32(source.map { values[$0] })
        case let .int64(values): .int64(source.map { values[$0] })
        case let .float32(values): .float32(source.map { values[$0] })
        case let .float64(values): .float64(source.map { values[$0] })
        }
    }
}
