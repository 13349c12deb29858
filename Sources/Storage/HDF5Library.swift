import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide access to the HDF5 C library: one lock, one-time setup, error stack capture.
///
/// Every entry point of the module runs its HDF5 calls inside `HDF5Library.run`, which holds
/// the global lock, switches off HDF5's automatic error printing, and clears the error stack so
/// that messages captured after a failure belong to the failing call. Debian's "serial" build
/// is compiled thread-safe, which makes the error stack and its printing setting per thread:
/// both are therefore set on every entry, on the calling thread.
enum HDF5Library {
    /// The lock guarding every HDF5 call made by this module.
    static let lock = HDF5Lock()

    /// One-time setup. HDF5's exit handler is switched off (`H5dont_atexit`, before anything
    /// else): HDF5 1.10.8 crashes in it (H5F__close_cb) on a file whose close failed because a
    /// flush failed, as on a full disk, turning a clear error into a segmentation fault at exit.
    /// This module closes every file itself (`close()`, or the deinitializer), and committed data
    /// never depends on the exit handler (a killed process does not run it either).
    private static let initialized: Bool = {
        _ = H5dont_atexit()
        _ = H5open()
        return true
    }()

    /// Library setup for the calling thread: no automatic error printing, empty error stack.
    private static func prepareThread() {
        _ = initialized
        _ = H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        _ = H5Eclear2(hid_t(H5E_DEFAULT))
    }

    /// The most bytes one read may return: the machine's physical memory (a larger read can only
    /// come from a damaged shape, and would abort in the allocator).
    static let readableByteLimit: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return Int.max }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? Int.max : bytes
    }()

    /// Runs `body` holding the global lock, after one-time library setup.
    static func run<Result>(_ body: () throws(StorageError) -> Result) throws(StorageError) -> Result {
        try lock.withLock { () throws(StorageError) -> Result in
            prepareThread()
            return try body()
        }
    }

    /// Runs `body` holding the global lock where failures cannot be reported (deinitializers).
    static func runSilently(_ body: () -> Void) {
        lock.withLock { () -> Void in
            prepareThread()
            body()
            _ = H5Eclear2(hid_t(H5E_DEFAULT))
        }
    }

    /// Returns the messages on HDF5's default error stack (outermost first) and clears it.
    static func takeErrorMessages() -> [String] {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { pointer in
            _ = H5Ewalk2(hid_t(H5E_DEFAULT), H5E_WALK_UPWARD, { _, entry, clientData in
                guard let entry, let clientData else { return 0 }
                let list = clientData.assumingMemoryBound(to: [String].self)
                let function = entry.pointee.func_name.map { String(cString: $0) } ?? "?"
                var text = entry.pointee.desc.map { String(cString: $0) } ?? ""
                var buffer = [CChar](repeating: 0, count: 256)
                var messageType = H5E_MINOR
                let length = H5Eget_msg(entry.pointee.min_num, &messageType, &buffer, buffer.count)
                if length > 0 {
                    let minor = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    text += text.isEmpty ? minor : " (\(minor))"
                }
                list.pointee.append("\(function): \(text)")
                return 0
            }, pointer)
        }
        _ = H5Eclear2(hid_t(H5E_DEFAULT))
        return messages.reversed()
    }

    /// A new variable-length UTF-8 string type; the caller closes it with `H5Tclose`.
    static func makeVariableLengthStringType() -> hid_t {
        let type = H5Tcopy(chdf5_c_s1())
        if type >= 0 {
            _ = H5Tset_size(type, chdf5_variable())
            _ = H5Tset_cset(type, H5T_CSET_UTF8)
        }
        return type
    }
}

extension HDF5ElementType {
    /// The native HDF5 memory type for a numeric element type; -1 for strings and unsupported.
    var nativeTypeIdentifier: hid_t {
        switch self {
        case .uint8: return chdf5_native_uint8()
        case .int32: return chdf5_native_int32()
        case .int64: return chdf5_native_int64()
        case .float32: return chdf5_native_float()
        case .float64: return chdf5_native_double()
        case .string, .unsupported: return -1
        }
    }

    /// Classifies an HDF5 datatype identifier.
    init(typeIdentifier type: hid_t) {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            switch (size, signed) {
            case (1, false): self = .uint8
            case (4, true): self = .int32
            case (8, true): self = .int64
            default: self = .unsupported
            }
        case H5T_FLOAT:
            switch size {
            case 4: self = .float32
            case 8: self = .float64
            default: self = .unsupported
            }
        case H5T_STRING:
            self = .string
        default:
            self = .unsupported
        }
    }
}
