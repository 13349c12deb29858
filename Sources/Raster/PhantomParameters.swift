/// The generating parameters of one phantom, enough to redraw its exact continuous geometry.
public struct PhantomParameters: Sendable, Hashable, Codable {
    /// Drawn outer equal-area diameter D in mm.
    public let outerDiameter: Double
    /// Drawn plaque burden B of the continuous shapes (the rasterized burden differs slightly;
    /// see `ValidatedMask.plaqueBurden`).
    public let plaqueBurden: Double
    /// Outer (adventitial) border; its centre is the vessel centre.
    public let outerContour: FourierContour
    /// Lumen border, centred at the vessel centre plus the offset.
    public let lumenContour: FourierContour
    /// Lumen offset e from the vessel centre in mm.
    public let lumenOffset: Double
    /// Direction phi of the lumen offset in radians (image coordinates, clockwise on screen).
    public let lumenOffsetAngle: Double
    /// Eccentricity fraction epsilon = e / e_max in [0, 1].
    public let eccentricity: Double
    /// Largest offset e_max in mm keeping the wall at least `minimumWallThickness` thick.
    public let maximumOffset: Double
    /// Target minimum wall thickness t in mm.
    public let minimumWallThickness: Double
    /// Smallest Euclidean distance between the two borders in mm (>= t up to sampling).
    public let minimumGap: Double

    /// Vessel area of the continuous outer border in mm^2, pi D^2 / 4.
    public var vesselArea: Double { outerContour.area }

    /// Lumen area of the continuous shape, mm^2.
    public var lumenArea: Double { lumenContour.area }
}
