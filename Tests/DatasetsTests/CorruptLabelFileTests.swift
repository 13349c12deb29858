import Datasets
import Foundation
import Storage
import Testing

/// Label files damaged the way the fuzzer (fuzz/run.sh label-file) damaged them: every reader
/// `inspect`, `merge`, export and resume use answers with a typed error, never a crash.
@Suite struct CorruptLabelFileTests {
    /// The shipped sample label file (24 rows of 64 x 64).
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/phantoms/labels-24.h5").path

    /// The sample with `patches` (offset, byte) applied, in a temporary file.
    static func damaged(_ name: String, _ patches: [(Int, UInt8)]) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sample)))
        for (offset, value) in patches where offset < bytes.count { bytes[offset] = value }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plaquefem-\(name)-\(UUID().uuidString).h5").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theSampleReads() throws {
        #expect(try LabelFileReader.read(at: Self.sample).count == 24)
    }

    /// Fuzz finding (label-file, 2026-12-07): four bytes of an object header's size field set to
    /// 0xFF make libhdf5 1.10.8 ask malloc for 0xFFFFFFFF00000050 bytes while opening /masks. glibc
    /// refuses, HDF5 reports a failure, and the reader turns it into a DatasetError (under
    /// AddressSanitizer's default allocator the same request aborts inside libhdf5).
    @Test func aHugeSizeFieldIsATypedError() throws {
        let path = try Self.damaged("huge-size", (1044..<1048).map { ($0, 0xFF) })
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DatasetError.self) { try LabelFileReader.read(at: path) }
        #expect(throws: DatasetError.self) { try LabelFileSummary(path: path) }
        #expect(throws: DatasetError.self) {
            try LabelFileMerger.merge([path], into: path + ".merged.h5", provenance: Provenance(softwareVersion: "test", commandLine: "test"))
        }
        try? FileManager.default.removeItem(atPath: path + ".merged.h5")
    }
}
