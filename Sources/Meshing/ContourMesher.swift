/// Settings of `ContourMesher`.
public struct ContourMeshingOptions: Sendable, Equatable, Codable {
    /// Element size from the wall's geometry (lumen perimeter, local thickness, border curvature).
    public var sizing = GeometricSizingOptions()
    /// Edge length at the outer border as a multiple of the one at the lumen, graded in between
    /// (>= 1; the lumen carries the peak stress).
    public var outerEdgeLengthFactor = 2.0
    /// Smallest interior angle every triangle must reach (degrees); at most 33.
    public var minimumAngle = 25.0
    /// Refinement gives up with `MeshError.triangulationFailed` beyond this many triangles.
    public var maximumTriangleCount = 200_000

    /// The defaults.
    public init() {}

    /// Checks ranges; throws `MeshError.invalidGeometry` naming the bad option.
    public func validate() throws(MeshError) {
        try sizing.validate()
        guard outerEdgeLengthFactor >= 1, outerEdgeLengthFactor <= 10 else {
            throw .invalidGeometry("outer edge length factor must be in [1, 10], got \(outerEdgeLengthFactor)")
        }
        guard minimumAngle > 0, minimumAngle <= 33 else {
            throw .invalidGeometry("minimum angle must be in (0, 33] degrees, got \(minimumAngle)")
        }
        guard maximumTriangleCount > 0 else { throw .invalidGeometry("maximum triangle count must be positive, got \(maximumTriangleCount)") }
    }
}

/// Meshes a vessel wall straight from its border contours (lumen and EEM as IVUS software exports
/// them): the contours are the geometry, so there is no rasterise-and-reconstruct loss.
///
/// Each border becomes the periodic cubic spline through its points (`ClosedCurve`); the element
/// size follows the wall (`GeometricSizing`: the lumen perimeter over `circumferentialElements`,
/// at least `elementsAcrossWall` elements across the local thickness, shorter edges at tight
/// bends); then the same triangulation, refinement and checks as mask input (`WallMesher`).
/// Deterministic: the same borders give the same mesh bit for bit.
public struct ContourMesher: Sendable {
    /// Meshing settings.
    public var options: ContourMeshingOptions

    /// Creates a mesher with `options`.
    public init(_ options: ContourMeshingOptions = ContourMeshingOptions()) {
        self.options = options
    }

    /// Meshes the wall between the borders (mm). The result's `pixelWallArea` is the wall area of
    /// the border polygons.
    ///
    /// Throws `MeshError.borderSelfIntersects` (the splines through the points cross where the
    /// polylines did not: a wall thinner than the spline's overshoot), `.triangulationFailed`
    /// (beyond `maximumTriangleCount`), `.angleBoundNotReached`, or `.timeLimitExceeded` once
    /// `deadline` has passed (checked between the steps and inside the triangulation loops).
    ///
    /// `components` (mm) are lipid and calcium outlines: they become constrained edges of the
    /// triangulation (smooth, with curved mid-side points as the borders have), clipped to the wall
    /// where they cross the lumen or the EEM (reported in `componentClipping`), and every triangle
    /// gets the region of the component it lies in (`TriangleMesh.triangleRegions`).
    public func mesh(_ borders: WallBorders, components: [ComponentOutline] = [], deadline: Deadline = .never) throws(MeshError) -> MaskMeshResult {
        try deadline.check(during: "border splines")
        try options.validate()
        let outer = try ClosedCurve(through: borders.outer)
        let lumen = try ClosedCurve(through: borders.lumen)
        let lumenLength = lumen.period / options.sizing.circumferentialElements
        // A uniform floor far below the geometric size: only a guard against runaway refinement.
        let sizing = WallSizing(lumenLength: lumenLength / 64, outerFactor: 1, geometry: options.sizing,
                                geometryOuterFactor: options.outerEdgeLengthFactor)
        return try WallMesher.triangulate(
            outer: outer, lumen: lumen, sizing: sizing, minimumAngle: options.minimumAngle,
            maximumTriangleCount: options.maximumTriangleCount, scale: 1, referenceWallArea: borders.wallArea, components: components,
            deadline: deadline)
    }
}
