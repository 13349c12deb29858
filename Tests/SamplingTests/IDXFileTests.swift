import CZlib
import Foundation
import Testing
@testable import Sampling

struct IDXFileTests {
    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "plaquefem-idx-\(ProcessInfo.processInfo.processIdentifier)-" + name
    }

    static let images = IDXArray(shape: [3, 2, 2], bytes: [0, 255, 10, 20, 1, 2, 3, 4, 9, 8, 7, 6])
    static let labels = IDXArray(shape: [3], bytes: [7, 0, 9])

    static func writeGzip(_ bytes: [UInt8], to path: String) {
        let file = gzopen(path, "wb")!
        _ = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        gzclose(file)
    }

    @Test func readsPlainAndGzipFiles() throws {
        let plain = Self.temporaryPath("images")
        let compressed = Self.temporaryPath("labels.gz")
        defer { try? FileManager.default.removeItem(atPath: plain); try? FileManager.default.removeItem(atPath: compressed) }
        FileManager.default.createFile(atPath: plain, contents: Data(Self.images.encoded()))
        Self.writeGzip(Self.labels.encoded(), to: compressed)
        #expect(try IDXArray.read(path: plain) == Self.images)
        #expect(try IDXArray.read(path: compressed) == Self.labels)
        let digits = try DigitImages.read(images: plain, labels: compressed)
        #expect(digits.count == 3 && digits.rows == 2 && digits.columns == 2 && digits.labels == [7, 0, 9])
        #expect(digits.image(0) == [0, 1, 10 / 255, 20 / 255])
    }

    @Test func typedErrorsForMissingTruncatedAndBadMagic() {
        #expect(throws: IDXError.fileNotFound(path: "/nonexistent/x")) { try IDXArray.read(path: "/nonexistent/x") }
        let encoded = Self.images.encoded()
        #expect(throws: IDXError.truncated(path: "<memory>", expectedBytes: encoded.count, actualBytes: encoded.count - 1)) {
            try IDXArray.parse(Array(encoded.dropLast()))
        }
        var wrong = encoded
        wrong[2] = 0x0D  // float data
        #expect(throws: IDXError.badMagic(path: "<memory>", found: 0x0000_0D03)) { try IDXArray.parse(wrong) }
        #expect(throws: IDXError.truncated(path: "<memory>", expectedBytes: 4, actualBytes: 2)) { try IDXArray.parse([0, 0]) }
    }

    /// The real MNIST files, when PLAQUEFEM_MNIST names their directory (reported as skipped otherwise).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PLAQUEFEM_MNIST"] != nil,
                   "PLAQUEFEM_MNIST is not set: no MNIST directory to read"))
    func readsMNISTFromTheEnvironment() throws {
        let directory = ProcessInfo.processInfo.environment[MNISTDataset.environmentVariable]!
        let mnist = try MNISTDataset.read(directory: directory)
        #expect(mnist.training.count == 60_000 && mnist.test.count == 10_000)
        #expect(mnist.training.rows == 28 && mnist.training.columns == 28)
        #expect(Array(mnist.training.labels.prefix(5)) == [5, 0, 4, 1, 9])
        #expect(Array(mnist.test.labels.prefix(3)) == [7, 2, 1])
    }
}
