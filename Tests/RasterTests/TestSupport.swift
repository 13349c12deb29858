import Foundation
import Testing
@testable import Raster

/// Helpers shared by the Raster tests.
enum TestSupport {
    /// A mask whose set pixels are those whose centre satisfies `isMember(dr, dc)`, where
    /// (dr, dc) is the pixel's offset from the image centre pixel (rows / 2, columns / 2).
    static func mask(rows: Int = 64, columns: Int = 64, _ isMember: (Int, Int) -> Bool) -> Mask {
        let grid = PixelGrid(rows: rows, columns: columns)!
        return Mask(grid: grid) { row, column in isMember(row - rows / 2, column - columns / 2) }
    }

    /// A round ring: inner <= distance from the image centre pixel < outer (pixels).
    static func ring(inner: Double, outer: Double, rows: Int = 64, columns: Int = 64) -> Mask {
        mask(rows: rows, columns: columns) { dr, dc in
            let distance = Double(dr * dr + dc * dc).squareRoot()
            return distance >= inner && distance < outer
        }
    }

    /// A fresh empty temporary directory.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "raster-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes bytes to a file (test setup; failures are test failures).
    static func writeFile(_ bytes: [UInt8], to path: String) {
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot create \(path)")
    }

    /// Where pictures for human inspection go: $PLAQUEFEM_PICTURE_DIR if set, else a temporary directory.
    static func pictureDirectory() -> String {
        if let directory = ProcessInfo.processInfo.environment["PLAQUEFEM_PICTURE_DIR"], !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return directory
        }
        return temporaryDirectory()
    }

    // MARK: - Python

    /// Result of running a Python script.
    enum PythonResult {
        /// numpy is unavailable: the test is skipped (PLAQUEFEM_SKIP_PYTHON=1) or has already failed.
        case skipped
        /// Exit status and combined output.
        case finished(status: Int32, output: String)
    }

    /// Runs `python3 -c script`. If python3 or numpy is missing, records a test failure with a
    /// clear message, unless PLAQUEFEM_SKIP_PYTHON=1, and returns `.skipped` either way.
    static func runPython(_ script: String, arguments: [String] = []) -> PythonResult {
        let skip = ProcessInfo.processInfo.environment["PLAQUEFEM_SKIP_PYTHON"] == "1"
        let probe = run(["python3", "-c", "import numpy"])
        guard probe.status == 0 else {
            if skip { return .skipped }
            let message = "python3 with numpy is required for the .npy interoperability tests (\(probe.output)); "
                + "install numpy (e.g. apt-get install python3-numpy) or set PLAQUEFEM_SKIP_PYTHON=1 to skip them"
            Issue.record(Comment(rawValue: message))
            return .skipped  // already failed with the message above; nothing more to check
        }
        let result = run(["python3", "-c", script] + arguments)
        return .finished(status: result.status, output: result.output)
    }

    private static func run(_ command: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return (-1, "cannot run \(command[0]): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A minimal PNG writer for test inputs the library itself never writes (palette, 16-bit,
/// alpha, 1-bit): stored (uncompressed) deflate blocks, CRC-32 and Adler-32 computed here.
enum CraftedPNG {
    /// PNG bytes for the given IHDR colour type / bit depth and already-packed scanlines
    /// (without filter bytes), optionally with a PLTE and tRNS chunk.
    static func make(
        width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
        palette: [UInt8]? = nil, transparency: [UInt8]? = nil
    ) -> [UInt8] {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [bitDepth, colorType, 0, 0, 0]
        bytes += chunk("IHDR", header)
        if let palette { bytes += chunk("PLTE", palette) }
        if let transparency { bytes += chunk("tRNS", transparency) }
        var raw: [UInt8] = []
        for row in rows { raw += [0] + row }
        bytes += chunk("IDAT", zlibStored(raw))
        bytes += chunk("IEND", [])
        return bytes
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc32(typeBytes + data))
    }

    private static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var output: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            output += [final, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            output += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return output + bigEndian(b << 16 | a)
    }
}
