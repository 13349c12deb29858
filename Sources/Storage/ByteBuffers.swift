#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte array helpers built on `memcpy`, so that megabyte-sized rows are copied quickly even
/// in debug builds (generic element-wise copies are slow there).
enum ByteBuffers {
    /// The bytes of `values`, followed by zeros up to `minimumCount` bytes.
    static func bytes<Element: BitwiseCopyable>(of values: [Element], minimumCount: Int = 0) -> [UInt8] {
        values.withUnsafeBytes { source in
            concatenate([], source, minimumCount: minimumCount)
        }
    }

    /// `prefix` followed by `suffix`, then zeros up to `minimumCount` bytes.
    static func concatenate(_ prefix: [UInt8], _ suffix: UnsafeRawBufferPointer, minimumCount: Int = 0) -> [UInt8] {
        let count = max(prefix.count + suffix.count, minimumCount)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else {
                initialized = 0
                return
            }
            prefix.withUnsafeBytes { source in
                if let address = source.baseAddress {
                    memcpy(base, address, source.count)
                }
            }
            if let address = suffix.baseAddress {
                memcpy(base + prefix.count, address, suffix.count)
            }
            let filled = prefix.count + suffix.count
            if count > filled {
                memset(base + filled, 0, count - filled)
            }
            initialized = count
        }
    }

    /// A copy of `bytes[range]`, followed by zeros up to `minimumCount` bytes.
    static func slice(_ bytes: [UInt8], _ range: Range<Int>, minimumCount: Int = 0) -> [UInt8] {
        bytes.withUnsafeBytes { source in
            concatenate([], UnsafeRawBufferPointer(rebasing: source[range]), minimumCount: minimumCount)
        }
    }
}
