/// Where a labeled sample came from in progressive training.
public enum SampleOrigin: String, Sendable, Codable, CaseIterable {
    /// A real sample drawn from a pool (phantoms, MNIST).
    case pool
    /// A mask decoded from a latent point (sampling by interpolation).
    case synthesized
}

/// One row of a label file: a mask, its stress map or the reason there is none, and where it
/// came from.
public struct LabelRecord: Sendable, Equatable {
    /// The mask as given, H x W, row-major, 1 = wall.
    public var mask: [UInt8]
    /// The stress map, H x W, kPa; zeros when `status != 0`.
    public var stress: [Float]
    /// 0 = labeled; otherwise the failure code (see docs/labeling.md).
    public var status: Int32
    /// Why the row has no label; empty when labeled.
    public var reason: String
    /// The input it came from (file name, `file.h5[k]`, or a generated name).
    public var source: String
    /// The index of the input in the whole job (before sharding); rows of a file are in this order.
    public var inputIndex: Int64
    /// The latent code the mask was decoded from or encoded to (files with `/latent` only).
    public var latent: [Float]?
    /// The progressive-training round that added the sample (files with `/round` only).
    public var round: Int32?
    /// Pool or synthesized (files with `/origin` only).
    public var origin: SampleOrigin?
    /// The (x, y) position in mm of the top-left corner of the row's pixel grid in the input's
    /// coordinates (contour input: files with `/grid_origin_mm` only).
    public var gridOrigin: [Double]?
    /// `WallMechanics.columns` of the row's label (NaN where a value does not apply or the row
    /// failed); files with `/wall_mechanics` only.
    public var wallMechanics: [Double]?

    /// The row's class map (0 outside, 1 fibrous wall, 2 lipid, 3 calcium); files with `/components`
    /// only (nil there: the wall mask as one fibrous class, or zeros for a failed row).
    public var components: [UInt8]?

    /// The four `/wall_mechanics` columns, in order.
    public static let wallMechanicsColumns = ["lumen_area_change", "unloaded_lumen_fraction", "unloading_mismatch_mm", "stiffness_scale"]

    /// A row.
    public init(mask: [UInt8], stress: [Float], status: Int32, reason: String, source: String, inputIndex: Int64,
                latent: [Float]? = nil, round: Int32? = nil, origin: SampleOrigin? = nil, gridOrigin: [Double]? = nil,
                wallMechanics: [Double]? = nil, components: [UInt8]? = nil) {
        self.components = components
        self.mask = mask
        self.stress = stress
        self.status = status
        self.reason = reason
        self.source = source
        self.inputIndex = inputIndex
        self.latent = latent
        self.round = round
        self.origin = origin
        self.gridOrigin = gridOrigin
        self.wallMechanics = wallMechanics
    }

    /// Equal rows; grid origins compare by bit pattern, so the NaN origin of a frame without
    /// borders equals itself (a merge keeps identical duplicates once).
    public static func == (a: LabelRecord, b: LabelRecord) -> Bool {
        a.mask == b.mask && a.stress == b.stress && a.status == b.status && a.reason == b.reason && a.source == b.source
            && a.inputIndex == b.inputIndex && a.latent == b.latent && a.round == b.round && a.origin == b.origin
            && a.gridOrigin?.map(\.bitPattern) == b.gridOrigin?.map(\.bitPattern)
            && a.wallMechanics?.map(\.bitPattern) == b.wallMechanics?.map(\.bitPattern) && a.components == b.components
    }
}
