import Foundation
#if canImport(Glibc)
import Glibc

private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin

private let systemRead = Darwin.read
private let systemWrite = Darwin.write
#endif

/// Whole-file reads and writes with POSIX calls, so failures carry the system's reason.
enum FileIO {
    /// Largest file read into memory (1 GiB); larger files are refused as unreadable.
    static let maximumFileSize = 1 << 30

    /// Reads the whole file at `path`.
    static func read(path: String) throws(RasterError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .unreadableFile(path: path, reason: systemReason()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadableFile(path: path, reason: systemReason()) }
        guard (status.st_mode & S_IFMT) != S_IFDIR else { throw .unreadableFile(path: path, reason: "is a directory") }
        let expected = Int(status.st_size)
        guard expected <= maximumFileSize else {
            throw .unreadableFile(path: path, reason: "file too large (\(expected) bytes)")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(expected)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadableFile(path: path, reason: systemReason())
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= maximumFileSize else {
                throw .unreadableFile(path: path, reason: "file too large")
            }
        }
        return bytes
    }

    /// Creates or truncates the file at `path` and writes `bytes` to it.
    static func write(_ bytes: [UInt8], to path: String) throws(RasterError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw .unwritableFile(path: path, reason: systemReason()) }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = systemReason()
                close(descriptor)
                throw .unwritableFile(path: path, reason: reason)
            }
            offset += count
        }
        guard close(descriptor) == 0 else { throw .unwritableFile(path: path, reason: systemReason()) }
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
