import CHDF5

/// Dataspace helpers; every returned identifier must be closed by the caller with `H5Sclose`.
enum Dataspaces {
    /// A 1-D memory dataspace of `count` elements.
    static func memory(count: Int, location: ObjectLocation, operation: String) throws(StorageError) -> hid_t {
        var dimensions = [hsize_t(count)]
        return try location.check(H5Screate_simple(1, &dimensions, nil), operation)
    }

    /// The file dataspace of `dataset` with the rows `rows` selected (all other dimensions whole).
    static func fileRows(_ dataset: hid_t, rows: Range<Int>, location: ObjectLocation, operation: String) throws(StorageError) -> hid_t {
        let space = try location.check(H5Dget_space(dataset), operation)
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dimensions = [hsize_t](repeating: 0, count: max(rank, 1))
        if rank < 1 || H5Sget_simple_extent_dims(space, &dimensions, nil) < 0 {
            _ = H5Sclose(space)
            throw location.libraryError(operation, "dataset has no rows")
        }
        var start = [hsize_t](repeating: 0, count: rank)
        start[0] = hsize_t(rows.lowerBound)
        var count = dimensions
        count[0] = hsize_t(rows.count)
        if H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nil, &count, nil) < 0 {
            _ = H5Sclose(space)
            throw location.libraryError(operation)
        }
        return space
    }
}
