import FEM
import Foundation
import Meshing
import Raster

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

/// A systolic stress map on the mask's pixel grid and how it was obtained.
public struct StressLabel: Sendable {
    /// The validated mask (specks removed and small holes filled, as reported there).
    public var mask: ValidatedMask
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
    /// The solver's report (Newton history, reactions, timings).
    public var report: SolveReport
    /// Time per stage.
    public var timings: LabelTimings
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
    public func label(_ mask: Mask) throws(LabelingFailure) -> StressLabel {
        var timings = LabelTimings()
        var clock = ContinuousClock.now
        func lap() -> Double {
            let now = ContinuousClock.now
            let (seconds, attoseconds) = (now - clock).components
            clock = now
            return Double(seconds) + Double(attoseconds) * 1e-18
        }
        let validated: ValidatedMask
        do { validated = try mask.validated(options: options.validation) } catch { throw .invalidMask(error) }
        timings.validate = lap()

        let grid = validated.grid
        let meshed: MaskMeshResult
        do {
            meshed = try MaskMesher(options.meshing).mesh(
                values: validated.wall.pixels.map { Double($0) }, rows: grid.rows, columns: grid.columns, pixelSize: grid.pixelSize)
        } catch {
            throw .meshing(error)
        }
        timings.mesh = lap()

        let solver: WallSolver
        let solution: WallSolution
        do {
            solver = try WallSolver(mesh: meshed.mesh, options: options.solver)
            solution = try solver.solve(try LoadSchedule.toSystole(options.waveform, steps: options.stepsToSystole))
        } catch {
            throw .solve(error)
        }
        timings.solve = lap()

        var wallPixels: [Int] = []
        var points: [Point] = []
        for index in 0..<grid.count where validated.classes[index] == .wall {
            let (row, column) = grid.pixel(at: index)
            let center = grid.center(row: row, column: column)
            wallPixels.append(index)
            points.append(Point(center.x, center.y))
        }
        var stress = [Float](repeating: 0, count: grid.count)
        var outside = 0
        for (k, sample) in solver.stress(of: solution.systole.state, at: points).enumerated() {
            stress[wallPixels[k]] = Float(options.measure.value(of: sample.stress))
            if sample.location != .inside { outside += 1 }
        }
        timings.rasterize = lap()
        return StressLabel(
            mask: validated, stress: stress, measure: options.measure, peak: stress.max() ?? 0, pixelsOutsideMesh: outside,
            triangles: meshed.mesh.triangles.count, degreesOfFreedom: solver.degreesOfFreedom, quality: meshed.quality,
            report: solution.report, timings: timings)
    }
}
