/// The rows of the last, incomplete chunk of a compressed dataset that is being appended to.
///
/// Compressed chunks change size when rewritten, and HDF5 then moves them, possibly over
/// space that the last flushed metadata still points to. To keep flushed rows safe, a chunk is
/// written compressed only once, when complete; an incomplete chunk that must reach the file
/// (flush, close, read) is stored with its filters skipped ("raw"), at full chunk size, so
/// later rewrites of it happen in place with the already stored rows unchanged.
struct TailBuffer {
    /// The first row of the chunk being filled (a multiple of the chunk's row count).
    var startRow: Int
    /// The native bytes of rows `startRow ..< startRow + rowCount`.
    var bytes: [UInt8]
    /// How many leading rows of `bytes` are already stored in the file.
    var writtenRows: Int
    /// Whether the stored chunk (if any) skips the filters and may be rewritten in place.
    var storedRaw: Bool

    /// The number of rows held, given the size of one row in bytes.
    func rowCount(rowByteCount: Int) -> Int {
        rowByteCount == 0 ? 0 : bytes.count / rowByteCount
    }
}
