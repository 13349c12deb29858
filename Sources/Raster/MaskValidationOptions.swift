/// Thresholds of `Mask.validated(options:)`. All counts are in pixels, distances in pixel units.
public struct MaskValidationOptions: Sendable, Hashable, Codable {
    /// Wall components (8-connected) other than the largest with fewer pixels than this are
    /// removed as specks and reported in `ValidatedMask.removedSpecks`. Default 4.
    public var speckThreshold: Int
    /// Enclosed background regions (4-connected) other than the lumen with fewer pixels than
    /// this are filled (become wall) and reported in `ValidatedMask.filledHoles`; a larger one
    /// is `MaskError.multipleLumens`. Default 4.
    public var holeFillThreshold: Int
    /// The lumen must have at least this many pixels, else `MaskError.lumenTooSmall`. Default 4.
    public var minimumLumenPixels: Int
    /// Smallest allowed centre-to-centre Euclidean distance, in pixels, between a lumen pixel
    /// and an outside (adventitial background) pixel; below it, `MaskError.wallTooThin`.
    ///
    /// A wall of n whole pixels across gives a distance of n + 1 along a row or column, so
    /// the default 1.5 accepts one-pixel walls (distance 2) and rejects walls whose lumen
    /// touches the outside at a pixel corner (distance sqrt(2)), where a 0.5-level contour
    /// is ambiguous and the wall has zero width. 2.5 would require two-pixel walls, and so on.
    public var minimumWallDistance: Double

    /// Creates options; the defaults are 4, 4, 4 pixels and a distance of 1.5 pixels.
    public init(
        speckThreshold: Int = 4,
        holeFillThreshold: Int = 4,
        minimumLumenPixels: Int = 4,
        minimumWallDistance: Double = 1.5
    ) {
        self.speckThreshold = speckThreshold
        self.holeFillThreshold = holeFillThreshold
        self.minimumLumenPixels = minimumLumenPixels
        self.minimumWallDistance = minimumWallDistance
    }
}
