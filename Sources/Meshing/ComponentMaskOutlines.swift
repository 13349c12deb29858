import Foundation

/// Something the class-mask front end changed on the way from pixels to component outlines,
/// reported with the label (never silent).
public struct ComponentMaskNote: Sendable, Equatable, Codable, CustomStringConvertible {
    /// What was changed.
    public enum Kind: String, Sendable, Codable {
        /// A deposit below `ComponentMaskOutlines.minimumPixels` pixels was left fibrous.
        case speckDropped = "speck dropped"
        /// A region of other tissue enclosed by a deposit was given the deposit's material.
        case holeFilled = "hole filled"
        /// Lipid pixels next to calcium were made fibrous (the one-pixel separation the interface
        /// meshing needs between components of different classes).
        case separated = "pixels next to calcium made fibrous"
    }

    /// What was changed.
    public var kind: Kind
    /// The component of the deposit.
    public var component: TissueComponent
    /// Pixels concerned (the speck's, or the hole's area in pixels).
    public var pixelCount: Int
    /// A pixel of the speck or hole (row, column).
    public var row: Int, column: Int

    public var description: String {
        "\(component) \(kind.rawValue) (\(pixelCount) px at pixel (\(row), \(column)))"
    }
}

/// The mask front end of plaque components: the lipid and calcium regions of a class mask (codes
/// 2 and 3; see `TissueComponent.classCode`) become smooth component outlines, through the same
/// border reconstruction the wall's borders take in `MaskMesher` (marching squares on the blurred
/// region, Taubin and Fourier smoothing, the pixel area restored, `PixelBorderFit`). The outlines
/// then go through `ComponentChains` like contour input's (clipped to the wall, meshed conformingly).
///
/// - A region touching the lumen or the EEM is first grown (`dilationSteps`) into the non-wall pixels
///   next to it (a geodesic dilation that cannot cross the wall), so that its outline crosses the
///   smoothed border cleanly and is clipped there, instead of running along it.
/// - Several deposits of a class give one outline each (8-connected regions; the blur may merge two
///   deposits a pixel apart into one outline).
/// - A deposit with fewer than `minimumPixels` pixels is dropped (its pixels take the fibrous
///   material) and reported; so is a hole of other tissue inside a deposit (filled).
/// - Lipid pixels that touch calcium pixels (8-neighbours) become fibrous and are reported: the two
///   outlines would otherwise share a border, which the interface meshing does not support; so one
///   pixel of fibrous tissue lies between components of different classes (`MaskMesher` retries
///   with two when the smoothed outlines still touch).
///
/// Lengths in pixels (pixel (r, c) centred at (c + 0.5, r + 0.5)). Deterministic.
enum ComponentMaskOutlines {
    /// Deposits with fewer pixels than this are dropped (left fibrous) and reported: a deposit of
    /// 3 pixels or fewer is below what the pixel grid resolves as a shape, and its outline would need
    /// elements far smaller than the pixel.
    static let minimumPixels = 4
    /// Fewest pixels (steps) the regions grow into the lumen or the surroundings where they touch them.
    static let minimumDilationSteps = 2

    /// Steps of the dilation: at least 2, and at least the largest element at the outer border
    /// (`outerEdgeLength`), so that the grown part lies beyond the touching rule's half element
    /// (`ComponentChains`) and the outline leaves the wall cleanly (with 2 steps, outlines touching
    /// the lumen of a 256 x 256 ring crossed themselves there). 2 on the 64 x 64 phantoms, whose
    /// meshes are pixel-sized; 8 on a 256 x 256 ring of lumen radius 38 px.
    static func dilationSteps(lumenPixels: Int, options: MaskMeshingOptions) -> Int {
        max(minimumDilationSteps, Int(outerEdgeLength(lumenPixels: lumenPixels, options: options).rounded(.up)))
    }

    /// The largest element edge at the outer border (pixels): the lumen edge (1 pixel, or where the
    /// geometric sizing takes over, above twice the pixel, the lumen's perimeter, estimated from its
    /// pixel area as a circle's, over the circumferential elements) times the outer-border factor.
    static func outerEdgeLength(lumenPixels: Int, options: MaskMeshingOptions) -> Double {
        var lumenEdge = 1.0
        if let sizing = options.geometricSizing, options.targetEdgeLength == nil {
            let geometric = 2 * (Double.pi * Double(lumenPixels)).squareRoot() / sizing.circumferentialElements
            if geometric > 2 { lumenEdge = geometric }
        }
        return lumenEdge * options.outerEdgeLengthFactor
    }

    /// The outlines (pixel units, lipid first, then calcium) and the notes.
    ///
    /// `separation`: lipid pixels within this many pixels (Chebyshev) of a calcium pixel become fibrous;
    /// `pixelSize` (mm) sets the scanner-resolution floor of the outlines' low-pass; `elementLength`
    /// (pixels, `outerEdgeLength`) a second floor of twice that length: the mesh cannot follow finer
    /// detail, and where such detail runs along a border within half an element, the outline folds
    /// when `ComponentChains` moves it off the border, or its chain crosses the border's (on a
    /// 512 x 512 frame with `--scanner-resolution 0`, 10 of 12 calcified frames failed so);
    /// `deadline` is checked before each component's outlines.
    static func outlines(classes: [UInt8], rows: Int, columns: Int, pixelSize: Double, options: MaskMeshingOptions, dilationSteps: Int = minimumDilationSteps,
                         elementLength: Double = 0, separation: Int = 1, deadline: Deadline = .never) throws(MeshError)
        -> (outlines: [ComponentOutline], notes: [ComponentMaskNote]) {
        let count = rows * columns
        guard classes.count == count else { throw .invalidMask("\(classes.count) class codes for a \(rows) x \(columns) image") }
        if let bad = classes.firstIndex(where: { $0 > 3 }) {
            throw .invalidMask("pixel (\(bad / columns), \(bad % columns)) has class code \(classes[bad]); codes are 0...3")
        }
        func neighbours8(_ index: Int) -> [Int] {
            let r = index / columns, c = index % columns
            var out: [Int] = []
            for dr in -1...1 {
                for dc in -1...1 where dr != 0 || dc != 0 {
                    let rr = r + dr, cc = c + dc
                    if rr >= 0, rr < rows, cc >= 0, cc < columns { out.append(rr * columns + cc) }
                }
            }
            return out
        }
        // Lipid next to calcium (common in VH-IVUS maps, where necrotic core borders on dense calcium):
        // the two outlines would share a border, which the interface meshing does not support, so the
        // lipid pixels within `separation` pixels of calcium become fibrous, reported as one note.
        var classes = classes
        let touching = (0..<count).filter { index in
            guard classes[index] == 2 else { return false }
            let r = index / columns, c = index % columns
            for rr in max(0, r - separation)...min(rows - 1, r + separation) {
                for cc in max(0, c - separation)...min(columns - 1, c + separation) where classes[rr * columns + cc] == 3 { return true }
            }
            return false
        }
        for index in touching { classes[index] = 1 }
        var notes: [ComponentMaskNote] = []
        if let first = touching.first {
            notes.append(ComponentMaskNote(kind: .separated, component: .lipid, pixelCount: touching.count, row: first / columns, column: first % columns))
        }

        // Geodesic dilation into non-wall pixels: step 1 from the deposits (8-neighbours), later
        // steps from the last step's pixels (4-neighbours, so the lumen and the surroundings, which
        // the 8-connected wall separates, never join). A pixel two classes reach at once stays out.
        var owner = [UInt8](repeating: 0, count: count)
        var front: [Int] = []
        for index in 0..<count where classes[index] == 0 {
            let reached = Set(neighbours8(index).map { classes[$0] }.filter { $0 >= 2 })
            if reached.count == 1 { owner[index] = reached.first!; front.append(index) }
        }
        for _ in 1..<dilationSteps {
            var claims: [Int: UInt8] = [:], conflicted = Set<Int>()
            for index in front {
                let r = index / columns, c = index % columns
                for (rr, cc) in [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)] where rr >= 0 && rr < rows && cc >= 0 && cc < columns {
                    let n = rr * columns + cc
                    guard classes[n] == 0, owner[n] == 0 else { continue }
                    if let claim = claims[n], claim != owner[index] { conflicted.insert(n) } else { claims[n] = owner[index] }
                }
            }
            front = []
            for (n, code) in claims.sorted(by: { $0.key < $1.key }) where !conflicted.contains(n) {
                owner[n] = code
                front.append(n)
            }
        }

        var outlines: [ComponentOutline] = []
        for code in [UInt8(2), 3] where classes.contains(code) {
            try deadline.check(during: "class mask outlines")
            let component = TissueComponent(classCode: code)!
            let field = (0..<count).map { classes[$0] == code || owner[$0] == code ? 1.0 : 0.0 }
            let raw = MarchingSquares(level: 0.5).contours(values: field, rows: rows, columns: columns)
            let rawOuter = raw.filter { PolygonGeometry.signedArea($0) > 0 }
            let rawHoles = raw.filter { PolygonGeometry.signedArea($0) < 0 }
            for hole in rawHoles {
                let pixel = Self.firstPixel(inside: hole, rows: rows, columns: columns) ?? (0, 0)
                notes.append(ComponentMaskNote(kind: .holeFilled, component: component,
                                               pixelCount: Int(abs(PolygonGeometry.signedArea(hole)).rounded()), row: pixel.0, column: pixel.1))
            }
            // The blurred region's contours, when they are as many as the pixel region's (else the
            // blur is halved, then dropped, as for the wall).
            var smoothed = rawOuter
            var sigma = options.blurSigma
            while sigma >= 0.25 {
                let blurred = MarchingSquares(level: 0.5).contours(
                    values: GaussianBlur.apply(field, rows: rows, columns: columns, sigma: sigma), rows: rows, columns: columns)
                let outer = blurred.filter { PolygonGeometry.signedArea($0) > 0 }
                if outer.count == rawOuter.count, blurred.count - outer.count == rawHoles.count {
                    // Pair each pixel contour with the blurred one whose centre is nearest.
                    smoothed = rawOuter.map { contour in
                        let centre = Self.centre(contour)
                        return outer.min { Self.centre($0).distance(to: centre) < Self.centre($1).distance(to: centre) }!
                    }
                    break
                }
                sigma *= 0.5
            }
            for (contour, estimate) in zip(rawOuter, smoothed) {
                var inside = [Bool](repeating: false, count: count)
                var depositPixels = 0
                var first: (Int, Int)?
                // Only the pixels of the contour's bounding box can lie inside it.
                let xs = contour.map(\.x), ys = contour.map(\.y)
                let c0 = max(0, Int(xs.min()!.rounded(.down)) - 1), c1 = min(columns - 1, Int(xs.max()!.rounded(.up)))
                let r0 = max(0, Int(ys.min()!.rounded(.down)) - 1), r1 = min(rows - 1, Int(ys.max()!.rounded(.up)))
                PolygonGeometry.forEachPixelCentre(inside: contour, rows: r0...r1, columns: c0...c1) { r, c in
                    let index = r * columns + c
                    guard field[index] == 1 || classes[index] != 0 else { return }
                    inside[index] = true
                    if classes[index] == code {
                        depositPixels += 1
                        if first == nil { first = (r, c) }
                    }
                }
                guard depositPixels >= minimumPixels else {
                    if let first {
                        notes.append(ComponentMaskNote(kind: .speckDropped, component: component, pixelCount: depositPixels, row: first.0, column: first.1))
                    }
                    continue
                }
                let area = abs(PolygonGeometry.signedArea(contour))
                let smooth = ContourSmoothing.offset(MaskMesher.smoothBorder(estimate, options: options, pixelSize: pixelSize,
                                                                             minimumWavelength: 2 * elementLength), toArea: area)
                // The first of these that stays a faithful outline (no self-crossing, counter-clockwise,
                // area within 30 % of the pixel contour's, every point within `tolerance` of it): the
                // pixel fit, the smoothed estimate, then (long thin regions, whose smoothed sides can
                // cross or collapse) the pixel contour relaxed by Taubin smoothing alone, and the pixel
                // contour itself.
                var candidates: [() -> [Point]?] = []
                if options.fitsBordersToPixels, options.minimumBorderWavelength > 0 {
                    candidates.append {
                        PixelBorderFit(minimumWavelength: 0.75 * options.minimumBorderWavelength)
                            .refine(smooth, inside: inside, rows: rows, columns: columns)
                            .map { ContourSmoothing.offset($0, toArea: area) }
                    }
                }
                candidates += [{ smooth }, { ContourSmoothing.offset(ContourSmoothing(iterations: options.smoothingIterations).smooth(contour), toArea: area) },
                               { contour }]
                // A quarter of the low-pass floor's wavelength (at least 2 pixels): on fine pixels the
                // low-passed outline rightly leaves the staircase by more than 2 pixels, and a check in
                // pixels alone fell back to the unsmoothed contour, whose pixel detail then folded.
                let tolerance = max(2, 0.25 * max(2 * options.scannerResolution / pixelSize, 2 * elementLength))
                func faithful(_ points: [Point]) -> Bool {
                    let candidateArea = PolygonGeometry.signedArea(points)
                    guard candidateArea > 0, abs(candidateArea - area) <= 0.3 * area,
                          points.allSatisfy({ p in contour.contains { $0.distance(to: p) <= tolerance } }) else { return false }
                    return PolygonGeometry.selfIntersection(points) == nil
                }
                let points = candidates.lazy.compactMap { $0() }.first(where: faithful) ?? contour
                outlines.append(ComponentOutline(component: component, points: points))
            }
        }
        return (outlines, notes)
    }

    static func name(_ code: UInt8) -> String { TissueComponent(classCode: code)?.name ?? "class \(code)" }

    /// Mean of the vertices.
    static func centre(_ contour: [Point]) -> Point {
        let sum = contour.reduce(Point(0, 0)) { $0 + $1 }
        return (1 / Double(max(contour.count, 1))) * sum
    }

    /// The first pixel (scan order) whose centre lies inside `contour`.
    static func firstPixel(inside contour: [Point], rows: Int, columns: Int) -> (Int, Int)? {
        for r in 0..<rows {
            for c in 0..<columns where PolygonGeometry.contains(contour, Point(Double(c) + 0.5, Double(r) + 0.5)) { return (r, c) }
        }
        return nil
    }
}
