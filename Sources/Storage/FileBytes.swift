import CHDF5

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to read or make sense of a file's raw bytes, with its reason.
struct Failure: Error {
    let message: String
}

/// Raw bytes of an open HDF5 file, for the checks libhdf5 1.10.8 lacks (`GlobalHeapStrings`,
/// `DatasetLayoutCheck`): read with `pread` on libhdf5's own descriptor of the default (sec2)
/// driver, at addresses relative to the file's base address (after any user block), with the
/// file's sizes of offsets and lengths. A file open for writing is flushed first, so that what
/// libhdf5 holds in its cache is on disk. Lock held by the caller.
struct FileBytes {
    /// libhdf5's file descriptor for the file.
    let descriptor: Int32
    /// The file's base address (its user block size): addresses are relative to it.
    let baseAddress: UInt64
    /// Size of offsets (addresses) and of lengths in the file, bytes.
    let addressSize: Int
    let lengthSize: Int
    /// The file's size on disk, bytes.
    let fileSize: UInt64

    init(_ file: hid_t, location: ObjectLocation, operation: String) throws(StorageError) {
        var intent: UInt32 = 0
        try location.check(H5Fget_intent(file, &intent), operation)
        if intent & chdf5_acc_rdwr() != 0 {
            try location.check(H5Fflush(file, H5F_SCOPE_LOCAL), operation)
        }
        let creation = try location.check(H5Fget_create_plist(file), operation)
        defer { _ = H5Pclose(creation) }
        var addressSize = 0, lengthSize = 0
        var userBlock: hsize_t = 0
        try location.check(H5Pget_sizes(creation, &addressSize, &lengthSize), operation)
        try location.check(H5Pget_userblock(creation, &userBlock), operation)
        guard (1...8).contains(addressSize), (1...8).contains(lengthSize) else {
            throw location.error(.libraryFailure, operation, "sizes of offsets \(addressSize) and lengths \(lengthSize) outside 1...8")
        }
        let access = try location.check(H5Fget_access_plist(file), operation)
        defer { _ = H5Pclose(access) }
        guard H5Pget_driver(access) == chdf5_sec2_driver() else {
            throw location.error(.libraryFailure, operation, "raw reads need a file on the default (sec2) driver")
        }
        var handle: UnsafeMutableRawPointer?
        try location.check(H5Fget_vfd_handle(file, access, &handle), operation)
        guard let handle else { throw location.error(.libraryFailure, operation, "no file descriptor") }
        descriptor = handle.load(as: Int32.self)
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw location.error(.libraryFailure, operation, "cannot stat the file (errno \(errno))")
        }
        baseAddress = userBlock
        self.addressSize = addressSize
        self.lengthSize = lengthSize
        fileSize = UInt64(status.st_size)
    }

    /// Bytes from `address` to the end of the file; nil when the address lies past it.
    func bytesAvailable(at address: UInt64) -> UInt64? {
        let (start, overflow) = baseAddress.addingReportingOverflow(address)
        guard !overflow, start < fileSize else { return nil }
        return fileSize - start
    }

    /// `count` bytes at `address` (relative to the base address).
    func read(count: Int, at address: UInt64) throws(Failure) -> [UInt8] {
        guard count >= 0, let available = bytesAvailable(at: address), UInt64(count) <= available else {
            throw Failure(message: "\(count) bytes at address \(address) lie past the end of the file (\(fileSize) bytes)")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        let start = off_t(baseAddress + address)
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, start + off_t(done)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw Failure(message: got == 0 ? "the file ends at \(fileSize) bytes" : "cannot read the file (errno \(errno))")
            }
            done += got
        }
        return bytes
    }
}

/// An unsigned little-endian integer of `count` bytes (at most 8) at `offset`.
func readLittleEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int, count: Int) -> UInt64 {
    (0..<count).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
}

/// An unsigned little-endian integer of `count` bytes (at most 8) at `offset` of `bytes`.
func readLittleEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
    bytes.withUnsafeBytes { readLittleEndian($0, at: offset, count: count) }
}
