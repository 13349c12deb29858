import Labeling
import Storage

/// The rows of a label file (or of a range of them), as plain arrays.
public struct LabelFileContents: Sendable {
    /// The configuration the file was written with.
    public var configuration: LabelFileConfiguration
    /// Number of rows read.
    public var count: Int
    /// Masks, count x rows x columns, row-major, 1 = wall.
    public var masks: [UInt8]
    /// Stress maps, count x rows x columns, kPa.
    public var stress: [Float]
    /// 0 = labeled, otherwise the failure code.
    public var status: [Int32]
    /// Failure reasons, empty for labeled rows.
    public var reasons: [String]
    /// Input names.
    public var sources: [String]
    /// Index of each row's input in the whole job (format 1 files: the row number).
    public var inputIndices: [Int64]
    /// Latent codes, count x latentDimension, when the file has them.
    public var latent: [Float]?
    /// Progressive-training rounds, when the file has them.
    public var rounds: [Int32]?
    /// Pool or synthesized, when the file has them.
    public var origins: [SampleOrigin]?
    /// Grid corners (x, y) mm, count x 2, when the file has them (contour input).
    public var gridOrigins: [Double]?
    /// Wall mechanics, count x 4 (`LabelRecord.wallMechanicsColumns`), when the file has them.
    public var wallMechanics: [Double]? = nil
    /// Class maps, count x rows x columns (0 outside, 1 fibrous, 2 lipid, 3 calcium), when the
    /// file has `/components`.
    public var components: [UInt8]? = nil
    /// The `quantity` attribute of `/stress` (max-principal or von-mises).
    public var quantity: String

    /// Pixels per mask.
    public var pixelsPerMask: Int { configuration.rows * configuration.columns }

    /// The class maps of `/components`.
    /// - Throws: `DatasetError.noComponents` naming `path` when the file has none.
    public func requireComponents(path: String) throws(DatasetError) -> [UInt8] {
        guard let components else { throw .noComponents(path: path) }
        return components
    }

    /// Row `k` as a record.
    public func record(_ k: Int) -> LabelRecord {
        let n = pixelsPerMask
        let d = configuration.latentDimension ?? 0
        return LabelRecord(
            mask: Array(masks[k * n..<(k + 1) * n]), stress: Array(stress[k * n..<(k + 1) * n]), status: status[k],
            reason: reasons[k], source: sources[k], inputIndex: inputIndices[k],
            latent: latent.map { Array($0[k * d..<(k + 1) * d]) }, round: rounds?[k], origin: origins?[k],
            gridOrigin: gridOrigins.map { Array($0[2 * k..<2 * k + 2]) }, wallMechanics: wallMechanics.map { Array($0[4 * k..<4 * k + 4]) })
    }
}

/// Reads label files written by `LabelFileWriter` (format 2) or by PlaqueFEM 0.1 (format 1).
public enum LabelFileReader {
    /// Reads every committed row.
    /// - Throws: `.notALabelFile` for files of another kind; `.storage` for unreadable files.
    public static func read(at path: String) throws(DatasetError) -> LabelFileContents {
        try converting(path) { try contents(of: try HDF5File.open(at: path), path: path) }
    }

    /// Reads the configuration stored in a label file.
    public static func configuration(at path: String) throws(DatasetError) -> LabelFileConfiguration {
        try converting(path) { try configuration(of: try HDF5File.open(at: path), path: path) }
    }

    /// Runs `body`, turning whatever it throws into a `DatasetError`.
    static func converting<T>(_ path: String, _ body: () throws -> T) throws(DatasetError) -> T {
        do {
            return try body()
        } catch {
            if let error = error as? DatasetError { throw error }
            if let error = error as? StorageError { throw .storage(error) }
            throw .notALabelFile(path: path, reason: "\(error)")
        }
    }

    /// The number of complete rows: `committed_rows` (format 2) capped by every dataset's length.
    /// A negative `committed_rows` (a damaged file) is `.notALabelFile`.
    static func committedRowCount(_ file: HDF5File) throws -> Int {
        var counts = [try file.openDataset("masks").rowCount, try file.openDataset("stress").rowCount,
                      try file.openDataset("status").rowCount, try file.openStringDataset("failure_reason").count,
                      try file.openStringDataset("source").count]
        if try file.attributes.contains("committed_rows") {
            let committed = try file.attributes.scalar("committed_rows", as: Int64.self)
            guard committed >= 0 else {
                throw DatasetError.notALabelFile(path: file.path, reason: "committed_rows is \(committed)")
            }
            counts.append(Int(committed))
        }
        for name in ["input_index", "latent", "round", "grid_origin_mm", "components"] where try file.contains(name) {
            counts.append(try file.openDataset(name).rowCount)
        }
        if try file.contains("origin") { counts.append(try file.openStringDataset("origin").count) }
        return counts.min() ?? 0
    }

    static func configuration(of file: HDF5File, path: String) throws -> LabelFileConfiguration {
        guard try file.attributes.contains("format"), try file.attributes.string("format") == LabelFileWriter.formatName else {
            throw DatasetError.notALabelFile(path: path, reason: "root attribute format is not '\(LabelFileWriter.formatName)'")
        }
        let version = try file.attributes.scalar("format_version", as: Int64.self)
        guard (1...LabelFileWriter.formatVersion).contains(version) else {
            throw DatasetError.notALabelFile(path: path, reason: "format version \(version) is newer than this PlaqueFEM reads")
        }
        let shape = try file.openDataset("masks").shape
        guard shape.count == 3 else { throw DatasetError.notALabelFile(path: path, reason: "/masks is not (N, H, W)") }
        let meta = try file.openGroup("meta").attributes
        guard let options = LabelingOptions(canonicalJSON: try meta.string("options_json")) else {
            throw DatasetError.notALabelFile(path: path, reason: "/meta options_json is not readable labeling options")
        }
        var configuration = LabelFileConfiguration(
            rows: shape[1], columns: shape[2], pixelSize: try meta.scalar("pixel_size_mm", as: Double.self), options: options)
        if try file.contains("latent") {
            let shape = try file.openDataset("latent").shape
            guard shape.count == 2 else { throw DatasetError.notALabelFile(path: path, reason: "/latent has shape \(shape), expected (N, D)") }
            configuration.latentDimension = shape[1]
        }
        configuration.tracksRounds = try file.contains("round")
        configuration.storesGridOrigins = try file.contains("grid_origin_mm")
        configuration.storesWallMechanics = try file.contains("wall_mechanics")
        configuration.storesComponents = try file.contains("components")
        if try meta.contains("input_count") {
            let count = try meta.scalar("input_count", as: Int64.self)
            guard (0...Int64(Int32.max)).contains(count) else {
                throw DatasetError.notALabelFile(path: path, reason: "/meta input_count is \(count)")
            }
            configuration.inputCount = Int(count)
        }
        if try meta.contains("shard_index") {
            let index = try meta.scalar("shard_index", as: Int64.self), count = try meta.scalar("shard_count", as: Int64.self)
            guard count >= 1, count <= Int64(Int32.max), (1...count).contains(index) else {
                throw DatasetError.notALabelFile(path: path, reason: "/meta shard \(index) of \(count)")
            }
            configuration.shard = LabelFileConfiguration.Shard(index: Int(index), count: Int(count))
        }
        return configuration
    }

    /// Checks that every per-row dataset has the row shape the configuration implies (a file
    /// written by another tool, or damaged, could hold /stress of another size than /masks, which
    /// would put one row's values into the next).
    static func checkRowShapes(of file: HDF5File, _ c: LabelFileConfiguration, path: String) throws {
        var expected: [String: [Int]] = ["stress": [c.rows, c.columns], "status": []]
        if c.storesComponents { expected["components"] = [c.rows, c.columns] }
        for name in ["input_index", "round"] { expected[name] = [] }
        expected["grid_origin_mm"] = [2]
        if let d = c.latentDimension { expected["latent"] = [d] }
        for (name, row) in expected.sorted(by: { $0.key < $1.key }) where try file.contains(name) {
            let shape = try file.openDataset(name).shape
            guard !shape.isEmpty, Array(shape.dropFirst()) == row else {
                throw DatasetError.notALabelFile(path: path, reason: "/\(name) has shape \(shape), expected (N\(row.map { ", \($0)" }.joined()))")
            }
        }
    }

    static func contents(of file: HDF5File, path: String) throws -> LabelFileContents {
        let configuration = try configuration(of: file, path: path)
        try checkRowShapes(of: file, configuration, path: path)
        let n = try committedRowCount(file)
        let rows = 0..<n
        func strings(_ name: String) throws -> [String] { n == 0 ? [] : try file.openStringDataset(name).readRows(rows) }
        func values<T: HDF5Scalar>(_ name: String, _ type: T.Type) throws -> [T] {
            n == 0 ? [] : try file.openDataset(name).readRowsConverted(rows, as: type)
        }
        let inputIndices = try file.contains("input_index") ? try values("input_index", Int64.self) : (0..<Int64(n)).map { $0 }
        var origins: [SampleOrigin]?
        if configuration.tracksRounds {
            origins = try strings("origin").map { text in
                guard let origin = SampleOrigin(rawValue: text) else {
                    throw DatasetError.notALabelFile(path: path, reason: "unknown /origin value '\(text)'")
                }
                return origin
            }
        }
        var contents = LabelFileContents(
            configuration: configuration, count: n, masks: try values("masks", UInt8.self), stress: try values("stress", Float.self),
            status: try values("status", Int32.self), reasons: try strings("failure_reason"), sources: try strings("source"),
            inputIndices: inputIndices, latent: configuration.latentDimension == nil ? nil : try values("latent", Float.self),
            rounds: configuration.tracksRounds ? try values("round", Int32.self) : nil, origins: origins,
            gridOrigins: configuration.storesGridOrigins ? try values("grid_origin_mm", Double.self) : nil,
            quantity: try file.openDataset("stress").attributes.string("quantity"))
        if configuration.storesWallMechanics { contents.wallMechanics = try values("wall_mechanics", Double.self) }
        if configuration.storesComponents { contents.components = try values("components", UInt8.self) }
        return contents
    }
}
