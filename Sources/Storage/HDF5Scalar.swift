/// A numeric Swift type that maps one-to-one onto a native HDF5 type.
///
/// Implemented by `UInt8`, `Int32`, `Int64`, `Float` and `Double`; the generic dataset and
/// attribute APIs accept exactly these. Values are stored in the machine's native byte order.
public protocol HDF5Scalar: BitwiseCopyable, Sendable, Equatable {
    /// The element type this Swift type is stored as.
    static var hdf5ElementType: HDF5ElementType { get }
}

extension UInt8: HDF5Scalar {
    /// Stored as `uint8`.
    public static var hdf5ElementType: HDF5ElementType { .uint8 }
}

extension Int32: HDF5Scalar {
    /// Stored as `int32`.
    public static var hdf5ElementType: HDF5ElementType { .int32 }
}

extension Int64: HDF5Scalar {
    /// Stored as `int64`.
    public static var hdf5ElementType: HDF5ElementType { .int64 }
}

extension Float: HDF5Scalar {
    /// Stored as `float32`.
    public static var hdf5ElementType: HDF5ElementType { .float32 }
}

extension Double: HDF5Scalar {
    /// Stored as `float64`.
    public static var hdf5ElementType: HDF5ElementType { .float64 }
}
