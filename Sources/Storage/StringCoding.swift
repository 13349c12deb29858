import CHDF5

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Conversion between Swift strings and HDF5 string buffers (variable- or fixed-length).
enum StringCoding {
    /// Throws `.invalidArgument` if a string contains a NUL character (C strings cannot hold it).
    static func validate(_ strings: [String], location: ObjectLocation, operation: String) throws(StorageError) {
        if let index = strings.firstIndex(where: { $0.utf8.contains(0) }) {
            throw location.error(.invalidArgument, operation, "string \(index) contains a NUL character")
        }
    }

    /// Calls `body` with a buffer of C string pointers, one per string, valid during the call.
    static func withPointerBuffer<Result>(_ strings: [String], _ body: (UnsafeRawPointer?) -> Result) -> Result {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer {
            for pointer in pointers {
                free(pointer)
            }
        }
        return pointers.withUnsafeBytes { body($0.baseAddress) }
    }

    /// Reads `count` strings stored with `fileType` through `reader` (`H5Dread` or `H5Aread` of
    /// `object`, the dataset or attribute, with the given memory type and destination buffer).
    /// Variable-length strings come out of the global heap through `GlobalHeapStrings`' checked
    /// reader, under the watchdog's deadline.
    static func read(
        count: Int,
        object: hid_t,
        fileType: hid_t,
        location: ObjectLocation,
        operation: String,
        reader: (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer?) -> herr_t
    ) throws(StorageError) -> [String] {
        guard count > 0 else { return [] }
        let variable = H5Tis_variable_str(fileType)
        try location.check(variable, operation)
        if variable > 0 {
            let memoryType = try location.check(HDF5Library.makeVariableLengthStringType(), operation)
            defer { _ = H5Tclose(memoryType) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = try GlobalHeapStrings.reading(object, location: location, operation: operation) {
                HDF5ReadWatchdog.watch(location, operation) {
                    pointers.withUnsafeMutableBytes { reader(memoryType, $0.baseAddress) }
                }
            }
            try location.check(status, operation)
            let strings = pointers.map { pointer in pointer.map { String(cString: $0) } ?? "" }
            let space = try Dataspaces.memory(count: count, location: location, operation: operation)
            defer { _ = H5Sclose(space) }
            _ = H5Dvlen_reclaim(memoryType, space, hid_t(H5P_DEFAULT), &pointers)
            return strings
        }
        let width = H5Tget_size(fileType)
        guard width > 0 else { throw location.libraryError(operation, "string type without size") }
        let memoryType = try location.check(H5Tcopy(fileType), operation)
        defer { _ = H5Tclose(memoryType) }
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
        var bytes = [UInt8](repeating: 0, count: count * width)
        let status = bytes.withUnsafeMutableBytes { reader(memoryType, $0.baseAddress) }
        try location.check(status, operation)
        return (0..<count).map { index in
            var field = bytes[(index * width)..<((index + 1) * width)]
            if let end = field.firstIndex(of: 0) {
                field = field[..<end]
            }
            if spacePadded {
                while field.last == 0x20 {
                    field = field.dropLast()
                }
            }
            return String(decoding: field, as: UTF8.self)
        }
    }
}
