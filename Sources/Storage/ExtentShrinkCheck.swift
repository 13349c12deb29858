import CHDF5

/// Refuses to shrink a chunked dataset across more chunk positions than its file can hold.
///
/// When `H5Dset_extent` shrinks a chunked dataset, libhdf5 1.10.8 (`H5D__chunk_prune_by_extent`)
/// looks up every chunk position in the removed rows in the chunk index, allocated or not. A
/// damaged extent (a label file whose /input_index claimed 2^58 + 2 rows in chunks of 2, found by
/// the label-file fuzzer; docs/reliability.md, note 11) made `label --resume` look up 2^57 positions there
/// (not finished after 120 s), cutting the file back to its committed rows. Every chunk this module writes is allocated, and
/// each takes at least one byte of the file, so a shrink that removes more chunk positions than
/// the file has bytes (and more than 2^20, which libhdf5 walks in about a second) can only come
/// from a damaged extent (or an almost empty sparse dataset written elsewhere).
enum ExtentShrinkCheck {
    /// Chunk positions that are always walked, whatever the file's size.
    private static let minimumLimit: UInt64 = 1 << 20

    /// Throws `.shapeMismatch` when shrinking `dataset` to `rows` rows would make libhdf5 visit
    /// more chunk positions than the limit; lock held by the caller.
    static func check(_ dataset: hid_t, rows: Int, location: ObjectLocation, operation: String) throws(StorageError) {
        let space = try location.check(H5Dget_space(dataset), operation)
        defer { _ = H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 1 else { return }
        var extent = [hsize_t](repeating: 0, count: rank)
        guard H5Sget_simple_extent_dims(space, &extent, nil) == rank, UInt64(rows) < extent[0] else { return }
        let creation = try location.check(H5Dget_create_plist(dataset), operation)
        defer { _ = H5Pclose(creation) }
        guard H5Pget_layout(creation) == H5D_CHUNKED else { return }
        var chunk = [hsize_t](repeating: 0, count: rank)
        guard H5Pget_chunk(creation, Int32(rank), &chunk) == rank, !chunk.contains(0) else { return }
        // The chunk rows from the one holding the new last row to the last one, times the chunks
        // across the other dimensions.
        var positions = (extent[0] - 1) / chunk[0] + 1 - UInt64(rows) / chunk[0]
        var overflow = false
        for k in 1..<rank where !overflow {
            let across = extent[k] == 0 ? 0 : (extent[k] - 1) / chunk[k] + 1
            (positions, overflow) = positions.multipliedReportingOverflow(by: across)
        }
        let file = try location.check(H5Iget_file_id(dataset), operation)
        defer { _ = H5Fclose(file) }
        var size: hsize_t = 0
        try location.check(H5Fget_filesize(file, &size), operation)
        let limit = max(size, minimumLimit)
        guard overflow || positions > limit else { return }
        throw location.error(
            .shapeMismatch, operation,
            "shrinking \(extent[0]) rows in chunks of \(chunk[0]) to \(rows) would make libhdf5 visit \(overflow ? "more than 2^64" : "\(positions)") chunk positions, more than the file of \(size) bytes can hold (a damaged extent)")
    }
}
