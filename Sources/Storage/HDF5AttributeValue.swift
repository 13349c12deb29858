/// The value of an attribute of any supported type, for inspection without knowing the type.
///
/// Integers of every supported width are widened to `Int64`, floats to `Double`. Scalar
/// attributes give the singular cases, 1-D (or larger, flattened) attributes the plural ones.
public enum HDF5AttributeValue: Sendable, Equatable {
    /// A scalar integer.
    case integer(Int64)
    /// An array of integers.
    case integers([Int64])
    /// A scalar floating-point number.
    case real(Double)
    /// An array of floating-point numbers.
    case reals([Double])
    /// A scalar string.
    case string(String)
    /// An array of strings.
    case strings([String])
}
