import FEM
import Foundation
import Meshing
import Raster

/// A vessel wall with an exactly known smooth geometry: the region between a lumen circle and an
/// outer circle that contains it (lengths in mm, image coordinates: x right, y down).
public struct ExactWallGeometry: Sendable, Equatable, Codable {
    /// Short name shown in tables.
    public var name: String
    /// Centre of the lumen circle (mm).
    public var lumenCenterX: Double
    /// Centre of the lumen circle (mm).
    public var lumenCenterY: Double
    /// Lumen radius (mm).
    public var lumenRadius: Double
    /// Centre of the outer circle (mm).
    public var outerCenterX: Double
    /// Centre of the outer circle (mm).
    public var outerCenterY: Double
    /// Outer radius (mm).
    public var outerRadius: Double

    /// Creates a wall between a lumen circle and an outer circle (mm).
    public init(name: String, lumenCenter: (x: Double, y: Double), lumenRadius: Double,
                outerCenter: (x: Double, y: Double), outerRadius: Double) {
        self.name = name
        self.lumenCenterX = lumenCenter.x
        self.lumenCenterY = lumenCenter.y
        self.lumenRadius = lumenRadius
        self.outerCenterX = outerCenter.x
        self.outerCenterY = outerCenter.y
        self.outerRadius = outerRadius
    }

    /// The smooth eccentric plaque of issue 3 in the default 8 mm field of view: lumen radius 0.8 mm
    /// offset 0.5 mm (+x) from the centre (4, 4) mm of an outer circle of radius 1.8 mm, so the
    /// thinnest wall (the cap) is 0.5 mm = 4 px of 0.125 mm.
    public static let eccentricPlaque = ExactWallGeometry(
        name: "eccentric", lumenCenter: (4.5, 4), lumenRadius: 0.8, outerCenter: (4, 4), outerRadius: 1.8)

    /// The same plaque with its lumen offset along the diagonal (45 degrees, towards the lower
    /// right) and the whole wall moved by (0.031, 0.047) mm off the pixel lattice: the cap then
    /// faces the pixel staircase at its worst angle.
    public static let diagonalPlaque = ExactWallGeometry(
        name: "diagonal", lumenCenter: (4.031 + 0.5 * 0.5.squareRoot(), 4.047 + 0.5 * 0.5.squareRoot()), lumenRadius: 0.8,
        outerCenter: (4.031, 4.047), outerRadius: 1.8)

    /// A thinner cap: lumen radius 0.9 mm offset 0.55 mm inside an outer circle of 1.8 mm
    /// (cap 0.35 mm = 2.8 px), centre off the pixel lattice.
    public static let thinCapPlaque = ExactWallGeometry(
        name: "thin cap", lumenCenter: (4.02 - 0.55, 3.96), lumenRadius: 0.9, outerCenter: (4.02, 3.96), outerRadius: 1.8)

    /// A concentric ring of radii 1.2 and 2.2 mm centred in the image (the exact thick-walled ring
    /// solution holds for its geometry).
    public static let concentricRing = ExactWallGeometry(
        name: "ring", lumenCenter: (4, 4), lumenRadius: 1.2, outerCenter: (4, 4), outerRadius: 2.2)

    /// The shapes `plaquefem-bench accuracy` reports: eccentric, diagonal, thin cap, ring.
    public static let standardCases: [ExactWallGeometry] = [.eccentricPlaque, .diagonalPlaque, .thinCapPlaque, .concentricRing]

    /// Smallest wall thickness R_o - |c_o - c_l| - R_l (mm).
    public var minimumThickness: Double {
        let dx = outerCenterX - lumenCenterX, dy = outerCenterY - lumenCenterY
        return outerRadius - (dx * dx + dy * dy).squareRoot() - lumenRadius
    }

    /// Whether the point (x, y) (mm) lies in the wall: |p - c_l| >= R_l and |p - c_o| <= R_o.
    public func contains(x: Double, y: Double) -> Bool {
        let lx = x - lumenCenterX, ly = y - lumenCenterY
        let ox = x - outerCenterX, oy = y - outerCenterY
        return lx * lx + ly * ly >= lumenRadius * lumenRadius && ox * ox + oy * oy <= outerRadius * outerRadius
    }

    /// The mask of the wall on `grid`: a pixel is wall when its centre lies in the wall.
    public func mask(on grid: PixelGrid) -> Mask {
        Mask(grid: grid) { row, column in
            let p = grid.center(row: row, column: column)
            return contains(x: p.x, y: p.y)
        }
    }

    /// A structured mesh of the exact geometry with edges of about `meshSize` mm and curved
    /// (circle-point) mid-side nodes on both borders.
    public func referenceMesh(meshSize: Double) throws(MeshError) -> TriangleMesh {
        try AnnulusMeshGenerator(lumenCenter: Point(lumenCenterX, lumenCenterY), lumenRadius: lumenRadius,
                                 outerCenter: Point(outerCenterX, outerCenterY), outerRadius: outerRadius)
            .mesh(meshSize: meshSize)
    }
}

/// How well a labeled stress map matches the converged solution on the exact geometry.
public struct AccuracyResult: Sendable {
    /// The shape.
    public var geometry: ExactWallGeometry
    /// Pixel grid of the mask.
    public var grid: PixelGrid
    /// Wall pixels of the mask (the pixels compared).
    public var wallPixels: Int
    /// sqrt(sum_p (s_label - s_ref)^2 / sum_p s_ref^2) over the wall pixels p (dimensionless).
    public var relativeL2Error: Double
    /// Largest value of the labeled map (kPa).
    public var labelPeak: Double
    /// Largest value of the reference sampled at the same wall pixel centres (kPa).
    public var referencePeak: Double
    /// Largest |s_label - s_ref| over the wall pixels (kPa).
    public var maximumPixelError: Double
    /// Degrees of freedom of the reference solve.
    public var referenceDegreesOfFreedom: Int
    /// Degrees of freedom of the label's solve.
    public var labelDegreesOfFreedom: Int
    /// Wall pixel centres outside the label's smoothed border (they took the nearest border value).
    public var pixelsOutsideLabelMesh: Int
    /// Largest distance of the label's smooth lumen border from the exact lumen circle (mm).
    public var lumenBorderError: Double
    /// Largest distance of the label's smooth outer border from the exact outer circle (mm).
    public var outerBorderError: Double
    /// The labeled map, row-major (kPa, 0 outside the wall).
    public var labelStress: [Float]
    /// The reference at the wall pixel centres, row-major (kPa, 0 outside the wall).
    public var referenceStress: [Float]

    /// (labelPeak - referencePeak) / referencePeak (dimensionless, signed).
    public var relativePeakError: Double { (labelPeak - referencePeak) / referencePeak }
}

/// Why an accuracy study could not run.
public enum AccuracyStudyError: Error, Sendable, CustomStringConvertible {
    /// The shape or the study settings are unusable (reason given).
    case invalidSetup(String)
    /// The exact geometry could not be meshed.
    case referenceMesh(MeshError)
    /// The reference solve failed.
    case referenceSolve(FEMError)
    /// The mask could not be labeled.
    case labeling(LabelingFailure)

    /// The reason in one line.
    public var description: String {
        switch self {
        case .invalidSetup(let reason): "invalid accuracy study: \(reason)"
        case .referenceMesh(let error): "reference mesh failed: \(error)"
        case .referenceSolve(let error): "reference solve failed: \(error)"
        case .labeling(let failure): "labeling failed: \(failure)"
        }
    }
}

/// The accuracy check of the labeling tool against a converged solution on the exact geometry.
///
/// For a wall of known smooth shape: rasterize it to a mask (pixel-centre inside test), label the
/// mask with `FEMLabeler`, solve the same wall on a fine structured mesh of the exact geometry with
/// the same material, waveform and load steps, sample that reference at the wall pixel centres
/// (`WallSolver.stress(of:at:)`) and compare,
///
///     relative L2 = sqrt( sum_p (s_label(p) - s_ref(p))^2 / sum_p s_ref(p)^2 ),
///     peak error  = (max_p s_label - max_p s_ref) / max_p s_ref,
///
/// over the wall pixels p. Every wall pixel centre lies inside the exact geometry by construction.
/// Nothing is cached: each run meshes and solves the reference again.
public struct AccuracyStudy: Sendable {
    /// Options of the labeler under test; the reference uses their solver, waveform, steps and measure.
    public var labeling: LabelingOptions
    /// Edge length of the reference mesh (mm). 0.03 mm (86,000 dofs on the eccentric plaque) is
    /// converged to about 0.1 % in the sampled stress; 0.06 mm is within about 0.5 %.
    public var referenceMeshSize: Double
    /// Pixel grid of the masks (default 64 x 64 at 0.125 mm).
    public var grid: PixelGrid

    /// Creates a study.
    public init(labeling: LabelingOptions = LabelingOptions(), referenceMeshSize: Double = 0.03, grid: PixelGrid = .standard) {
        self.labeling = labeling
        self.referenceMeshSize = referenceMeshSize
        self.grid = grid
    }

    /// Labels the mask of `geometry` and compares it with the reference solution on the exact shape.
    public func run(_ geometry: ExactWallGeometry) throws(AccuracyStudyError) -> AccuracyResult {
        guard referenceMeshSize > 0, referenceMeshSize.isFinite else {
            throw .invalidSetup("reference mesh size must be positive and finite, got \(referenceMeshSize) mm")
        }
        let numbers = [geometry.lumenCenterX, geometry.lumenCenterY, geometry.lumenRadius,
                       geometry.outerCenterX, geometry.outerCenterY, geometry.outerRadius]
        guard numbers.allSatisfy(\.isFinite), geometry.lumenRadius > 0, geometry.outerRadius > 0 else {
            throw .invalidSetup("the circles of '\(geometry.name)' need finite centres and positive radii")
        }
        guard geometry.minimumThickness > 0 else {
            throw .invalidSetup("the lumen of '\(geometry.name)' is not strictly inside the outer circle")
        }
        guard referenceMeshSize < 0.5 * geometry.minimumThickness else {
            throw .invalidSetup("reference mesh size \(referenceMeshSize) mm is not below half the thinnest wall (\(geometry.minimumThickness) mm)")
        }
        let mask = geometry.mask(on: grid)
        let label: StressLabel
        do { label = try FEMLabeler(options: labeling).label(mask) } catch { throw .labeling(error) }

        // The labeler's borders again (same mask, same mesh), to report how far they are from the circles.
        let borders: MaskMeshResult
        do {
            borders = try MaskMesher(labeling.meshing).mesh(
                values: label.wall.pixels.map { Double($0) }, rows: grid.rows, columns: grid.columns, pixelSize: grid.pixelSize)
        } catch {
            throw .labeling(.meshing(error))
        }
        func borderError(_ curve: ClosedCurve, _ cx: Double, _ cy: Double, _ radius: Double) -> Double {
            curve.samples(count: 8 * curve.knots.count).reduce(0) { max($0, abs($1.distance(to: Point(cx, cy)) - radius)) }
        }

        let mesh: TriangleMesh
        do { mesh = try geometry.referenceMesh(meshSize: referenceMeshSize) } catch { throw .referenceMesh(error) }
        let solver: WallSolver
        let solution: WallSolution
        do {
            solver = try WallSolver(mesh: mesh, options: labeling.solver)
            solution = try solver.solve(try LoadSchedule.toSystole(labeling.waveform, steps: labeling.stepsToSystole))
        } catch {
            throw .referenceSolve(error)
        }

        var wallPixels: [Int] = []
        var points: [Point] = []
        for index in 0..<grid.count where label.wall.pixels[index] != 0 {
            let (row, column) = grid.pixel(at: index)
            let centre = grid.center(row: row, column: column)
            wallPixels.append(index)
            points.append(Point(centre.x, centre.y))
        }
        var reference = [Float](repeating: 0, count: grid.count)
        var errorSquared = 0.0, normSquared = 0.0, referencePeak = 0.0, labelPeak = 0.0, worst = 0.0
        for (k, sample) in solver.stress(of: solution.systole.state, at: points).enumerated() {
            let index = wallPixels[k]
            let exact = labeling.measure.value(of: sample.stress)
            let labeled = Double(label.stress[index])
            reference[index] = Float(exact)
            errorSquared += (labeled - exact) * (labeled - exact)
            normSquared += exact * exact
            referencePeak = max(referencePeak, exact)
            labelPeak = max(labelPeak, labeled)
            worst = max(worst, abs(labeled - exact))
        }
        guard normSquared > 0 else { throw .invalidSetup("the reference stress vanishes on the wall pixels of '\(geometry.name)'") }
        return AccuracyResult(
            geometry: geometry, grid: grid, wallPixels: wallPixels.count, relativeL2Error: (errorSquared / normSquared).squareRoot(),
            labelPeak: labelPeak, referencePeak: referencePeak, maximumPixelError: worst,
            referenceDegreesOfFreedom: solver.degreesOfFreedom, labelDegreesOfFreedom: label.degreesOfFreedom,
            pixelsOutsideLabelMesh: label.pixelsOutsideMesh,
            lumenBorderError: borderError(borders.lumenCurve, geometry.lumenCenterX, geometry.lumenCenterY, geometry.lumenRadius),
            outerBorderError: borderError(borders.outerCurve, geometry.outerCenterX, geometry.outerCenterY, geometry.outerRadius),
            labelStress: label.stress, referenceStress: reference)
    }
}
