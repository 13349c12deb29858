import Labeling

/// What decides the content of a label file: grid, labeling options, optional columns and the
/// shard of the job. A file is resumed or merged only with an equal configuration.
public struct LabelFileConfiguration: Sendable, Equatable {
    /// Mask height (pixels).
    public var rows: Int
    /// Mask width (pixels).
    public var columns: Int
    /// Pixel size (mm).
    public var pixelSize: Double
    /// Every option that decides a label (stored as JSON in `/meta` `options_json`).
    public var options: LabelingOptions
    /// Dimension of `/latent` (nil: no latent codes stored).
    public var latentDimension: Int?
    /// Whether `/round` and `/origin` are stored (progressive training).
    public var tracksRounds: Bool
    /// Whether `/grid_origin_mm` (each row's grid position, contour input) is stored.
    public var storesGridOrigins = false
    /// Whether `/wall_mechanics` (each row's lumen-area change, unloaded lumen fraction, unloading
    /// mismatch and stiffness factor) is stored. A resumed file keeps what it has.
    public var storesWallMechanics = false
    /// Whether `/components` (each row's class map: 0 outside, 1 fibrous wall, 2 lipid, 3 calcium)
    /// is stored, with the component materials in `/meta` (walls with lipid or calcium outlines).
    public var storesComponents = false
    /// Number of inputs of the whole job before sharding (nil when unknown, e.g. generated samples).
    public var inputCount: Int?
    /// This file's shard: 1-based index and count (`label --shard K/N`); nil when not sharded.
    public var shard: Shard?

    /// A part of a job: the inputs with `index % count == self.index - 1`.
    public struct Shard: Sendable, Equatable, CustomStringConvertible {
        /// 1-based shard index, 1...count.
        public var index: Int
        /// Number of shards.
        public var count: Int

        /// A shard; nil unless 1 <= index <= count.
        public init?(index: Int, count: Int) {
            guard count >= 1, (1...count).contains(index) else { return nil }
            self.index = index
            self.count = count
        }

        /// Parses "K/N".
        public init?(_ text: String) {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else { return nil }
            self.init(index: k, count: n)
        }

        /// Whether the input with 0-based `inputIndex` belongs to this shard (round robin).
        public func contains(_ inputIndex: Int) -> Bool { inputIndex % count == index - 1 }

        public var description: String { "\(index)/\(count)" }
    }

    /// A configuration.
    public init(rows: Int, columns: Int, pixelSize: Double, options: LabelingOptions, latentDimension: Int? = nil,
                tracksRounds: Bool = false, inputCount: Int? = nil, shard: Shard? = nil) {
        self.rows = rows
        self.columns = columns
        self.pixelSize = pixelSize
        self.options = options
        self.latentDimension = latentDimension
        self.tracksRounds = tracksRounds
        self.inputCount = inputCount
        self.shard = shard
    }
}

/// Who wrote a file: stored as root attributes.
public struct Provenance: Sendable, Equatable {
    /// PlaqueFEM's version.
    public var softwareVersion: String
    /// The command line that wrote the file.
    public var commandLine: String

    /// A provenance record.
    public init(softwareVersion: String, commandLine: String) {
        self.softwareVersion = softwareVersion
        self.commandLine = commandLine
    }
}
