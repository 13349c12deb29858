import Foundation
import Labeling
import Meshing
import Storage

/// Writes a label file row by row: creates it, or resumes one a killed run left behind.
///
/// Layout (docs/hdf5-format.md): `/masks` uint8 (N, H, W), `/stress` float32 (N, H, W) kPa,
/// `/status` int32 (N), `/failure_reason` and `/source` strings (N), `/input_index` int64 (N),
/// optional `/latent` float32 (N, d), `/round` int32 (N) and `/origin` strings (N); `/meta`
/// attributes with every option that decides a label; root attributes with the provenance and
/// `committed_rows`.
///
/// Crash safety: `commit()` flushes the rows, then records their number in the root attribute
/// `committed_rows` and flushes again. A process killed at any moment leaves a file whose first
/// `committed_rows` rows are complete; `resume(at:configuration:provenance:)` cuts every dataset
/// back to that count and appends after it.
public final class LabelFileWriter {
    /// `format` root attribute.
    public static let formatName = "plaquefem-labels"
    /// `format_version` root attribute (2 added `/input_index` and `committed_rows`).
    public static let formatVersion: Int64 = 2

    /// The file's path.
    public let path: String
    /// What the rows were labeled with.
    public let configuration: LabelFileConfiguration
    /// Rows written so far (committed or not).
    public private(set) var count: Int
    /// The first failed write of a row or a commit; nothing is committed after it.
    private var writeFailure: StorageError?

    private let file: HDF5File
    private let masks: HDF5Dataset
    private let stress: HDF5Dataset
    private let status: HDF5Dataset
    private let inputIndex: HDF5Dataset
    private let reasons: HDF5StringDataset
    private let sources: HDF5StringDataset
    private let latent: HDF5Dataset?
    private let round: HDF5Dataset?
    private let origin: HDF5StringDataset?
    private let gridOrigin: HDF5Dataset?
    private let wallMechanics: HDF5Dataset?
    private let components: HDF5Dataset?

    private init(path: String, configuration: LabelFileConfiguration, file: HDF5File, count: Int) throws(StorageError) {
        self.path = path
        self.configuration = configuration
        self.file = file
        self.count = count
        masks = try file.openDataset("masks")
        stress = try file.openDataset("stress")
        status = try file.openDataset("status")
        inputIndex = try file.openDataset("input_index")
        reasons = try file.openStringDataset("failure_reason")
        sources = try file.openStringDataset("source")
        latent = configuration.latentDimension == nil ? nil : try file.openDataset("latent")
        round = configuration.tracksRounds ? try file.openDataset("round") : nil
        origin = configuration.tracksRounds ? try file.openStringDataset("origin") : nil
        gridOrigin = configuration.storesGridOrigins ? try file.openDataset("grid_origin_mm") : nil
        wallMechanics = configuration.storesWallMechanics ? try file.openDataset("wall_mechanics") : nil
        components = configuration.storesComponents ? try file.openDataset("components") : nil
    }

    /// Creates a new, empty label file.
    ///
    /// - Parameter overwrite: Replace an existing file (otherwise an existing file is an error).
    /// - Throws: `.storage` (file exists, directory missing, ...).
    public static func create(at path: String, configuration: LabelFileConfiguration, provenance: Provenance,
                              overwrite: Bool = false) throws(DatasetError) -> LabelFileWriter {
        do {
            let file = try HDF5File.create(at: path, mode: overwrite ? .truncate : .exclusive)
            try writeLayout(file, configuration: configuration, provenance: provenance)
            let writer = try LabelFileWriter(path: path, configuration: configuration, file: file, count: 0)
            try writer.commitRows()
            return writer
        } catch {
            throw .storage(error)
        }
    }

    /// Opens an existing label file to append to it, after checking that it was written with the
    /// same configuration, and cutting it back to its committed rows.
    ///
    /// - Returns: The writer and the rows already in the file (to skip, and to check that they
    ///   belong to the same inputs).
    /// - Throws: `.mismatch` naming what differs; `.notALabelFile`; `.storage`.
    public static func resume(at path: String, configuration: LabelFileConfiguration,
                              provenance: Provenance) throws(DatasetError) -> (writer: LabelFileWriter, existing: LabelFileContents) {
        let stored = try LabelFileReader.configuration(at: path)
        var differences: [String] = []
        if stored.rows != configuration.rows || stored.columns != configuration.columns {
            differences.append("masks are \(stored.rows)x\(stored.columns), not \(configuration.rows)x\(configuration.columns)")
        }
        if stored.pixelSize != configuration.pixelSize {
            differences.append("pixel size \(stored.pixelSize) mm, not \(configuration.pixelSize) mm")
        }
        if stored.options.canonicalJSON != configuration.options.canonicalJSON {
            let detail = stored.options.differences(from: configuration.options)
            differences.append("different labeling options" + (detail.isEmpty ? "" : " (file vs now: " + detail.joined(separator: ", ") + ")"))
        }
        if stored.latentDimension != configuration.latentDimension { differences.append("different latent dimension") }
        if stored.tracksRounds != configuration.tracksRounds { differences.append("rounds tracked differently") }
        if stored.storesGridOrigins != configuration.storesGridOrigins { differences.append("contour and mask input") }
        if stored.storesComponents != configuration.storesComponents { differences.append("with and without components") }
        if stored.inputCount != configuration.inputCount {
            differences.append("\(stored.inputCount.map(String.init) ?? "unknown") inputs, not \(configuration.inputCount.map(String.init) ?? "unknown")")
        }
        if stored.shard != configuration.shard {
            differences.append("shard \(stored.shard?.description ?? "none"), not \(configuration.shard?.description ?? "none")")
        }
        guard differences.isEmpty else { throw .mismatch(path: path, reason: differences.joined(separator: "; ")) }
        // Wall mechanics are a record of the labels, not a choice that changes them: a file keeps its own.
        var configuration = configuration
        configuration.storesWallMechanics = stored.storesWallMechanics
        return try LabelFileReader.converting(path) {
            let file = try HDF5File.open(at: path, mode: .readWrite)
            // Refuse a damaged layout before changing anything.
            try LabelFileReader.checkRowShapes(of: file, stored, path: path)
            let committed = try LabelFileReader.committedRowCount(file)
            let writer = try LabelFileWriter(path: path, configuration: configuration, file: file, count: committed)
            try writer.truncate(to: committed)
            try file.attributes.set("resumed_by", to: provenance.commandLine)
            try writer.commitRows()
            return (writer, try LabelFileReader.contents(of: file, path: path))
        }
    }

    /// Appends one row (not yet committed: call `commit()` to make it survive a kill).
    /// - Throws: `.storage`, or `.mismatch` for a row whose sizes or optional columns do not
    ///   fit the file.
    public func append(_ record: LabelRecord) throws(DatasetError) {
        let pixels = configuration.rows * configuration.columns
        guard record.mask.count == pixels, record.stress.count == pixels,
              (record.latent?.count) == configuration.latentDimension,
              (record.round != nil && record.origin != nil) == configuration.tracksRounds,
              (record.gridOrigin?.count == 2) == configuration.storesGridOrigins
        else {
            throw .mismatch(path: path, reason: "row \(count) does not fit the file's layout (sizes or optional columns)")
        }
        do {
            try masks.append(rows: record.mask, count: 1)
            try stress.append(rows: record.stress, count: 1)
            try status.append(rows: [record.status], count: 1)
            try inputIndex.append(rows: [record.inputIndex], count: 1)
            try reasons.append([record.reason])
            try sources.append([record.source])
            if let latent, let values = record.latent { try latent.append(rows: values, count: 1) }
            if let round, let value = record.round { try round.append(rows: [value], count: 1) }
            if let origin, let value = record.origin { try origin.append([value.rawValue]) }
            if let gridOrigin, let values = record.gridOrigin { try gridOrigin.append(rows: values, count: 1) }
            if let wallMechanics {
                let values = record.wallMechanics?.count == 4 ? record.wallMechanics! : [Double](repeating: .nan, count: 4)
                try wallMechanics.append(rows: values, count: 1)
            }
            if let components {
                try components.append(rows: record.components ?? record.mask.map { $0 != 0 ? 1 : 0 }, count: 1)
            }
        } catch {
            writeFailure = writeFailure ?? error
            throw .storage(error)
        }
        count += 1
    }

    /// Makes every appended row durable against a killed process: flush, record the row count,
    /// flush again.
    public func commit() throws(DatasetError) {
        do { try commitRows() } catch { throw .storage(error) }
    }

    /// Commits and closes the file. After a failed write (`append` or `commit` threw), nothing is
    /// committed any more: the file is closed with the rows of the last successful commit, and
    /// the first failure is thrown again.
    public func close() throws(DatasetError) {
        if let writeFailure {
            try? file.close()
            throw .storage(writeFailure)
        }
        do {
            try commitRows()
            try file.close()
        } catch {
            throw .storage(error)
        }
    }

    /// Flushes, records the row count as committed, flushes again; refuses (throwing the first
    /// failure) once any write of this writer has failed, so a commit never covers rows that
    /// did not reach the file.
    private func commitRows() throws(StorageError) {
        if let writeFailure { throw writeFailure }
        do { try flushAndMark() } catch {
            writeFailure = writeFailure ?? error
            throw error
        }
    }

    private func flushAndMark() throws(StorageError) {
        try file.flush()
        try file.attributes.set("committed_rows", to: Int64(count))
        try file.flush()
    }

    private func truncate(to rows: Int) throws(StorageError) {
        for dataset in [masks, stress, status, inputIndex] + [latent, round, gridOrigin, wallMechanics, components].compactMap({ $0 }) where try dataset.rowCount != rows {
            try dataset.setRowCount(rows)
        }
        for strings in [reasons, sources] + [origin].compactMap({ $0 }) where try strings.count != rows {
            try strings.write(Array(try strings.readRows(0..<min(rows, try strings.count))))
        }
        count = rows
    }

    private static func writeLayout(_ file: HDF5File, configuration c: LabelFileConfiguration, provenance: Provenance) throws(StorageError) {
        let (rows, columns) = (c.rows, c.columns)
        let chunk = max(1, min(64, (1 << 16) / max(1, 4 * rows * columns)))
        let compression = HDF5Compression.deflate(level: 4, shuffle: true)
        let masks = try file.createDataset("masks", elementType: UInt8.self, shape: [0, rows, columns], maximumRows: .unlimited,
                                           chunkRows: chunk, compression: compression)
        let stress = try file.createDataset("stress", elementType: Float.self, shape: [0, rows, columns], maximumRows: .unlimited,
                                            chunkRows: chunk, compression: compression)
        let status = try file.createDataset("status", elementType: Int32.self, shape: [0], maximumRows: .unlimited, chunkRows: 256)
        let inputIndex = try file.createDataset("input_index", elementType: Int64.self, shape: [0], maximumRows: .unlimited, chunkRows: 256)
        _ = try file.createStringDataset("failure_reason")
        _ = try file.createStringDataset("source")
        if let dimension = c.latentDimension {
            let latent = try file.createDataset("latent", elementType: Float.self, shape: [0, dimension], maximumRows: .unlimited,
                                                chunkRows: 256)
            try latent.attributes.set("description", to: "latent code of each mask (VAE latent space, dimensionless)")
        }
        if c.tracksRounds {
            let round = try file.createDataset("round", elementType: Int32.self, shape: [0], maximumRows: .unlimited, chunkRows: 256)
            try round.attributes.set("description", to: "progressive-training round that added the sample (1 = first)")
            let origin = try file.createStringDataset("origin")
            try origin.attributes.set("description", to: "pool (a real sample) or synthesized (decoded from a latent point)")
        }

        if c.storesGridOrigins {
            let origins = try file.createDataset("grid_origin_mm", elementType: Double.self, shape: [0, 2], maximumRows: .unlimited,
                                                 chunkRows: 256)
            try origins.attributes.set("description", to:
                "(x, y) mm of each row's grid corner in the contours' coordinates: pixel (r, c) is centred at "
                + "(x + (c + 0.5) s, y + (r + 0.5) s), s = /meta pixel_size_mm")
        }

        if c.storesComponents {
            let classes = try file.createDataset("components", elementType: UInt8.self, shape: [0, rows, columns], maximumRows: .unlimited,
                                                 chunkRows: chunk, compression: compression)
            try classes.attributes.set("description", to:
                "class of each pixel: 0 outside the wall, 1 fibrous wall, 2 lipid / necrotic core, 3 calcium (the material the "
                + "pixel's stress was taken in)")
            try classes.attributes.set("classes", to: "0 outside,1 wall,2 lipid,3 calcium")
        }

        if c.storesWallMechanics {
            let mechanics = try file.createDataset("wall_mechanics", elementType: Double.self, shape: [0, 4], maximumRows: .unlimited,
                                                   chunkRows: 256)
            try mechanics.attributes.set("columns", to: LabelRecord.wallMechanicsColumns.joined(separator: ","))
            try mechanics.attributes.set("description", to:
                "per row: lumen area change from the image pressure (or zero load) to systole, A_sys / A_image - 1; unloaded lumen "
                + "area / image lumen area; largest distance (mm) between the image and its unloaded geometry loaded back; the "
                + "factor on c1 and D1. NaN where a value does not apply or the row failed")
        }

        try file.attributes.set("format", to: formatName)
        try file.attributes.set("format_version", to: formatVersion)
        try file.attributes.set("software_version", to: provenance.softwareVersion)
        try file.attributes.set("command_line", to: provenance.commandLine)
        try file.attributes.set("created", to: ISO8601DateFormatter().string(from: Date()))
        try masks.attributes.set("description", to: "vessel-wall masks as given (1 = wall, 0 = background)")
        try stress.attributes.set("units", to: "kPa")
        try stress.attributes.set("quantity", to: c.options.measure.rawValue)
        try stress.attributes.set("description", to:
            "systolic Cauchy stress at the material point at each wall pixel centre (reference configuration); 0 outside the wall")
        try status.attributes.set("description", to: "0 = labeled; otherwise the failure code, reason in /failure_reason")
        try inputIndex.attributes.set("description", to: "index of the row's input in the whole job (before sharding)")

        let meta = try file.createGroup("meta")
        let m = meta.attributes
        let options = c.options
        try m.set("pixel_size_mm", to: c.pixelSize)
        try m.set("material", to: "modified Mooney-Rivlin, incompressible: W = c1 (I1 - 3) + D1 (exp(D2 (I1 - 3)) - 1)")
        try m.set("c1_kpa", to: options.solver.material.c1)
        try m.set("d1_kpa", to: options.solver.material.d1)
        try m.set("d2", to: options.solver.material.d2)
        if c.storesComponents {
            // The material of each component (wall = c1_kpa ... above), kPa, kPa, dimensionless.
            for component in TissueComponent.allCases {
                let material = options.solver.material(of: component)
                try m.set("\(component.name)_c1_kpa", to: material.c1)
                try m.set("\(component.name)_d1_kpa", to: material.d1)
                try m.set("\(component.name)_d2", to: material.d2)
            }
        }
        try m.set("waveform_time_s", to: options.waveform.times)
        try m.set("waveform_pressure_mmhg", to: options.waveform.pressures)
        try m.set("systolic_pressure_mmhg", to: options.waveform.systolicPressure)
        try m.set("steps_to_systole", to: Int64(options.stepsToSystole))
        try m.set("element", to: "Taylor-Hood P2/P1, isoparametric, plane strain")
        try m.set("options_json", to: options.canonicalJSON)
        if let inputCount = c.inputCount { try m.set("input_count", to: Int64(inputCount)) }
        if let shard = c.shard {
            try m.set("shard_index", to: Int64(shard.index))
            try m.set("shard_count", to: Int64(shard.count))
        }
    }
}

extension LabelingOptions {
    /// The options as JSON with sorted keys: equal options give equal text.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain Codable structs of numbers and strings cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The options that differ from `other`, as "path: value in self vs value in other"
    /// (e.g. "stepsToSystole: 1 vs 5"); at most `limit`, arrays compared whole.
    public func differences(from other: LabelingOptions, limit: Int = 6) -> [String] {
        func object(_ options: LabelingOptions) -> Any? {
            try? JSONSerialization.jsonObject(with: Data(options.canonicalJSON.utf8))
        }
        func text(_ value: Any?) -> String {
            guard let value else { return "absent" }
            if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
                let string = String(decoding: data, as: UTF8.self)
                return string.count > 40 ? String(string.prefix(37)) + "..." : string
            }
            return "\(value)"
        }
        var found: [String] = []
        func walk(_ a: Any?, _ b: Any?, _ path: String) {
            if let a = a as? [String: Any], let b = b as? [String: Any] {
                for key in Set(a.keys).union(b.keys).sorted() { walk(a[key], b[key], path.isEmpty ? key : path + "." + key) }
            } else if text(a) != text(b) {
                found.append("\(path): \(text(a)) vs \(text(b))")
            }
        }
        walk(object(self), object(other), "")
        return Array(found.prefix(limit))
    }

    /// Options from `canonicalJSON`; nil for text that is not such JSON.
    public init?(canonicalJSON text: String) {
        guard let options = try? JSONDecoder().decode(LabelingOptions.self, from: Data(text.utf8)) else { return nil }
        self = options
    }
}
