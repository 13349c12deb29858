import Foundation

/// How large the elements of a wall mesh are (lengths in the unit of the border curves).
struct WallSizing {
    /// Edge length at the lumen border; with `geometry`, a floor under the geometric size.
    var lumenLength: Double
    /// Edge length at the outer border over the one at the lumen (>= 1), graded linearly between.
    var outerFactor: Double
    /// Size from the wall's geometry above the floor, if any.
    var geometry: GeometricSizingOptions?
    /// The outer-border factor of the geometric size (default: `outerFactor`).
    var geometryOuterFactor: Double? = nil
}

/// Element size from the wall's geometry (see `GeometricSizing` for the formula).
public struct GeometricSizingOptions: Sendable, Equatable, Codable {
    /// Segments along a circular lumen (its perimeter over the lumen edge length); tighter bends get
    /// proportionally shorter edges.
    public var circumferentialElements: Double
    /// Elements across the local wall thickness, at least.
    public var elementsAcrossWall: Double

    /// Sizing options. Defaults measured on the 32 frames of a real pullback (docs/labeling.md):
    /// against meshes with every length halved, maps within 0.8 % (relative L2 over the wall) and
    /// peaks within 1.5 %; n = 48 left one frame's peak 4.6 % off, n = 96 and k = 3 cost 2.5x the time.
    public init(circumferentialElements: Double = 64, elementsAcrossWall: Double = 2) {
        self.circumferentialElements = circumferentialElements
        self.elementsAcrossWall = elementsAcrossWall
    }

    /// The same sizing with every length divided by `factor` (a refinement study: factor 2 has
    /// about 4x the triangles).
    public func refined(by factor: Double) -> GeometricSizingOptions {
        GeometricSizingOptions(circumferentialElements: factor * circumferentialElements, elementsAcrossWall: factor * elementsAcrossWall)
    }

    /// Throws `MeshError.invalidGeometry` naming a value out of range.
    public func validate() throws(MeshError) {
        guard circumferentialElements >= 12, circumferentialElements <= 10_000 else {
            throw .invalidGeometry("circumferential elements must be in [12, 10000], got \(circumferentialElements)")
        }
        guard elementsAcrossWall >= 1, elementsAcrossWall <= 100 else {
            throw .invalidGeometry("elements across the wall must be in [1, 100], got \(elementsAcrossWall)")
        }
    }
}

/// The curve-to-mesh half of wall meshing, shared by mask input (`MaskMesher`, borders
/// reconstructed from pixels) and contour input (`ContourMesher`, borders as exported):
/// border sampling, constrained Delaunay triangulation, Ruppert refinement to the minimum angle
/// and the size field, the Taylor-Hood interior-vertex rule and the quality check.
enum WallMesher {
    /// Meshes the wall between `outer` (counter-clockwise) and `lumen` (clockwise); curve
    /// coordinates are multiplied by `scale` to give mm. `referenceWallArea` (mm^2) is what the
    /// result's area error is measured against.
    ///
    /// `components` (curve units) become constrained edges inside the wall, clipped to it where
    /// they cross a border; every triangle gets the region of the outline it lies in (0: wall).
    ///
    /// `deadline` is checked between the steps and inside the triangulation and refinement loops.
    static func triangulate(outer outerCurve: ClosedCurve, lumen lumenCurve: ClosedCurve, sizing: WallSizing, minimumAngle: Double,
                            maximumTriangleCount: Int, scale s: Double, referenceWallArea: Double,
                            components: [ComponentOutline] = [], deadline: Deadline = .never) throws(MeshError) -> MaskMeshResult {
        try deadline.check(during: "border sampling")
        for curve in [outerCurve, lumenCurve] where !(curve.length.isFinite && curve.length > 0) {
            throw .borderSelfIntersects("a smoothed border degenerated (length \(curve.length))")
        }
        let h = sizing.lumenLength, outerH = h * sizing.outerFactor
        func uniformParameters(_ curve: ClosedCurve, _ length: Double) -> [Double] {
            let n = max(12, Int((curve.length / length).rounded()))
            return (0..<n).map { Double($0) * curve.period / Double(n) }
        }
        let sizedOuterParameters: [Double], sizedLumenParameters: [Double]
        var sizeField: MeshSizeField
        let geometryFactor = sizing.geometryOuterFactor ?? sizing.outerFactor
        // The geometry takes over once its lumen edge P_l / n is more than twice the floor (masks: two
        // pixels); below that the pixel decides, as it always did, and the mesh is the pixel-sized one
        // bit for bit (every 64 x 64 phantom: P_l / n is 0.6 to 1.3 px there).
        if let geometry = sizing.geometry, lumenCurve.period / geometry.circumferentialElements > 2 * h {
            sizeField = outerH == h ? MeshSizeField(uniform: h)
                : try MeshSizeField(lumen: lumenCurve.samples(count: max(12, Int((lumenCurve.period / h).rounded()))), lumenLength: h,
                                    outer: outerCurve.samples(count: max(12, Int((outerCurve.period / outerH).rounded()))), outerLength: outerH,
                                    deadline: deadline)
            try deadline.check(during: "geometric sizing")
            sizeField.geometry = GeometricSizing(
                lumenCurve: lumenCurve, outerCurve: outerCurve, circumferentialElements: geometry.circumferentialElements,
                outerFactor: geometryFactor, elementsAcrossWall: geometry.elementsAcrossWall)
            sizedOuterParameters = try sizedParameters(outerCurve, sizeField, maximumCount: maximumTriangleCount, deadline: deadline)
            sizedLumenParameters = try sizedParameters(lumenCurve, sizeField, maximumCount: maximumTriangleCount, deadline: deadline)
        } else {
            sizedOuterParameters = uniformParameters(outerCurve, outerH)
            sizedLumenParameters = uniformParameters(lumenCurve, h)
            sizeField = outerH == h ? MeshSizeField(uniform: h)
                : try MeshSizeField(lumen: sizedLumenParameters.map { lumenCurve.point(at: $0) }, lumenLength: h,
                                    outer: sizedOuterParameters.map { outerCurve.point(at: $0) }, outerLength: outerH, deadline: deadline)
        }
        var borderParameters = [sizedOuterParameters, sizedLumenParameters]
        var componentChains: ComponentChains?
        if !components.isEmpty {
            let field = sizeField
            componentChains = try ComponentChains(outlines: components, outer: outerCurve, lumen: lumenCurve,
                                                  borderParameters: &borderParameters, size: { p in field.length(at: p) })
        }
        let outerParameters = borderParameters[0], lumenParameters = borderParameters[1]
        try deadline.check(during: "border checks")
        let outerPolygon = outerParameters.map { outerCurve.point(at: $0) }
        let lumenPolygon = lumenParameters.map { lumenCurve.point(at: $0) }
        guard (outerPolygon + lumenPolygon).allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
            throw .borderSelfIntersects("a smoothed border has non-finite points")
        }
        if PolygonGeometry.selfIntersection(outerPolygon) != nil { throw .borderSelfIntersects("the outer border crosses itself") }
        if PolygonGeometry.selfIntersection(lumenPolygon) != nil { throw .borderSelfIntersects("the lumen border crosses itself") }
        if PolygonGeometry.intersection(outerPolygon, lumenPolygon) != nil {
            throw .borderSelfIntersects("the lumen and outer borders cross (wall too thin)")
        }
        guard PolygonGeometry.signedArea(outerPolygon) > 0, PolygonGeometry.signedArea(lumenPolygon) < 0,
              PolygonGeometry.contains(outerPolygon, lumenPolygon[0]) else {
            throw .borderSelfIntersects("smoothing changed the orientation or nesting of the borders")
        }

        var triangulation = try ConstrainedDelaunay(
            loops: [(outerCurve, outerParameters), (lumenCurve, lumenParameters)], chains: componentChains?.chains.map(\.chain) ?? [],
            maximumVertices: maximumTriangleCount, deadline: deadline)
        try DelaunayRefinement(
            minimumAngle: minimumAngle, sizeField: sizeField, circumradiusFactor: 0.75, maximumTriangleCount: maximumTriangleCount,
            deadline: deadline
        ).refine(&triangulation)
        try deadline.check(during: "mesh assembly and quality checks")
        let output = triangulation.output()

        let points = output.points.map { s * $0 }
        let curves = [outerCurve, lumenCurve]
        let ordered = output.segments.sorted { ($0.curve, $0.ta) < ($1.curve, $1.ta) }
        let segments = ordered.filter { $0.curve < 2 }.map { segment in
            TriangleMesh.BoundarySegment(
                start: segment.a, end: segment.b, tag: segment.curve == 0 ? .outer : .lumen,
                midpoint: s * curves[Int(segment.curve)].point(at: segment.midParameter))
        }
        var regions: [Int32] = [], interfaces: [TriangleMesh.InterfaceSegment] = [], clipping: [ComponentClipping] = []
        var componentCurves: [(TissueComponent, ClosedCurve)] = []
        if let componentChains {
            // The segments at a corner are never split, so they may span a tight bend of the outline
            // where it leaves the wall: straight, so that no curved mid-side point inverts their
            // triangles. Elsewhere a mid-side point off the chord by more than a quarter of the
            // chord (a bend the segment does not resolve) is dropped for the same reason.
            let shift = ConstrainedDelaunay.superVertexCount
            interfaces = ordered.filter { $0.curve >= 2 }.map { segment in
                let corner = triangulation.isCorner[Int(segment.a) + shift] || triangulation.isCorner[Int(segment.b) + shift]
                let a = output.points[Int(segment.a)], b = output.points[Int(segment.b)]
                let m = triangulation.curves[Int(segment.curve)].point(at: segment.midParameter)
                let bulge = m.distance(to: 0.5 * (a + b))
                return TriangleMesh.InterfaceSegment(start: segment.a, end: segment.b,
                                                     midpoint: corner || bulge > 0.25 * a.distance(to: b) ? nil : s * m)
            }
            let (assigned, areas) = componentChains.regions(
                points: output.points, triangles: output.triangles,
                interfaceEdges: Set(interfaces.map { TriangleMesh.edgeKey($0.start, $0.end) }))
            regions = assigned
            for (o, f) in componentChains.fitted.enumerated() {
                clipping.append(ComponentClipping(
                    component: f.component, outlineArea: s * s * f.outlineArea, meshedArea: s * s * areas[o],
                    lumenCrossings: f.crossings.filter { $0.border == 1 }.count, outerCrossings: f.crossings.filter { $0.border == 0 }.count))
                let curve = s == 1 ? f.curve : try ClosedCurve(through: f.curve.knots.map { s * $0 })
                componentCurves.append((f.component, curve))
            }
        }
        let mesh = try TriangleMesh(points: points, triangles: output.triangles, boundarySegments: segments,
                                    triangleRegions: regions, interfaceSegments: interfaces)
        var onBorder = [Bool](repeating: false, count: points.count)
        for segment in segments {
            onBorder[Int(segment.start)] = true
            onBorder[Int(segment.end)] = true
        }
        if let bad = output.triangles.firstIndex(where: { onBorder[Int($0.x)] && onBorder[Int($0.y)] && onBorder[Int($0.z)] }) {
            throw .triangulationFailed("triangle \(bad) kept three border vertices (no interior vertex for Taylor-Hood elements)")
        }
        let quality = MeshQuality(mesh: mesh)
        // Triangles at a corner (a component outline meeting a border) keep the input angle there.
        var corners = Set<Int32>()
        for (v, corner) in triangulation.cornerNeighbourhood().enumerated() where corner {
            corners.insert(Int32(v - ConstrainedDelaunay.superVertexCount))
        }
        var checkedAngle = quality.minimumAngle
        if !corners.isEmpty {
            checkedAngle = MeshQuality.minimumAngle(of: mesh) { t in corners.contains(t.x) || corners.contains(t.y) || corners.contains(t.z) }
        }
        guard checkedAngle >= minimumAngle - 1e-9 else {
            throw .angleBoundNotReached(minimumAngle: checkedAngle, bound: minimumAngle)
        }

        let outerMM = s == 1 ? outerCurve : try ClosedCurve(through: outerCurve.knots.map { s * $0 })
        let lumenMM = s == 1 ? lumenCurve : try ClosedCurve(through: lumenCurve.knots.map { s * $0 })
        return MaskMeshResult(
            mesh: mesh, outerCurve: outerMM, lumenCurve: lumenMM,
            outerBorder: outerMM.samples(count: 4 * outerMM.knots.count),
            lumenBorder: lumenMM.samples(count: 4 * lumenMM.knots.count),
            pixelWallArea: referenceWallArea, meshArea: mesh.area, quality: quality,
            componentCurves: componentCurves.map(\.1), componentCurveKinds: componentCurves.map(\.0), componentClipping: clipping)
    }

    /// Parameters along `curve` whose spacing follows the size field: the number of segments is
    /// the integral of ds / h(s) rounded (at least 12), and the points are placed at equal steps of
    /// that integral, so each segment is about h long where it lies. `deadline` is checked every
    /// 1,024 steps of the integral (each evaluates the size field: two nearest-sample queries).
    static func sizedParameters(_ curve: ClosedCurve, _ field: MeshSizeField, maximumCount: Int, deadline: Deadline = .never)
        throws(MeshError) -> [Double] {
        let steps = max(256, 8 * curve.knots.count)
        let dt = curve.period / Double(steps)
        var cumulative = [Double](repeating: 0, count: steps + 1)
        for i in 0..<steps {
            if i % 1_024 == 0 { try deadline.check(during: "border sampling (step \(i) of \(steps))") }
            let t = (Double(i) + 0.5) * dt
            let length = field.length(at: curve.point(at: t))
            cumulative[i + 1] = cumulative[i] + curve.derivative(at: t).length * dt / max(length, 1e-12)
        }
        let total = cumulative[steps]
        guard total.isFinite else { throw .triangulationFailed("the size field is not finite along a border") }
        let n = max(12, Int(total.rounded()))
        guard n <= maximumCount else {
            throw .triangulationFailed("a border needs \(n) segments, more than the limit of \(maximumCount) triangles")
        }
        var parameters: [Double] = []
        parameters.reserveCapacity(n)
        var i = 0
        for k in 0..<n {
            let target = total * Double(k) / Double(n)
            while i < steps - 1, cumulative[i + 1] < target { i += 1 }
            let span = cumulative[i + 1] - cumulative[i]
            let fraction = span > 0 ? (target - cumulative[i]) / span : 0
            parameters.append((Double(i) + fraction) * dt)
        }
        return parameters
    }
}
