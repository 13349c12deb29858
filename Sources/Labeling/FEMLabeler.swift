import FEM
import Foundation
import Meshing
import Raster

/// Seconds between successive `lap()` calls.
struct Stopwatch {
    private var clock = ContinuousClock.now

    /// Seconds since the last lap (or since the stopwatch was made).
    mutating func lap() -> Double {
        let now = ContinuousClock.now
        let (seconds, attoseconds) = (now - clock).components
        clock = now
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

/// Seconds spent in each stage of labeling one mask.
public struct LabelTimings: Sendable, Codable, Equatable {
    /// Mask validation.
    public var validate = 0.0
    /// Contours, smoothing and triangulation.
    public var mesh = 0.0
    /// Finite-element setup and Newton along the waveform.
    public var solve = 0.0
    /// Sampling the stress at the wall pixel centres.
    public var rasterize = 0.0

    /// Sum of the stages.
    public var total: Double { validate + mesh + solve + rasterize }
}

extension StressLabel {
    /// How far this map is from `reference` on the same grid: the relative L2 difference over the
    /// pixels that are wall in both, ||s - s_ref||_2 / ||s_ref||_2, and the relative difference of the
    /// peaks, |peak / peak_ref - 1|.
    public func difference(from reference: StressLabel) -> (relativeL2: Double, relativePeak: Double) {
        var difference = 0.0, norm = 0.0
        for k in stress.indices where k < reference.stress.count && wall.pixels[k] != 0 && reference.wall.pixels[k] != 0 {
            let d = Double(stress[k]) - Double(reference.stress[k])
            difference += d * d
            norm += Double(reference.stress[k]) * Double(reference.stress[k])
        }
        return ((difference / max(norm, .leastNormalMagnitude)).squareRoot(), abs(Double(peak) / Double(reference.peak) - 1))
    }
}

/// Where a contour frame's stress map lies: `grid` with its top-left corner at (`originX`,
/// `originY`) mm in the contours' coordinates (pixel (r, c) centred at origin + ((c + 0.5) s,
/// (r + 0.5) s), y pointing the way the contours' y does).
public struct FramePlacement: Sendable, Equatable, Codable {
    /// x of the grid's top-left corner (mm).
    public var originX: Double
    /// y of the grid's top-left corner (mm).
    public var originY: Double
    /// Pixel count and size.
    public var grid: PixelGrid

    /// A placement.
    public init(originX: Double, originY: Double, grid: PixelGrid) {
        self.originX = originX
        self.originY = originY
        self.grid = grid
    }

    /// `borders` (in the contours' coordinates) moved so that the grid's top-left corner is the origin.
    public func local(_ borders: WallBorders) -> WallBorders {
        borders.translated(by: Point(-originX, -originY))
    }

    /// The wall of `borders` at this grid's pixel centres (centre inside the EEM, outside the lumen).
    public func wall(of borders: WallBorders) -> Mask {
        let inWall = local(borders).wallPixels(rows: grid.rows, columns: grid.columns, pixelSize: grid.pixelSize)
        return Mask(grid: grid, isMember: { inWall[$0 * grid.columns + $1] })
    }

    /// A square field of view of side `side` mm (`size` x `size` pixels) centred on the bounding box
    /// of the frame's EEM.
    public static func centred(on borders: WallBorders, side: Double, size: Int) -> FramePlacement? {
        guard side > 0, side.isFinite, let grid = PixelGrid(rows: size, columns: size, pixelSize: side / Double(size)) else { return nil }
        let (lo, hi) = borders.outerBounds
        return FramePlacement(originX: 0.5 * (lo.x + hi.x) - 0.5 * side, originY: 0.5 * (lo.y + hi.y) - 0.5 * side, grid: grid)
    }
}

/// A systolic stress map on the mask's pixel grid and how it was obtained.
public struct StressLabel: Sendable {
    /// The validated mask (specks removed and small holes filled, as reported there); nil for
    /// contour input, which has no mask to validate.
    public var mask: ValidatedMask?
    /// The wall pixels of the map: the cleaned wall of a mask, or the wall of contours rasterised
    /// at the pixel centres.
    public var wall: Mask
    /// Stress per pixel, row-major (kPa): the chosen measure at the material point at each wall
    /// pixel centre in the image, 0 outside the wall.
    public var stress: [Float]
    /// The measure shown.
    public var measure: StressMeasure
    /// Largest value of the map (kPa).
    public var peak: Float
    /// Wall pixels whose centre lies outside the smoothed border and took the nearest border value.
    public var pixelsOutsideMesh: Int
    /// Triangles of the wall mesh.
    public var triangles: Int
    /// Degrees of freedom of the solve.
    public var degreesOfFreedom: Int
    /// Mesh quality.
    public var quality: MeshQuality
    /// The solver's report (Newton history, reactions, timings) of the forward solve.
    public var report: SolveReport
    /// Time per stage.
    public var timings: LabelTimings
    /// Lumen area change, unloaded geometry and plausibility.
    public var mechanics: WallMechanics
    /// Class of every pixel when the wall has components (0 outside the wall, 1 fibrous wall,
    /// 2 lipid, 3 calcium: `TissueComponent.classCode`), the component of the element each wall
    /// pixel's stress was taken in; nil for a one-material wall.
    public var components: [UInt8]? = nil
    /// How each component outline was fitted into the wall (clipping at the borders).
    public var componentClipping: [ComponentClipping] = []
    /// Class-mask input: deposits dropped as specks and holes filled (empty otherwise).
    public var componentNotes: [ComponentMaskNote] = []
}

/// What a label says about the wall's deformation, beside the stress.
public struct WallMechanics: Sendable, Codable, Equatable {
    /// Relative lumen-area change from the image pressure (or, for a stress-free image, from
    /// zero load) to systole: A_systole / A_image - 1.
    public var lumenAreaChange: Double
    /// Unloaded lumen area over the image's, when the image was taken as a loaded state.
    public var unloadedLumenFraction: Double?
    /// Largest distance between the image and the unloaded geometry loaded back to the image
    /// pressure (mm), when the image was taken as a loaded state.
    public var unloadingMismatch: Double?
    /// Newton iterations of the inverse (unloading) solve.
    public var unloadingIterations: Int?
    /// The stiffness factor the wall was labeled with.
    public var stiffnessScale: Double
    /// Whether the lumen-area change stays within `LabelingOptions.plausibleLumenAreaChange`.
    public var isPlausible: Bool
}

/// The labeling tool: a mask in, the systolic stress map on the same pixels out, or the reason why not.
///
/// validate -> mesh the wall (sub-pixel smooth borders, quality triangulation) -> solve the
/// incompressible hyperelastic wall along the pulsatile waveform to systole -> sample the stress at
/// the wall pixel centres in the reference (image) configuration.
public struct FEMLabeler: Sendable {
    /// The options of every label this labeler makes.
    public let options: LabelingOptions

    /// Creates a labeler.
    public init(options: LabelingOptions = LabelingOptions()) {
        self.options = options
    }

    /// Labels one mask.
    ///
    /// Past `deadline` (nil: `options.timeLimit` seconds from now; a given one counts too, the
    /// earlier of the two) throws `.timeLimitExceeded`: checked between the stages and inside the
    /// mesher's and the solver's loops.
    public func label(_ mask: Mask, deadline: Deadline? = nil) throws(LabelingFailure) -> StressLabel {
        var timings = LabelTimings()
        var stopwatch = Stopwatch()
        func lap() -> Double { stopwatch.lap() }
        let deadline = self.deadline(deadline)
        let validated: ValidatedMask
        do { validated = try mask.validated(options: options.validation) } catch { throw .invalidMask(error) }
        timings.validate = lap()
        try check(deadline, before: .meshing)

        let grid = validated.grid
        let meshed = try wallMesh(of: validated, deadline: deadline)
        timings.mesh = lap()
        let wallPixels = (0..<grid.count).filter { validated.classes[$0] == .wall }
        var label = try solveAndSample(mesh: meshed, grid: grid, wallPixels: wallPixels, timings: &timings, lap: lap, deadline: deadline)
        label.mask = validated
        label.wall = validated.wall
        return label
    }

    /// Labels one class mask (0 outside the wall, 1 fibrous, 2 lipid, 3 calcium): the wall (every
    /// nonzero code) is validated and cleaned as a plain mask is (filled holes become fibrous), its
    /// lipid and calcium regions become component outlines through the mask's border reconstruction
    /// (`MaskMesher.mesh(classes:...)`), and each gets its own material. The label's `components`
    /// is the class of the element each wall pixel's stress was taken in; `componentNotes` says
    /// which deposits were dropped as specks or had holes filled. A class mask without lipid or
    /// calcium labels exactly as the plain mask of its wall, with a class map of fibrous pixels.
    /// `deadline` as for a plain mask.
    public func label(_ classMask: ClassMask, deadline: Deadline? = nil) throws(LabelingFailure) -> StressLabel {
        var timings = LabelTimings()
        var stopwatch = Stopwatch()
        func lap() -> Double { stopwatch.lap() }
        let deadline = self.deadline(deadline)
        let validated: ValidatedMask
        do { validated = try classMask.wall.validated(options: options.validation) } catch { throw .invalidMask(error) }
        timings.validate = lap()
        try check(deadline, before: .meshing)

        let grid = validated.grid
        let meshed = try wallMesh(of: validated, classes: classMask, deadline: deadline)
        timings.mesh = lap()
        let wallPixels = (0..<grid.count).filter { validated.classes[$0] == .wall }
        var label = try solveAndSample(mesh: meshed, grid: grid, wallPixels: wallPixels, timings: &timings, lap: lap, deadline: deadline)
        label.mask = validated
        label.wall = validated.wall
        if label.components == nil {
            // One material: every wall pixel is fibrous.
            label.components = validated.wall.pixels.map { $0 != 0 ? ClassMask.fibrousCode : ClassMask.outsideCode }
        }
        label.componentNotes = meshed.componentNotes
        return label
    }

    /// Labels one frame given by its border contours: the wall is meshed from the contours
    /// themselves (`ContourMesher`, sized by the wall's geometry) and the systolic stress sampled at
    /// the pixel centres of `placement` that lie in the wall (the map's mask is the wall
    /// rasterised there).
    ///
    /// Throws `.invalidContours(.invalidGrid)` when the EEM does not lie inside the grid,
    /// `.meshing`, `.solve` and `.timeLimitExceeded` (`deadline`) as for masks.
    ///
    /// `components` (lipid and calcium outlines in the contours' coordinates) make a wall of several
    /// materials: the mesh conforms to them (clipped to the wall) and the label carries the class map.
    public func label(_ borders: WallBorders, on placement: FramePlacement, components: [ComponentOutline] = [], deadline: Deadline? = nil)
        throws(LabelingFailure) -> StressLabel {
        var timings = LabelTimings()
        var stopwatch = Stopwatch()
        func lap() -> Double { stopwatch.lap() }
        let deadline = self.deadline(deadline)
        let grid = placement.grid
        let local = placement.local(borders)
        let (lo, hi) = local.outerBounds
        guard lo.x >= 0, lo.y >= 0, hi.x <= grid.width, hi.y <= grid.height else {
            throw .invalidContours(.invalidGrid(frame: borders.frame, reason: String(
                format: "the EEM (x %.3f...%.3f, y %.3f...%.3f mm) does not fit the pixel grid (x %.3f...%.3f, y %.3f...%.3f mm)",
                lo.x + placement.originX, hi.x + placement.originX, lo.y + placement.originY, hi.y + placement.originY,
                placement.originX, placement.originX + grid.width, placement.originY, placement.originY + grid.height)))
        }
        let wall = placement.wall(of: borders)
        timings.validate = lap()
        try check(deadline, before: .meshing)
        let offset = Point(-placement.originX, -placement.originY)
        let localComponents = components.map { ComponentOutline(component: $0.component, points: $0.points.map { $0 + offset }) }
        let meshed = try wallMesh(of: local, components: localComponents, deadline: deadline)
        timings.mesh = lap()
        var label = try solveAndSample(mesh: meshed, grid: grid, wallPixels: (0..<grid.count).filter { wall.pixels[$0] != 0 },
                                       timings: &timings, lap: lap, deadline: deadline)
        label.wall = wall
        return label
    }

    /// The deadline of one label: `options.timeLimit` seconds from now, or `given` if earlier.
    private func deadline(_ given: Deadline?) -> Deadline {
        let limit = Deadline(seconds: options.timeLimit)
        return given.map { limit.earlier($0) } ?? limit
    }

    /// The failure for `deadline` having passed during (or before) `stage`.
    private func timeLimitExceeded(_ deadline: Deadline, stage: LabelingStage) -> LabelingFailure {
        .timeLimitExceeded(seconds: deadline.seconds ?? options.timeLimit ?? 0, stage: stage)
    }

    /// Throws `.timeLimitExceeded` when `deadline` has passed.
    private func check(_ deadline: Deadline, before stage: LabelingStage) throws(LabelingFailure) {
        if deadline.isExpired() { throw timeLimitExceeded(deadline, stage: stage) }
    }

    /// Solves the wall of `mesh` to systole and samples the stress at the centres of `wallPixels`
    /// (flat indices of `grid`); `mask` and `wall` of the result are left for the caller.
    private func solveAndSample(mesh meshed: MaskMeshResult, grid: PixelGrid, wallPixels: [Int], timings: inout LabelTimings,
                                lap: () -> Double, deadline: Deadline) throws(LabelingFailure) -> StressLabel {
        try check(deadline, before: .solve)

        let points = wallPixels.map { index in
            let (row, column) = grid.pixel(at: index)
            let center = grid.center(row: row, column: column)
            return Point(center.x, center.y)
        }
        let solved = try solve(meshed.mesh, samplingAt: points, deadline: deadline)
        timings.solve = lap()
        let (samples, report, degreesOfFreedom, mechanics) = (solved.samples, solved.report, solved.degreesOfFreedom, solved.mechanics)

        var stress = [Float](repeating: 0, count: grid.count)
        var outside = 0
        for (k, sample) in samples.enumerated() {
            stress[wallPixels[k]] = Float(options.measure.value(of: sample.stress))
            if sample.location != .inside { outside += 1 }
        }
        var components: [UInt8]?
        if let regions = solved.regions {
            var classes = [UInt8](repeating: 0, count: grid.count)
            for (k, region) in regions.enumerated() { classes[wallPixels[k]] = UInt8(region + 1) }
            components = classes
        }
        timings.rasterize = lap()
        return StressLabel(
            mask: nil, wall: Mask(grid: grid, isMember: { _, _ in false }), stress: stress, measure: options.measure, peak: stress.max() ?? 0, pixelsOutsideMesh: outside,
            triangles: meshed.mesh.triangles.count, degreesOfFreedom: degreesOfFreedom, quality: meshed.quality,
            report: report, timings: timings, mechanics: mechanics, components: components, componentClipping: meshed.componentClipping)
    }

    /// Solves the wall of `mesh` to systole (from its unloaded geometry when the image is a loaded
    /// state) and samples the systolic stress at `points` (mm, image coordinates; none for the
    /// mechanics alone, as calibration needs).
    /// `regions` is the region of the element at each point when the mesh has several (else nil).
    /// `unloadingGuess` starts the unloading from a similar wall's end state; the result's
    /// `unloadedState` is this wall's (nil for a stress-free image). The solve and the sampling stop
    /// at `deadline` (and at the solver's own `timeLimit`, if any).
    func solve(_ mesh: TriangleMesh, samplingAt points: [Point], deadline: Deadline = .never, unloadingGuess: MixedState? = nil)
        throws(LabelingFailure)
        -> (samples: [(stress: CauchyStress, location: WallSolver.SampleLocation)], report: SolveReport, degreesOfFreedom: Int,
            mechanics: WallMechanics, regions: [Int32]?, unloadedState: MixedState?)
    {
        var regions: [Int32]?
        var unloadedState: MixedState?
        var solverOptions = options.scaledSolverOptions
        solverOptions.recordsNodalStress = false  // the map samples the elements
        let samples: [(stress: CauchyStress, location: WallSolver.SampleLocation)]
        let report: SolveReport
        let degreesOfFreedom: Int
        var mechanics = WallMechanics(lumenAreaChange: 0, stiffnessScale: options.stiffnessScale, isPlausible: true)
        do {
            let schedule = try LoadSchedule.toSystole(options.waveform, steps: options.stepsToSystole)
            if let imagePressure = options.imagePressureMmHg {
                let solver = try LoadedImageSolver(mesh: mesh, options: solverOptions, deadline: deadline)
                let result = try solver.solve(imagePressureKPa: imagePressure * kilopascalsPerMillimetreOfMercury, schedule: schedule,
                                              initialGuess: unloadingGuess, deadline: deadline)
                unloadedState = result.unloaded.imageState
                samples = try result.stress(of: result.solution.systole.state, atImagePoints: points, deadline: deadline)
                if mesh.regionCount > 1 { regions = try result.regions(atImagePoints: points, deadline: deadline) }
                report = result.solution.report
                degreesOfFreedom = result.degreesOfFreedom
                mechanics.lumenAreaChange = result.lumenArea(of: result.solution.systole) / result.lumenArea(of: result.imageSnapshot) - 1
                mechanics.unloadedLumenFraction = result.unloaded.unloadedLumenArea / result.unloaded.imageLumenArea
                mechanics.unloadingMismatch = result.mismatch
                mechanics.unloadingIterations = result.unloaded.report.steps.map(\.linearSolves).reduce(0, +)
            } else {
                let solver = try WallSolver(mesh: mesh, options: solverOptions, deadline: deadline)
                let solution = try solver.solve(schedule, deadline: deadline)
                samples = try solver.stress(of: solution.systole.state, at: points, deadline: deadline)
                if mesh.regionCount > 1 { regions = try solver.regions(at: points, deadline: deadline) }
                report = solution.report
                degreesOfFreedom = solver.degreesOfFreedom
                let image = MixedState(displacement: [Double](repeating: 0, count: solution.systole.state.displacement.count),
                                       pressure: solution.systole.state.pressure)
                mechanics.lumenAreaChange = solver.lumenArea(of: solution.systole.state) / solver.lumenArea(of: image) - 1
            }
        } catch {
            // The solver's own limit alone (no label deadline) stays a solve failure, as before.
            if case .timeLimitExceeded = error, deadline.instant != nil || deadline.probe != nil { throw timeLimitExceeded(deadline, stage: .solve) }
            throw .solve(error)
        }
        mechanics.isPlausible = mechanics.lumenAreaChange <= options.plausibleLumenAreaChange
        return (samples, report, degreesOfFreedom, mechanics, regions, unloadedState)
    }

    /// The wall mesh of a validated mask (pixel-fitted borders); `.timeLimitExceeded` (stage
    /// meshing) once `deadline` has passed.
    public func wallMesh(of validated: ValidatedMask, deadline: Deadline = .never) throws(LabelingFailure) -> MaskMeshResult {
        let grid = validated.grid
        do {
            return try MaskMesher(options.meshing).mesh(
                values: validated.wall.pixels.map { Double($0) }, rows: grid.rows, columns: grid.columns, pixelSize: grid.pixelSize,
                deadline: deadline)
        } catch {
            throw meshingFailure(error, deadline: deadline)
        }
    }

    /// A mesher's error as a labeling failure: its time limit is the label's.
    private func meshingFailure(_ error: MeshError, deadline: Deadline) -> LabelingFailure {
        if case .timeLimitExceeded = error { return timeLimitExceeded(deadline, stage: .meshing) }
        return .meshing(error)
    }

    /// The wall mesh of a validated class mask's wall with the components of `classes` (restricted
    /// to the cleaned wall); without lipid or calcium, the plain mask's mesh. `deadline` as there.
    public func wallMesh(of validated: ValidatedMask, classes: ClassMask, deadline: Deadline = .never) throws(LabelingFailure) -> MaskMeshResult {
        guard classes.hasComponents else { return try wallMesh(of: validated, deadline: deadline) }
        let grid = validated.grid
        do {
            return try MaskMesher(options.meshing).mesh(
                classes: classes.restricted(to: validated.wall), rows: grid.rows, columns: grid.columns, pixelSize: grid.pixelSize,
                deadline: deadline)
        } catch {
            throw meshingFailure(error, deadline: deadline)
        }
    }

    /// The wall mesh of a frame's borders (in the coordinates the mesh should have); `deadline` as
    /// for masks.
    public func wallMesh(of borders: WallBorders, components: [ComponentOutline] = [], deadline: Deadline = .never)
        throws(LabelingFailure) -> MaskMeshResult {
        do {
            return try ContourMesher(options.contourMeshing).mesh(borders, components: components, deadline: deadline)
        } catch {
            throw meshingFailure(error, deadline: deadline)
        }
    }

    /// The lumen-area change and unloading of the wall of `mesh` (no stress sampled).
    public func mechanics(of mesh: TriangleMesh) throws(LabelingFailure) -> WallMechanics {
        try solve(mesh, samplingAt: []).mechanics
    }

    /// `mechanics(of:)` with the unloading started from `unloadingGuess`, and this wall's unloaded
    /// end state (U = x - X and the pressures) for the next similar solve; stops at `deadline`.
    func mechanics(of mesh: TriangleMesh, unloadingGuess: MixedState?, deadline: Deadline = .never)
        throws(LabelingFailure) -> (WallMechanics, MixedState?) {
        let solved = try solve(mesh, samplingAt: [], deadline: deadline, unloadingGuess: unloadingGuess)
        return (solved.mechanics, solved.unloadedState)
    }
}
