/// What `MaskMesher` produces for one mask (lengths in mm, areas in mm^2).
public struct MaskMeshResult: Sendable {
    /// The wall triangulation: counter-clockwise triangles, every border segment tagged (lumen or
    /// outer) with its `midpoint` on the smooth border curve, and an interior vertex in every triangle.
    public var mesh: TriangleMesh
    /// The smooth outer border (periodic spline, wall on the left of increasing parameter).
    public var outerCurve: ClosedCurve
    /// The smooth lumen border (periodic spline, wall on the left of increasing parameter).
    public var lumenCurve: ClosedCurve
    /// Dense samples of `outerCurve` (4 per spline knot), for plotting and checks.
    public var outerBorder: [Point]
    /// Dense samples of `lumenCurve` (4 per spline knot), for plotting and checks.
    public var lumenBorder: [Point]
    /// Wall pixel count (values > 0.5) x pixel size^2.
    public var pixelWallArea: Double
    /// Area of the straight-sided triangulation.
    public var meshArea: Double
    /// Angle and size statistics of the triangulation.
    public var quality: MeshQuality
    /// Smooth component outlines (mm), as meshed (before clipping to the wall), for plotting.
    public var componentCurves: [ClosedCurve] = []
    /// The component of each of `componentCurves`.
    public var componentCurveKinds: [TissueComponent] = []
    /// How each component outline was fitted into the wall (clipping at the borders, areas).
    public var componentClipping: [ComponentClipping] = []
    /// Class-mask input: deposits dropped as specks and holes filled on the way to outlines.
    public var componentNotes: [ComponentMaskNote] = []

    /// Relative wall-area change from the pixel mask to the mesh, (meshArea - pixelWallArea) / pixelWallArea.
    public var relativeAreaError: Double { (meshArea - pixelWallArea) / pixelWallArea }
}
