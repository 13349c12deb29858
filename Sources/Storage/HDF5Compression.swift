/// The filter pipeline of a chunked dataset: optional byte shuffle and optional deflate (zlib).
///
/// Both filters ship with every HDF5 build, so h5py, HDFView and ParaView read the data.
public struct HDF5Compression: Sendable, Hashable {
    /// Whether the shuffle filter reorders bytes before deflate (helps numeric data).
    public var shuffle: Bool
    /// The deflate level, 0 (fastest) to 9 (smallest); nil means no deflate.
    public var deflateLevel: Int?

    /// Creates a filter pipeline description.
    public init(shuffle: Bool, deflateLevel: Int?) {
        self.shuffle = shuffle
        self.deflateLevel = deflateLevel
    }

    /// No filters.
    public static let none = HDF5Compression(shuffle: false, deflateLevel: nil)

    /// Shuffle (by default) followed by deflate at `level` (default 4).
    public static func deflate(level: Int = 4, shuffle: Bool = true) -> HDF5Compression {
        HDF5Compression(shuffle: shuffle, deflateLevel: level)
    }

    /// Whether any filter is used.
    public var isEnabled: Bool { shuffle || deflateLevel != nil }
}
