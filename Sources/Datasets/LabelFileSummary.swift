import Storage

/// What `plaquefem inspect` reports of a label file: counts, shapes, units, failures by
/// reason, provenance.
public struct LabelFileSummary: Sendable, Codable, Equatable {
    /// The file's path.
    public var path: String
    /// `format` and `format_version` root attributes.
    public var format: String
    public var formatVersion: Int
    /// `software_version`, `created`, `command_line` root attributes ("" when absent).
    public var softwareVersion: String
    public var created: String
    public var commandLine: String
    /// Committed rows.
    public var count: Int
    /// Mask height and width (pixels).
    public var rows: Int
    public var columns: Int
    /// Pixel size (mm).
    public var pixelSizeMillimetres: Double
    /// Stress quantity (max-principal or von-mises); unit kPa.
    public var quantity: String
    public var units: String
    /// Rows with status 0, and the others.
    public var labeled: Int
    public var failed: Int
    /// Failed rows per status code and first words of the reason, e.g. "103 invalid mask: no lumen".
    public var failuresByReason: [String: Int]
    /// Per-mask peak stress over labeled rows (kPa): minimum, median, maximum; nil without labeled rows.
    public var peakStressMinimum: Double?
    public var peakStressMedian: Double?
    public var peakStressMaximum: Double?
    /// Inputs of the whole job, and this file's shard "K/N", when known.
    public var inputCount: Int?
    public var shard: String?
    /// Latent dimension, when the file holds latent codes.
    public var latentDimension: Int?
    /// Samples per progressive-training round and per origin, when tracked.
    public var samplesPerRound: [String: Int]?
    public var samplesPerOrigin: [String: Int]?
    /// Whether the rows come from border contours (each with its own grid corner in `/grid_origin_mm`).
    public var contourInput = false
    /// Median lumen-area change to systole of the labeled rows, when the file stores `/wall_mechanics`.
    public var lumenAreaChangeMedian: Double?
    /// Labeled rows whose lumen grows by more than the options' plausible bound (with `/wall_mechanics`).
    public var implausibleLabels: Int?
    /// Every labeling option, as sorted JSON.
    public var optionsJSON: String
}

extension LabelFileSummary {
    /// Reads and summarizes a label file.
    public init(path: String) throws(DatasetError) {
        let contents = try LabelFileReader.read(at: path)
        let attributes = try LabelFileReader.converting(path) { () throws -> [String: String] in
            let file = try Storage.HDF5File.open(at: path)
            var values: [String: String] = [:]
            for name in ["software_version", "created", "command_line"] where try file.attributes.contains(name) {
                values[name] = try file.attributes.string(name)
            }
            values["format_version"] = String(try file.attributes.scalar("format_version", as: Int64.self))
            values["units"] = try file.openDataset("stress").attributes.string("units")
            return values
        }
        let c = contents.configuration
        let n = contents.pixelsPerMask
        var failures: [String: Int] = [:]
        var peaks: [Double] = []
        for row in 0..<contents.count {
            if contents.status[row] == 0 {
                peaks.append(Double(contents.stress[row * n..<(row + 1) * n].max() ?? 0))
            } else {
                let words = contents.reasons[row].split(separator: ":").prefix(2).joined(separator: ":")
                failures["\(contents.status[row]) \(words)", default: 0] += 1
            }
        }
        peaks.sort()
        func counts<T: Hashable>(_ values: [T]?, _ key: (T) -> String) -> [String: Int]? {
            values.map { Dictionary($0.map { (key($0), 1) }, uniquingKeysWith: +) }
        }
        self.init(
            path: path, format: LabelFileWriter.formatName, formatVersion: Int(attributes["format_version"] ?? "") ?? 0,
            softwareVersion: attributes["software_version"] ?? "", created: attributes["created"] ?? "",
            commandLine: attributes["command_line"] ?? "", count: contents.count, rows: c.rows, columns: c.columns,
            pixelSizeMillimetres: c.pixelSize, quantity: contents.quantity, units: attributes["units"] ?? "",
            labeled: peaks.count, failed: contents.count - peaks.count, failuresByReason: failures,
            peakStressMinimum: peaks.first, peakStressMedian: peaks.isEmpty ? nil : peaks[peaks.count / 2],
            peakStressMaximum: peaks.last, inputCount: c.inputCount, shard: c.shard?.description,
            latentDimension: c.latentDimension, samplesPerRound: counts(contents.rounds) { String($0) },
            samplesPerOrigin: counts(contents.origins) { $0.rawValue }, optionsJSON: c.options.canonicalJSON)
        contourInput = c.storesGridOrigins
        if let mechanics = contents.wallMechanics {
            let changes = (0..<contents.count).filter { contents.status[$0] == 0 }.map { mechanics[4 * $0] }.filter(\.isFinite).sorted()
            lumenAreaChangeMedian = changes.isEmpty ? nil : changes[changes.count / 2]
            implausibleLabels = changes.filter { $0 > c.options.plausibleLumenAreaChange }.count
        }
    }
}
