import CHDF5

/// What HDF5 says about an open dataset: type, shape, limits, chunking and filters.
struct DatasetDescription {
    /// The stored element type.
    var elementType: HDF5ElementType
    /// The current extent.
    var shape: [Int]
    /// The maximum extent per dimension; nil means unlimited.
    var maximumShape: [Int?]
    /// The chunk shape, or nil for contiguous or compact layout.
    var chunkShape: [Int]?
    /// Shuffle and deflate as found in the filter pipeline.
    var compression: HDF5Compression
    /// The number of filters in the pipeline (including any not described by `compression`).
    var filterCount: Int

    /// Reads the description of an open dataset; lock held by caller.
    static func read(_ dataset: hid_t, location: ObjectLocation, operation: String) throws(StorageError) -> DatasetDescription {
        let type = H5Dget_type(dataset)
        try location.check(type, operation)
        let elementType = HDF5ElementType(typeIdentifier: type)
        _ = H5Tclose(type)

        let (shape, maximumShape) = try extent(of: dataset, location: location, operation: operation)

        let creationList = H5Dget_create_plist(dataset)
        try location.check(creationList, operation)
        defer { _ = H5Pclose(creationList) }
        var chunkShape: [Int]?
        if H5Pget_layout(creationList) == H5D_CHUNKED {
            var dimensions = [hsize_t](repeating: 0, count: max(shape.count, 1))
            try location.check(H5Pget_chunk(creationList, Int32(dimensions.count), &dimensions), operation)
            let chunk = dimensions.compactMap { Int(exactly: $0) }
            guard chunk.count == dimensions.count else {
                throw location.error(.shapeMismatch, operation, "chunk dimensions \(dimensions) exceed the largest integer")
            }
            chunkShape = chunk
        }
        let filterCount = Int(H5Pget_nfilters(creationList))
        try location.check(filterCount, operation)
        var compression = HDF5Compression.none
        for index in 0..<filterCount {
            var flags: UInt32 = 0
            var valueCount = 8
            var values = [UInt32](repeating: 0, count: valueCount)
            let filter = H5Pget_filter2(
                creationList, UInt32(index), &flags, &valueCount, &values, 0, nil, nil)
            if filter == H5Z_FILTER_SHUFFLE {
                compression.shuffle = true
            } else if filter == H5Z_FILTER_DEFLATE {
                compression.deflateLevel = valueCount > 0 ? Int(values[0]) : nil
            }
        }
        _ = H5Eclear2(hid_t(H5E_DEFAULT))
        return DatasetDescription(
            elementType: elementType, shape: shape, maximumShape: maximumShape, chunkShape: chunkShape,
            compression: compression, filterCount: filterCount)
    }

    /// The current and maximum extent of an open dataset; lock held by caller.
    static func extent(of dataset: hid_t, location: ObjectLocation, operation: String) throws(StorageError) -> ([Int], [Int?]) {
        let space = H5Dget_space(dataset)
        try location.check(space, operation)
        defer { _ = H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        try location.check(rank, operation)
        var dimensions = [hsize_t](repeating: 0, count: max(rank, 1))
        var maximum = [hsize_t](repeating: 0, count: max(rank, 1))
        try location.check(H5Sget_simple_extent_dims(space, &dimensions, &maximum), operation)
        let unlimited = chdf5_unlimited()
        // A damaged dataspace can hold sizes past Int.max (found by fuzzing): refuse, do not trap.
        var shape: [Int] = [], maximumShape: [Int?] = []
        for (size, limit) in zip(dimensions.prefix(rank), maximum.prefix(rank)) {
            guard let size = Int(exactly: size), limit == unlimited || Int(exactly: limit) != nil else {
                throw location.error(.shapeMismatch, operation,
                                     "dataspace dimensions \(Array(dimensions.prefix(rank))) (maximum \(Array(maximum.prefix(rank)))) exceed the largest integer")
            }
            // libhdf5 1.10.8 accepts a current size above the maximum (newer versions refuse it):
            // a damaged 2.5 KB mask file claimed 83,886,096 rows of a maximum of 16, and reading it
            // allocated 2.7 GB (found by fuzzing, docs/reliability.md, note 14).
            guard limit == unlimited || size <= limit else {
                throw location.error(.shapeMismatch, operation,
                                     "dataspace dimensions \(Array(dimensions.prefix(rank))) exceed their maximum \(Array(maximum.prefix(rank)))")
            }
            shape.append(size)
            maximumShape.append(limit == unlimited ? nil : Int(limit))
        }
        return (shape, maximumShape)
    }
}
