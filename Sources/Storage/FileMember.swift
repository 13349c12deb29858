/// An open object (group or dataset) that belongs to an `HDF5File`.
///
/// The file keeps weak references to its members so that `flush()` can write rows that
/// datasets still buffer, and `close()` can close every member before the file itself.
protocol FileMember: AnyObject {
    /// Writes rows that are buffered in memory to the file (no-op when there are none).
    func writePendingRows() throws(StorageError)
    /// Closes the member's HDF5 handle without reporting failures.
    func closeHandle()
}

/// A weak reference to a file member.
final class WeakFileMember {
    weak var member: (any FileMember)?

    init(_ member: any FileMember) {
        self.member = member
    }
}
