import Foundation

/// Reading and writing NumPy .npy files (format versions 1.0, 2.0 and 3.0) holding a 2D
/// (H, W) or 3D (N, H, W) array.
///
/// Read: dtypes bool, uint8, int32, int64, float32, float64, little-endian ('<', '|' or '=');
/// big-endian multi-byte data and other dtypes are `RasterError.unsupportedNumPy`.
/// `fortran_order: True` arrays are transposed into C order, so `NumPyArray` is always
/// row-major with the shape written in the header. A bad magic string, a truncated or garbled
/// header and truncated data are `RasterError.invalidNumPy`.
///
/// Write: any `NumPyArray` (in particular uint8, float32 and float64), C order, version 1.0
/// (2.0 if requested or if the header does not fit in 65,535 bytes), header padded with
/// spaces and a newline so the data starts at a multiple of 64 bytes, as NumPy does.
public enum NumPyFile {
    /// Format version written by `encode(_:version:)`.
    public enum Version: Sendable, Hashable {
        /// Version 1.0 (2-byte header length), falling back to 2.0 for huge headers.
        case version1
        /// Version 2.0 (4-byte header length).
        case version2
    }

    /// Name used in errors for in-memory data.
    public static let memoryName = "<memory>"

    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Reads the .npy file at `path`.
    public static func read(path: String) throws(RasterError) -> NumPyArray {
        try decode(FileIO.read(path: path), name: path)
    }

    /// Decodes .npy bytes; `name` is used in errors.
    public static func decode(_ data: [UInt8], name: String = memoryName) throws(RasterError) -> NumPyArray {
        guard data.count >= 10, Array(data[0..<6]) == magic else {
            throw .invalidNumPy(path: name, reason: "missing \\x93NUMPY magic string")
        }
        let major = data[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(data[8]) | Int(data[9]) << 8
            headerStart = 10
        case 2, 3:
            guard data.count >= 12 else { throw .invalidNumPy(path: name, reason: "truncated header length") }
            headerLength = Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
            headerStart = 12
        default:
            throw .unsupportedNumPy(path: name, reason: "format version \(major).\(data[7])")
        }
        guard headerStart + headerLength <= data.count else {
            throw .invalidNumPy(
                path: name,
                reason: "truncated header: \(headerLength) bytes announced, \(data.count - headerStart) present")
        }
        let headerBytes = data[headerStart..<(headerStart + headerLength)]
        guard let headerText = String(validating: headerBytes, as: UTF8.self) else {
            throw .invalidNumPy(path: name, reason: "header is not text")
        }
        let header: NumPyHeader
        do {
            header = try NumPyHeader(parsing: headerText)
        } catch {
            throw .invalidNumPy(path: name, reason: "garbled header: \(error.reason)")
        }
        guard let descriptor = header.descriptor else {
            throw .unsupportedNumPy(path: name, reason: "structured dtype")
        }
        let parsed = NumPyDataType.parse(descriptor)
        guard let type = parsed.type else {
            throw .unsupportedNumPy(path: name, reason: "dtype '\(descriptor)' (supported: b1, u1, i4, i8, f4, f8)")
        }
        guard !parsed.isBigEndian else {
            throw .unsupportedNumPy(path: name, reason: "big-endian dtype '\(descriptor)'")
        }
        guard header.shape.count == 2 || header.shape.count == 3 else {
            throw .unsupportedNumPy(path: name, reason: "\(header.shape.count)-dimensional array; only 2D (H, W) and 3D (N, H, W) are read")
        }
        guard let count = NumPyArray.product(header.shape),
              case let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.byteCount), !overflow
        else { throw .invalidNumPy(path: name, reason: "shape \(header.shape) is too large") }
        let dataStart = headerStart + headerLength
        guard data.count - dataStart >= byteCount else {
            throw .invalidNumPy(
                path: name,
                reason: "truncated data: \(byteCount) bytes expected, \(data.count - dataStart) present")
        }
        var storage = decodeElements(data, from: dataStart, count: count, type: type)
        if header.fortranOrder {
            storage = storage.gathered(fortranSource(shape: header.shape))
        }
        do {
            return try NumPyArray(shape: header.shape, storage: storage)
        } catch {
            throw .invalidNumPy(path: name, reason: error.description)
        }
    }

    /// Encodes an array as .npy bytes (C order, little-endian).
    public static func encode(_ array: NumPyArray, version: Version = .version1) -> [UInt8] {
        encode(shape: array.shape, storage: array.storage, version: version)
    }

    /// Encodes elements of any shape (e.g. a 1-D vector, which `NumPyArray` does not hold) as
    /// .npy bytes; the product of `shape` must be `storage.count`.
    public static func encode(shape: [Int], storage: NumPyStorage, version: Version = .version1) -> [UInt8] {
        // A Python tuple of one element needs its trailing comma: (8,).
        let shapeText = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        let dictionary = "{'descr': '\(storage.dataType.descriptor)', 'fortran_order': False, 'shape': (\(shapeText)), }"
        let useVersion2 = version == .version2 || dictionary.utf8.count + 1 + 64 > 65_535
        let prefixLength = useVersion2 ? 12 : 10
        let unpadded = prefixLength + dictionary.utf8.count + 1
        let padding = (64 - unpadded % 64) % 64
        let header = dictionary + String(repeating: " ", count: padding) + "\n"
        let headerLength = header.utf8.count
        var bytes = magic
        bytes += useVersion2 ? [2, 0] : [1, 0]
        bytes.append(UInt8(headerLength & 0xFF))
        bytes.append(UInt8((headerLength >> 8) & 0xFF))
        if useVersion2 {
            bytes.append(UInt8((headerLength >> 16) & 0xFF))
            bytes.append(UInt8((headerLength >> 24) & 0xFF))
        }
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + storage.count * storage.dataType.byteCount)
        switch storage {
        case let .bool(values): bytes += values.map { $0 ? 1 : 0 }
        case let .uint8(values): bytes += values
        case let .int32(values): for value in values { appendLittleEndian(UInt32(bitPattern: value), to: &bytes) }
        case let .int64(values): for value in values { appendLittleEndian(UInt64(bitPattern: value), to: &bytes) }
        case let .float32(values): for value in values { appendLittleEndian(value.bitPattern, to: &bytes) }
        case let .float64(values): for value in values { appendLittleEndian(value.bitPattern, to: &bytes) }
        }
        return bytes
    }

    /// Writes an array to a .npy file at `path`.
    public static func write(_ array: NumPyArray, to path: String, version: Version = .version1) throws(RasterError) {
        try FileIO.write(encode(array, version: version), to: path)
    }

    /// Writes a 1-D vector to a .npy file at `path`.
    public static func write(vector storage: NumPyStorage, to path: String) throws(RasterError) {
        try FileIO.write(encode(shape: [storage.count], storage: storage), to: path)
    }

    // MARK: - Elements

    private static func appendLittleEndian<Word: FixedWidthInteger>(_ value: Word, to bytes: inout [UInt8]) {
        var word = value.littleEndian
        withUnsafeBytes(of: &word) { bytes.append(contentsOf: $0) }
    }

    private static func decodeElements(_ data: [UInt8], from start: Int, count: Int, type: NumPyDataType) -> NumPyStorage {
        data.withUnsafeBytes { raw -> NumPyStorage in
            func load<Word: FixedWidthInteger>(_: Word.Type, _ index: Int) -> Word {
                Word(littleEndian: raw.loadUnaligned(fromByteOffset: start + index * MemoryLayout<Word>.size, as: Word.self))
            }
            switch type {
            case .bool: return .bool((0..<count).map { raw[start + $0] != 0 })
            case .uint8: return .uint8(Array(raw[start..<(start + count)]))
            case .int32: return .int32((0..<count).map { Int32(bitPattern: load(UInt32.self, $0)) })
            case .int64: return .int64((0..<count).map { Int64(bitPattern: load(UInt64.self, $0)) })
            case .float32: return .float32((0..<count).map { Float(bitPattern: load(UInt32.self, $0)) })
            case .float64: return .float64((0..<count).map { Double(bitPattern: load(UInt64.self, $0)) })
            }
        }
    }

    /// For each C-order position, the position of the same element in Fortran order.
    private static func fortranSource(shape: [Int]) -> [Int] {
        let count = NumPyArray.product(shape) ?? 0
        var source = [Int](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for position in 0..<count {
            var offset = 0
            var stride = 1
            for axis in 0..<shape.count {
                offset += index[axis] * stride
                stride *= shape[axis]
            }
            source[position] = offset
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return source
    }
}
