/// How far the first dimension (the row count) of a dataset may grow.
public enum HDF5RowLimit: Sendable, Hashable {
    /// The row count stays at its initial value.
    case fixed
    /// Rows can be appended without limit (HDF5's unlimited dimension).
    case unlimited
    /// Rows can be appended up to this many rows in total.
    case atMost(Int)
}
