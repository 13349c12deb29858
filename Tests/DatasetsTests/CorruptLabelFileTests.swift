import Datasets
import Foundation
import Labeling
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

    /// libhdf5 1.10.8 copies an attribute's data (`elements * datatype size` bytes) from after its
    /// dataspace, checking that count only against the whole message: in the sample, the `format`
    /// attribute's message (offset 2792, version 1: 8 bytes of sizes, the name "format" padded to
    /// 8, then the variable-length string datatype with its size field at 4...7) is the last of
    /// its header chunk, so a size field of 32 instead of 16 made every attribute call read 32
    /// bytes from where 16 remain: AddressSanitizer's heap-buffer-overflow under `H5Aexists`
    /// (`H5O__attr_exists`, `H5O__msg_iterate_real`), the label-file fuzzer's finding
    /// (docs/reliability.md, note 10). Every reader now refuses the file with the storage
    /// layer's typed error naming the attribute, before libhdf5 decodes it.
    @Test func anAttributeWhoseDataRunsPastItsMessageIsATypedError() throws {
        let path = try Self.damaged("attribute-size", [(2792 + 8 + 8 + 4, 32)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: DatasetError.self) { try LabelFileSummary(path: path) }
        #expect("\(String(describing: error))".contains("attribute message 0 'format': the data of 1 element of 32 bytes needs 32 bytes, the message has 16 after the dataspace"),
                "\(String(describing: error))")
        #expect(throws: DatasetError.self) { try LabelFileReader.read(at: path) }
        #expect(throws: DatasetError.self) { try LabelFileReader.configuration(at: path) }
        let merged = path + ".merged.h5"
        defer { try? FileManager.default.removeItem(atPath: merged) }
        #expect(throws: DatasetError.self) { try LabelFileMerger.merge([path], into: merged, provenance: provenance) }
    }

    /// Fuzz finding (label-file): a label file whose /input_index claimed 2^58 + 2 rows (chunks of
    /// 2) made `label --resume` hang in libhdf5 1.10.8, which looks up every chunk position a
    /// shrink removes (`H5D__chunk_prune_by_extent` under `H5Dset_extent`) while cutting the file
    /// back to its committed rows. Here the extent is grown to 2^40 rows after the fact; resume
    /// now refuses it at once (docs/reliability.md, note 11).
    @Test func resumingAcrossAHugeDamagedExtentIsATypedError() throws {
        let path = temporaryPath("huge-extent")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = LabelFileConfiguration(rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions(), inputCount: 4)
        let writer = try LabelFileWriter.create(at: path, configuration: configuration, provenance: provenance)
        for k in 0..<2 { try writer.append(record(k)) }
        try writer.close()
        let file = try HDF5File.open(at: path, mode: .readWrite)
        try file.openDataset("input_index").setRowCount(1 << 40)
        try file.close()
        let started = Date()
        let error = #expect(throws: DatasetError.self) { try LabelFileWriter.resume(at: path, configuration: configuration, provenance: provenance) }
        #expect("\(String(describing: error))".contains("would make libhdf5 visit 4294967296 chunk positions"), "\(String(describing: error))")
        #expect(Date().timeIntervalSince(started) < 60)
    }

    /// Fuzz finding (label-file): the /masks layout message (version 3 at offset 992 of the sample,
    /// chunk dimensions from byte 11) with its first chunk dimension damaged from 4 to 262,148
    /// rows. libhdf5 1.10.8 then treats the first stored chunk (4 rows, 16,384 bytes once
    /// inflated) as a chunk of 1 GiB and copies all 24 rows out of it: AddressSanitizer's 98,304-byte
    /// heap-buffer-overflow read in `H5VM_memcpyvv` under `H5Dread` (docs/reliability.md,
    /// note 12). The chunk index's keys (offsets 4, 8, ... rows) contradict such a chunk, which
    /// `DatasetLayoutCheck` now finds before the dataset is opened.
    @Test func aChunkDimensionTheChunkIndexContradictsIsATypedError() throws {
        let path = try Self.damaged("chunk-dimension", [(992 + 11 + 2, 4)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: DatasetError.self) { try LabelFileReader.read(at: path) }
        #expect("\(String(describing: error))".contains("chunk index key 1 has offset 4 in dimension 0, not a multiple of the chunk dimension 262148"),
                "\(String(describing: error))")
        #expect(throws: DatasetError.self) { try LabelFileSummary(path: path) }
    }

    /// Fuzz finding (label-file): the root group's local heap (at 680 in the sample, its data
    /// segment at 8296, the free list's head at offset 80) with the first free block's "next"
    /// pointing to itself. libhdf5 1.10.8 builds the free list on the first name lookup and never
    /// notices the loop: it allocated list nodes until the fuzzer's 2 GB limit (out-of-memory in
    /// `H5HL__fl_deserialize` under `H5Lexists`). `LocalHeapCheck` refuses the heap before the
    /// lookup (docs/reliability.md, note 13).
    @Test func aLocalHeapFreeListLoopIsATypedError() throws {
        let path = try Self.damaged("heap-loop", [(8296 + 80, 80)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: DatasetError.self) { try LabelFileReader.read(at: path) }
        #expect("\(String(describing: error))".contains("damaged local heap at 680: its free list returns to offset 80"),
                "\(String(describing: error))")
        #expect(throws: DatasetError.self) { try LabelFileSummary(path: path) }
        let file = try HDF5File.open(at: path)
        let storage = #expect(throws: StorageError.self) { try file.children() }
        #expect(storage?.reason == .libraryFailure)
    }

    /// Found while writing the fuzz targets: `inspect` (and export, merge, training) crashed with
    /// "Array index is out of range" on a label file whose /stress rows had another size than its
    /// /masks rows (a file written by another tool). Each per-row dataset's row shape is now checked.
    @Test(arguments: [("stress", [0, 2, 2]), ("status", [0, 1]), ("input_index", [0, 3]), ("latent", [0]), ("grid_origin_mm", [0, 3])])
    func aPerRowDatasetOfTheWrongShapeIsATypedError(_ name: String, _ shape: [Int]) throws {
        let path = temporaryPath("wrong-\(name)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = LabelFileConfiguration(rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions(),
                                                   latentDimension: 3, inputCount: 4)
        configuration.storesGridOrigins = true
        let writer = try LabelFileWriter.create(at: path, configuration: configuration, provenance: provenance)
        for k in 0..<3 {
            var row = record(k, latent: 3)
            row.gridOrigin = [0.5, 1.5]
            try writer.append(row)
        }
        try writer.close()
        #expect(try LabelFileReader.read(at: path).count == 3)
        // Replace the dataset by one with 3 rows of another shape.
        let file = try HDF5File.open(at: path, mode: .readWrite)
        try file.removeChild(name)
        var rows = shape
        rows[0] = 3
        let dataset = try file.createDataset(name, elementType: Int64.self, shape: rows, maximumRows: .unlimited,
                                             chunkRows: 4, compression: .none)
        try dataset.write([Int64](repeating: 1, count: rows.reduce(1, *)))
        try file.close()
        #expect(throws: DatasetError.self) { try LabelFileReader.read(at: path) }
        #expect(throws: DatasetError.self) { try LabelFileSummary(path: path) }
        #expect(throws: DatasetError.self) { try LabelFileWriter.resume(at: path, configuration: configuration, provenance: provenance) }
    }

    /// Fuzz finding (label-layout): a negative committed_rows made `inspect` trap on the range 0..<-3
    /// (and `label --resume` would have cut the file back). It is now refused as not a label file.
    @Test func aNegativeCommittedRowCountIsATypedError() throws {
        let path = temporaryPath("negative-committed")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = LabelFileConfiguration(rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions(), inputCount: 2)
        let writer = try LabelFileWriter.create(at: path, configuration: configuration, provenance: provenance)
        for k in 0..<2 { try writer.append(record(k)) }
        try writer.close()
        let file = try HDF5File.open(at: path, mode: .readWrite)
        try file.attributes.set("committed_rows", to: Int64(-3))
        try file.close()
        #expect(throws: DatasetError.self) { try LabelFileReader.read(at: path) }
        #expect(throws: DatasetError.self) { try LabelFileSummary(path: path) }
        #expect(throws: DatasetError.self) { try LabelFileWriter.resume(at: path, configuration: configuration, provenance: provenance) }
    }

    /// Fuzz finding (label-layout): a negative /meta input_count trapped in `merge` (the range of
    /// expected inputs 0..<count), and Int64.max would have listed 2^63 missing inputs. Input counts
    /// outside 0...Int32.max and shards outside 1...count are refused as not a label file.
    @Test(arguments: [("input_count", Int64(-2)), ("input_count", Int64.max), ("shard_index", Int64(0)), ("shard_count", Int64(0))])
    func anImpossibleJobSizeIsATypedError(_ name: String, _ value: Int64) throws {
        let path = temporaryPath("meta-\(name)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var configuration = LabelFileConfiguration(rows: 4, columns: 4, pixelSize: 0.125, options: LabelingOptions(), inputCount: 4)
        configuration.shard = LabelFileConfiguration.Shard(index: 1, count: 2)
        let writer = try LabelFileWriter.create(at: path, configuration: configuration, provenance: provenance)
        for k in [0, 2] { try writer.append(record(k)) }
        try writer.close()
        let file = try HDF5File.open(at: path, mode: .readWrite)
        let meta = try file.openGroup("meta")
        try meta.attributes.set(name, to: value)
        meta.close()
        try file.close()
        let merged = path + ".merged.h5"
        defer { try? FileManager.default.removeItem(atPath: merged) }
        #expect(throws: DatasetError.self) { try LabelFileReader.read(at: path) }
        #expect(throws: DatasetError.self) { try LabelFileMerger.merge([path], into: merged, provenance: provenance) }
    }
}
