/// A wall mask that passed `Mask.validated(options:)`: one 8-connected wall component that
/// does not touch the image border and encloses exactly one lumen, everywhere thick enough.
///
/// Every pixel is classified as outside, wall or lumen; `wall` is the cleaned wall (specks
/// removed, small holes filled), and the cleaning is reported, never silent.
public struct ValidatedMask: Sendable, Hashable {
    /// The mask as given.
    public let original: Mask
    /// The cleaned wall: the original minus `removedSpecks` plus `filledHoles`.
    public let wall: Mask
    /// Row-major class of every pixel.
    public let classes: [PixelClass]
    /// Small wall components that were removed (fewer than `speckThreshold` pixels).
    public let removedSpecks: [MaskComponent]
    /// Small enclosed background regions other than the lumen that were filled with wall.
    public let filledHoles: [MaskComponent]
    /// Smallest centre-to-centre distance (pixels) between a lumen pixel and an outside pixel.
    public let minimumWallDistance: Double
    /// The lumen pixel at which `minimumWallDistance` is attained (first in scan order).
    public let thinnestLumenPixel: (row: Int, column: Int)
    /// The options the mask was validated with.
    public let options: MaskValidationOptions

    init(
        original: Mask, wall: Mask, classes: [PixelClass], removedSpecks: [MaskComponent],
        filledHoles: [MaskComponent], minimumWallDistance: Double,
        thinnestLumenPixel: (row: Int, column: Int), options: MaskValidationOptions
    ) {
        self.original = original
        self.wall = wall
        self.classes = classes
        self.removedSpecks = removedSpecks
        self.filledHoles = filledHoles
        self.minimumWallDistance = minimumWallDistance
        self.thinnestLumenPixel = thinnestLumenPixel
        self.options = options
    }

    /// Geometry of the raster.
    public var grid: PixelGrid { wall.grid }

    /// The lumen as a mask.
    public var lumen: Mask { Mask(grid: grid, members: classes.map { $0 == .lumen }) }

    /// The outer (adventitial) region as a mask: the background component touching the image
    /// border, i.e. every pixel outside the outer wall border.
    public var outerRegion: Mask { Mask(grid: grid, members: classes.map { $0 == .outside }) }

    /// The whole vessel cross-section, wall plus lumen, as a mask.
    public var vessel: Mask { Mask(grid: grid, members: classes.map { $0 != .outside }) }

    /// Number of wall pixels (after cleaning).
    public var wallPixelCount: Int { classes.reduce(0) { $0 + ($1 == .wall ? 1 : 0) } }

    /// Number of lumen pixels.
    public var lumenPixelCount: Int { classes.reduce(0) { $0 + ($1 == .lumen ? 1 : 0) } }

    /// Wall area in mm^2: wall pixels x pixelSize^2.
    public var wallArea: Double { Double(wallPixelCount) * grid.pixelArea }

    /// Lumen area in mm^2: lumen pixels x pixelSize^2.
    public var lumenArea: Double { Double(lumenPixelCount) * grid.pixelArea }

    /// Vessel area in mm^2 (area inside the outer border): wall area + lumen area.
    public var vesselArea: Double { wallArea + lumenArea }

    /// Plaque burden, wall area / vessel area, in (0, 1).
    public var plaqueBurden: Double { wallArea / vesselArea }

    /// Minimum lumen-to-outside distance in mm (`minimumWallDistance * pixelSize`).
    public var minimumWallDistanceInMillimetres: Double { minimumWallDistance * grid.pixelSize }

    /// Class of pixel (row, column); `.outside` off the grid.
    public subscript(row: Int, column: Int) -> PixelClass {
        grid.contains(row: row, column: column) ? classes[row * grid.columns + column] : .outside
    }

    /// Equality of every stored property.
    public static func == (lhs: ValidatedMask, rhs: ValidatedMask) -> Bool {
        lhs.original == rhs.original && lhs.wall == rhs.wall && lhs.classes == rhs.classes
            && lhs.removedSpecks == rhs.removedSpecks && lhs.filledHoles == rhs.filledHoles
            && lhs.minimumWallDistance == rhs.minimumWallDistance
            && lhs.thinnestLumenPixel == rhs.thinnestLumenPixel && lhs.options == rhs.options
    }

    /// Hashes the cleaned wall and the pixel classes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(wall)
        hasher.combine(classes)
    }
}
