import Foundation

/// Turns a vessel-wall mask into a quality triangle mesh of the wall with curved, tagged borders.
///
/// Pipeline (all geometry in pixel units internally, output in mm):
/// 1. marching squares at level 0.5 on the pixel-centre grid (`MarchingSquares`), giving the
///    outer border (positive area) and the lumen border (negative area, inside it), wall on the left;
/// 2. sub-pixel borders from marching squares on the mask blurred by a Gaussian of
///    `blurSigma` pixels (halved, then dropped, where the wall is too thin for it), Taubin
///    smoothing, then one common normal offset of both borders away from the wall so that the
///    wall area equals wall pixel count x s^2 (the spline then keeps it to about 0.1 %);
///    for a binary mask, both borders refined so that they put the pixel centres on the sides the
///    mask says with the least curvature variation (`PixelBorderFit`), then one common offset that
///    keeps the pixel wall area;
/// 3. a periodic cubic spline through each smoothed border (`ClosedCurve`) resampled at equal
///    parameter steps of about h;
/// 4. a constrained Delaunay triangulation of the wall and Ruppert refinement
///    (`DelaunayRefinement`) to the minimum angle, circumradius <= 0.75 h(p) and an interior
///    vertex in every triangle, border splits placed on the spline; h(p) grows from h at the
///    lumen to `outerEdgeLengthFactor` x h at the outer border.
///
/// Deterministic: arrays only, fixed traversal orders, no randomness; the same input gives the
/// same mesh bit for bit in any process.
public struct MaskMesher: Sendable {
    /// Meshing settings.
    public var options: MaskMeshingOptions

    /// Creates a mesher with `options`.
    public init(_ options: MaskMeshingOptions = MaskMeshingOptions()) {
        self.options = options
    }

    /// Meshes the wall of a row-major `rows` x `columns` field `values` (1 = wall, > 0.5 counts as
    /// wall), pixel size `pixelSize` mm. Pixel (r, c) is centred at ((c + 0.5) s, (r + 0.5) s),
    /// y down; pixels outside the image count as background.
    ///
    /// Throws `MeshError.invalidMask` (bad sizes, non-finite values, no wall), `.unexpectedContours`
    /// (not exactly one wall with one lumen), `.borderSelfIntersects`, `.triangulationFailed` or
    /// `.angleBoundNotReached`; never traps on odd input. Once `deadline` has passed (checked between
    /// the steps and inside the triangulation and refinement loops), `.timeLimitExceeded`.
    public func mesh(values: [Double], rows: Int, columns: Int, pixelSize: Double = 0.125, deadline: Deadline = .never)
        throws(MeshError) -> MaskMeshResult {
        try mesh(values: values, rows: rows, columns: columns, pixelSize: pixelSize, components: [], deadline: deadline)
    }

    /// `mesh(values:rows:columns:pixelSize:deadline:)` with component outlines (pixel units).
    func mesh(values: [Double], rows: Int, columns: Int, pixelSize: Double, components: [ComponentOutline],
              deadline: Deadline = .never) throws(MeshError) -> MaskMeshResult {
        try deadline.check(during: "mask contouring")
        try options.validate()
        guard rows > 0, columns > 0 else { throw .invalidMask("image size must be positive, got \(rows) x \(columns)") }
        let (pixelCount, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, values.count == pixelCount else {
            throw .invalidMask("\(values.count) values for a \(rows) x \(columns) image")
        }
        guard pixelSize > 0, pixelSize.isFinite else { throw .invalidMask("pixel size must be positive and finite, got \(pixelSize) mm") }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw .invalidMask("value at pixel (\(bad / columns), \(bad % columns)) is not finite")
        }
        let wallPixels = values.reduce(0) { $0 + ($1 > 0.5 ? 1 : 0) }
        guard wallPixels > 0 else { throw .invalidMask("the mask has no wall pixels (no value above 0.5)") }

        // 1. Contours, in pixel units.
        let contours = MarchingSquares(level: 0.5).contours(values: values, rows: rows, columns: columns)
        var outers: [[Point]] = [], lumens: [[Point]] = []
        for contour in contours {
            let area = PolygonGeometry.signedArea(contour)
            if area > 0 { outers.append(contour) } else if area < 0 { lumens.append(contour) }
        }
        guard outers.count == 1, lumens.count == 1 else { throw .unexpectedContours(outer: outers.count, lumen: lumens.count) }
        let rawOuter = outers[0], rawLumen = lumens[0]
        guard PolygonGeometry.contains(rawOuter, rawLumen[0]) else { throw .unexpectedContours(outer: 1, lumen: 0) }

        // 2. Sub-pixel borders of the blurred field (the blur spreads the pixel staircase over
        //    both directions), then smoothing and a common offset that restores the wall area.
        //    Where the wall is too thin for the blur (the blurred borders merge or split), the
        //    blur is halved, then dropped.
        var smoothOuter = rawOuter, smoothLumen = rawLumen
        var sigma = options.blurSigma
        while sigma >= 0.25 {
            try deadline.check(during: "border blurring (sigma \(sigma) px)")
            let blurred = GaussianBlur.apply(values, rows: rows, columns: columns, sigma: sigma)
            var blurredOuters: [[Point]] = [], blurredLumens: [[Point]] = []
            for contour in MarchingSquares(level: 0.5).contours(values: blurred, rows: rows, columns: columns) {
                let area = PolygonGeometry.signedArea(contour)
                if area > 0 { blurredOuters.append(contour) } else if area < 0 { blurredLumens.append(contour) }
            }
            if blurredOuters.count == 1, blurredLumens.count == 1 {
                smoothOuter = blurredOuters[0]
                smoothLumen = blurredLumens[0]
                break
            }
            sigma *= 0.5
        }
        try deadline.check(during: "border smoothing")
        func smooth(_ contour: [Point]) -> [Point] { Self.smoothBorder(contour, options: options, pixelSize: pixelSize) }
        // Each border separately keeps the area its pixel contour encloses: blurring and smoothing
        // pull a border towards its centre of curvature (the small lumen most), and one common
        // offset for the wall area would leave the lumen too small and the cap too thick.
        var outerPoints = ContourSmoothing.offset(smooth(smoothOuter), toArea: abs(PolygonGeometry.signedArea(rawOuter)))
        var lumenPoints = ContourSmoothing.offset(smooth(smoothLumen), toArea: abs(PolygonGeometry.signedArea(rawLumen)))
        // A binary mask says on which side of each border every pixel centre lies: refine both
        // borders so that they rasterize back to the mask (a soft (anti-aliased) mask keeps the
        // estimate above, whose 0.5 level already carries sub-pixel information).
        if options.fitsBordersToPixels, options.minimumBorderWavelength > 0, values.allSatisfy({ $0 == 0 || $0 == 1 }) {
            let regions = Self.regions(values: values, rows: rows, columns: columns)
            let fit = PixelBorderFit(minimumWavelength: 0.75 * options.minimumBorderWavelength)
            try deadline.check(during: "outer border fit to the pixels")
            let outer = fit.refine(outerPoints, inside: regions.vessel, rows: rows, columns: columns)
            try deadline.check(during: "lumen border fit to the pixels")
            if let outer, let lumen = fit.refine(lumenPoints, inside: regions.lumen, rows: rows, columns: columns),
               PolygonGeometry.selfIntersection(outer) == nil, PolygonGeometry.selfIntersection(lumen) == nil,
               PolygonGeometry.intersection(outer, lumen) == nil {
                // The fitted borders follow the pixel centres; one common normal offset of both
                // keeps the wall area equal to the pixel area (the 1 % rule) and moves the fitted
                // shapes least (on the exact-geometry study it moves the map errors by about 1 %).
                (outerPoints, lumenPoints) = ContourSmoothing.offsetWall(outer: outer, lumen: lumen, toArea: Double(wallPixels))
            }
        }

        // 3-4. Splines, border sampling, triangulation and refinement (shared with contour input).
        try deadline.check(during: "border splines")
        let outerCurve = try ClosedCurve(through: outerPoints)
        let lumenCurve = try ClosedCurve(through: lumenPoints)
        let h = options.edgeLength(pixelSize: pixelSize) / pixelSize
        // Above the pixel floor the wall's geometry sizes the mesh, so a fine image of a vessel gives
        // about the mesh its contours give (a pixel-sized mesh at 512 x 512 is 16x the 128 x 128 one).
        let geometry = options.targetEdgeLength == nil ? options.geometricSizing : nil
        // A component outline around the lumen would cut the wall into two rings; refused.
        for outline in components where rawLumen.allSatisfy({ PolygonGeometry.contains(outline.points, $0) }) {
            throw .invalidMask("the \(outline.component) region encircles the lumen (a component must not go all around the lumen)")
        }
        return try WallMesher.triangulate(
            outer: outerCurve, lumen: lumenCurve,
            sizing: WallSizing(lumenLength: h, outerFactor: options.outerEdgeLengthFactor, geometry: geometry), minimumAngle: options.minimumAngle,
            maximumTriangleCount: options.maximumTriangleCount, scale: pixelSize, referenceWallArea: Double(wallPixels) * pixelSize * pixelSize,
            components: components, deadline: deadline)
    }

    /// Taubin smoothing, then the Fourier low-pass of `options` (the smoothing every border of a
    /// mask gets: lumen, outer border and component outlines), for pixels of `pixelSize` mm; no
    /// wavelength below `minimumWavelength` pixels either (component outlines: twice the element).
    static func smoothBorder(_ contour: [Point], options: MaskMeshingOptions, pixelSize: Double, minimumWavelength: Double = 0) -> [Point] {
        let relaxed = ContourSmoothing(iterations: options.smoothingIterations).smooth(contour)
        guard options.minimumBorderWavelength > 0 else { return relaxed }
        // At most `maximumBorderModes` shape modes, and none finer than the scanner resolves: on a
        // fine mask the pixel staircase beats at wavelengths many pixels long, which a pixel-scale
        // low-pass keeps (no effect on 64 x 64 masks, whose borders are shorter than 24 x 8 px
        // and whose pixels are coarser than the scanner's resolution).
        let wavelength = max(options.minimumBorderWavelength, PolygonGeometry.perimeter(relaxed) / Double(options.maximumBorderModes),
                             2 * options.scannerResolution / pixelSize, minimumWavelength)
        return FourierSmoothing(minimumWavelength: wavelength).smooth(relaxed)
    }

    /// Meshes the wall of a class mask (row-major codes: 0 outside the wall, 1 fibrous, 2 lipid,
    /// 3 calcium; the wall is every nonzero code) with its lipid and calcium regions as components:
    /// the wall's borders as in `mesh(values:rows:columns:pixelSize:)`, the regions' outlines by the
    /// same reconstruction (`ComponentMaskOutlines`), clipped to the wall and meshed conformingly
    /// (every triangle one region, `TriangleMesh.triangleRegions`). What was dropped or filled on
    /// the way is in the result's `componentNotes`.
    ///
    /// Lipid pixels next to calcium become fibrous (one pixel between them, two where the smoothed
    /// outlines still touch; reported in `componentNotes`).
    ///
    /// Throws as `mesh(values:...)`, `MeshError.invalidMask` for codes above 3 or a component that
    /// encircles the lumen, `.invalidGeometry` when outlines of different components still touch,
    /// and `.timeLimitExceeded` once `deadline` has passed.
    public func mesh(classes: [UInt8], rows: Int, columns: Int, pixelSize: Double = 0.125, deadline: Deadline = .never)
        throws(MeshError) -> MaskMeshResult {
        try deadline.check(during: "class mask outlines")
        try options.validate()
        let (pixelCount, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows > 0, columns > 0, !overflow, classes.count == pixelCount else {
            throw .invalidMask("\(classes.count) class codes for a \(rows) x \(columns) image")
        }
        let lumenPixels = Self.regions(values: classes.map { $0 != 0 ? 1 : 0 }, rows: rows, columns: columns).lumen.reduce(0) { $0 + ($1 ? 1 : 0) }
        let steps = ComponentMaskOutlines.dilationSteps(lumenPixels: lumenPixels, options: options)
        let elementLength = ComponentMaskOutlines.outerEdgeLength(lumenPixels: lumenPixels, options: options)
        let wall: [Double] = classes.map { $0 != 0 ? 1 : 0 }
        // Lipid touching calcium is separated by one fibrous pixel; where the smoothed outlines still
        // touch (`ComponentChains` refuses them), by two.
        var separation = 1
        while true {
            let (outlines, notes) = try ComponentMaskOutlines.outlines(
                classes: classes, rows: rows, columns: columns, pixelSize: pixelSize, options: options, dilationSteps: steps, elementLength: elementLength,
                separation: separation, deadline: deadline)
            do {
                var result = try mesh(values: wall, rows: rows, columns: columns, pixelSize: pixelSize, components: outlines, deadline: deadline)
                result.componentNotes = notes
                return result
            } catch {
                guard case .invalidGeometry = error, separation == 1, notes.contains(where: { $0.kind == .separated }) else { throw error }
                separation = 2
            }
        }
    }

    /// The vessel (wall and lumen: everything not 4-connected to the image's surroundings through
    /// background) and the lumen (background enclosed by the wall) of a field with wall > 0.5.
    static func regions(values: [Double], rows: Int, columns: Int) -> (vessel: [Bool], lumen: [Bool]) {
        var outside = [Bool](repeating: false, count: rows * columns)
        var stack: [Int] = []
        func visit(_ r: Int, _ c: Int) {
            let index = r * columns + c
            if !outside[index], !(values[index] > 0.5) {
                outside[index] = true
                stack.append(index)
            }
        }
        for c in 0..<columns { visit(0, c); visit(rows - 1, c) }
        for r in 0..<rows { visit(r, 0); visit(r, columns - 1) }
        while let index = stack.popLast() {
            let r = index / columns, c = index % columns
            if r > 0 { visit(r - 1, c) }
            if r < rows - 1 { visit(r + 1, c) }
            if c > 0 { visit(r, c - 1) }
            if c < columns - 1 { visit(r, c + 1) }
        }
        let vessel = outside.map { !$0 }
        let lumen = (0..<(rows * columns)).map { vessel[$0] && !(values[$0] > 0.5) }
        return (vessel, lumen)
    }
}
