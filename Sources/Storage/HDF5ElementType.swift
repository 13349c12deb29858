/// The element type of a dataset or attribute as stored in a file.
///
/// The raw values name NumPy's dtypes, which is what h5py users see.
public enum HDF5ElementType: String, Sendable, Hashable, CaseIterable {
    /// Unsigned 8-bit integer (`uint8`).
    case uint8
    /// Signed 32-bit integer (`int32`).
    case int32
    /// Signed 64-bit integer (`int64`).
    case int64
    /// IEEE 754 single precision (`float32`).
    case float32
    /// IEEE 754 double precision (`float64`).
    case float64
    /// Text (variable- or fixed-length string).
    case string
    /// Any other HDF5 type (other integer widths, compounds, enums, ...); not readable here.
    case unsupported

    /// The size of one element in bytes; 0 for `string` and `unsupported`.
    public var byteCount: Int {
        switch self {
        case .uint8: return 1
        case .int32, .float32: return 4
        case .int64, .float64: return 8
        case .string, .unsupported: return 0
        }
    }

    /// Whether the type is one of the five numeric types.
    public var isNumeric: Bool { byteCount > 0 }
}
