import Foundation
import Meshing

/// Why an image has no unloaded geometry: the inverse problem's answer would fold the wall.
public struct UnloadedGeometryFailure: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Cause: String, Sendable, Codable {
        /// Every attempt to unload the image inverted elements (det grad_x X <= 0): the unloaded
        /// wall would have to turn inside out.
        case invertedElements = "inverted elements"
        /// Newton converged, but the unloaded border crosses itself or the other border.
        case foldedBorder = "folding border"
        /// Newton did not converge after all cutbacks, for another reason than inverted elements.
        case notConverged = "no convergence"
    }

    /// What went wrong.
    public var cause: Cause
    /// Details: the element, the crossing, the pressure reached.
    public var detail: String
    /// The Newton history of the inverse solve (every attempted step, failed ones included).
    public var report: SolveReport

    public var description: String {
        let reached = report.steps.last(where: \.converged).map { String(format: "%.1f", $0.pressureKPa / kilopascalsPerMillimetreOfMercury) } ?? "0"
        let iterations = report.steps.map(\.linearSolves).reduce(0, +)
        return "no unloaded geometry (\(cause.rawValue)): \(detail); unloaded up to \(reached) mmHg in \(report.steps.count) "
            + "steps (\(report.cutbacks) cutbacks, \(iterations) Newton iterations); a stiffer wall or an outer support may have one"
    }
}

/// The unloaded (zero-pressure) geometry of a wall imaged under a lumen pressure.
public struct UnloadedGeometry: Sendable {
    /// The pressure the image was taken at (kPa).
    public var imagePressureKPa: Double
    /// Unloaded position X of every P2 node of the image mesh (mm), in the mesh's node order.
    public var positions: [Point]
    /// The inverse solve's Newton history.
    public var report: SolveReport
    /// Lumen area of the image (mm^2).
    public var imageLumenArea: Double
    /// Lumen area of the unloaded geometry (mm^2).
    public var unloadedLumenArea: Double
    /// The inverse solve's end state: U = x - X and the pressures, which is also the forward state
    /// of the unloaded geometry at the image pressure.
    public var imageState: MixedState
}

/// A wall whose image is its loaded state, loaded from its unloaded geometry along a schedule.
public struct LoadedImageSolution {
    /// The unloaded geometry.
    public var unloaded: UnloadedGeometry
    /// The forward solve from the unloaded geometry; its snapshots include the image pressure.
    public var solution: WallSolution
    /// The snapshot at the image pressure.
    public var imageSnapshot: WallSolution.Snapshot
    /// Largest distance between a node loaded to the image pressure and its place in the image (mm),
    /// a common translation removed: how well the unloaded geometry reproduces the image. The forward
    /// solve starts at the inverse solve's end state, so this is how far the forward Newton had to
    /// move it to satisfy the forward equations (0 when they already held to the tolerance).
    public var mismatch: Double
    /// The forward solver (reference = unloaded geometry).
    let forward: WallSolver
    /// The inverse problem's discretization (reference = image).
    let image: MixedDiscretization

    /// Lumen area of `snapshot` (mm^2).
    public func lumenArea(of snapshot: WallSolution.Snapshot) -> Double { forward.lumenArea(of: snapshot.state) }

    /// Cauchy stress of `state` (a state of `solution`) at the material points that sit at
    /// `points` (mm) in the image; points outside the image mesh take the value at the nearest
    /// border point, as `WallSolver.stress(of:at:)` does.
    public func stress(of state: MixedState, atImagePoints points: [Point]) -> [(stress: CauchyStress, location: WallSolver.SampleLocation)] {
        // Without a deadline the sampling cannot throw.
        (try? stress(of: state, atImagePoints: points, deadline: .never)) ?? []
    }

    /// `stress(of:atImagePoints:)` that checks `deadline` every `WallSolver.pointsPerCheck` points
    /// and throws `FEMError.timeLimitExceeded` once it has passed.
    public func stress(of state: MixedState, atImagePoints points: [Point], deadline: Deadline)
        throws(FEMError) -> [(stress: CauchyStress, location: WallSolver.SampleLocation)] {
        try forward.stress(of: state, at: points, locatedIn: image, deadline: deadline)
    }

    /// Region (material index) of the element holding each image point (mm); see `WallSolver.regions(at:)`.
    public func regions(atImagePoints points: [Point]) -> [Int32] {
        // Without a deadline the lookup cannot throw.
        (try? regions(atImagePoints: points, deadline: .never)) ?? []
    }

    /// `regions(atImagePoints:)` that checks `deadline` as `stress(of:atImagePoints:deadline:)` does.
    public func regions(atImagePoints points: [Point], deadline: Deadline) throws(FEMError) -> [Int32] {
        try WallSolver.regions(at: points, locatedIn: image, deadline: deadline)
    }

    /// Degrees of freedom of the forward solve.
    public var degreesOfFreedom: Int { forward.degreesOfFreedom }
}

/// Takes a mesh of an image as the loaded state at a lumen pressure, finds the unloaded geometry
/// (inverse elastostatics: one Newton solve on the image mesh, `assembleInverse`), and loads that
/// geometry forward along a schedule.
///
/// The inverse equations are the forward equations of the same P2 mesh, unknowns swapped, so
/// loading the unloaded geometry to the image pressure gives back the image to Newton's tolerance
/// (`LoadedImageSolution.mismatch`). Not thread-safe.
public final class LoadedImageSolver {
    /// The mesh of the image (the loaded state).
    public let mesh: TriangleMesh
    /// Options of both solves.
    public let options: SolverOptions
    private let inverse: WallSolver

    /// Sets up the inverse problem on `mesh` (`deadline` as for `WallSolver`).
    public init(mesh: TriangleMesh, options: SolverOptions = SolverOptions(), deadline: Deadline = .never) throws(FEMError) {
        self.mesh = mesh
        self.options = options
        inverse = try WallSolver(mesh: mesh, options: options, linearSolver: nil, formulation: .inverse, deadline: deadline)
    }

    /// The unloaded geometry of the image taken at `imagePressureKPa`, the pressure ramped up in
    /// `steps` equal steps (halved on failure, as forward steps are).
    ///
    /// Throws `FEMError.noUnloadedGeometry` when every attempt inverts elements, Newton does not
    /// converge, or the converged unloaded border folds.
    ///
    /// `initialGuess` (U and p, e.g. the end state of a similar wall's unloading) starts Newton at the
    /// image pressure from there; when that fails, the ramp from zero load runs as without it.
    ///
    /// Throws `FEMError.timeLimitExceeded` once `deadline` (or `SolverOptions.timeLimit` of each
    /// Newton solve) has passed.
    public func unloadedGeometry(imagePressureKPa: Double, steps: Int = 1, initialGuess: MixedState? = nil, deadline: Deadline = .never)
        throws(FEMError) -> UnloadedGeometry {
        guard imagePressureKPa > 0, imagePressureKPa.isFinite else {
            throw .invalidParameter("image pressure must be finite and > 0, got \(imagePressureKPa) kPa")
        }
        let solution: WallSolution
        do {
            let image = LoadSchedule.constant(pressureKPa: imagePressureKPa, steps: 1)
            if let initialGuess, let guessed = try? inverse.solve(image, startingFrom: (initialGuess, imagePressureKPa), deadline: deadline) {
                solution = guessed
            } else {
                solution = try inverse.solve(.constant(pressureKPa: imagePressureKPa, steps: steps), deadline: deadline)
            }
        } catch .notConverged(let pressure, let report) {
            let failures = report.steps.compactMap(\.failure)
            let inverted = failures.last.map { $0.contains("inverted") } ?? false
            throw .noUnloadedGeometry(UnloadedGeometryFailure(
                cause: inverted ? .invertedElements : .notConverged,
                detail: "at \(String(format: "%.1f", pressure / kilopascalsPerMillimetreOfMercury)) mmHg: \(failures.last ?? "?")",
                report: report))
        }
        let d = inverse.discretization
        let U = solution.snapshots.last!.state.displacement
        let positions = d.nodes.positions.indices.map { n in d.nodes.positions[n] - Point(U[2 * n], U[2 * n + 1]) }
        if let crossing = try Self.borderCrossing(positions: positions, discretization: d, deadline: deadline) {
            throw .noUnloadedGeometry(UnloadedGeometryFailure(cause: .foldedBorder, detail: crossing, report: solution.report))
        }
        return UnloadedGeometry(
            imagePressureKPa: imagePressureKPa, positions: positions, report: solution.report,
            imageLumenArea: d.lumenArea(positions: d.nodes.positions),
            unloadedLumenArea: d.lumenArea(positions: positions), imageState: solution.snapshots.last!.state)
    }

    /// Unloads the image taken at `imagePressureKPa` (`unloadedGeometry`) and loads the unloaded
    /// geometry along `schedule`, with the image pressure added as an output point ahead of it
    /// (or the schedule's first point made an output when it is the image pressure). Both solves
    /// stop at `deadline` as `unloadedGeometry` does.
    public func solve(imagePressureKPa: Double, schedule: LoadSchedule, inverseSteps: Int = 1, initialGuess: MixedState? = nil,
                      deadline: Deadline = .never) throws(FEMError) -> LoadedImageSolution
    {
        let unloaded = try unloadedGeometry(imagePressureKPa: imagePressureKPa, steps: inverseSteps, initialGuess: initialGuess,
                                            deadline: deadline)
        let forward: WallSolver
        do {
            forward = try WallSolver(mesh: mesh, options: options, linearSolver: nil, referencePositions: unloaded.positions,
                                     deadline: deadline)
        } catch .mesh(let error) {
            throw .noUnloadedGeometry(UnloadedGeometryFailure(
                cause: .invertedElements, detail: "the unloaded mesh is not valid: \(error)", report: unloaded.report))
        }
        var points = schedule.points
        let first = points.first?.time ?? 0
        if let k = points.firstIndex(where: { abs($0.pressureKPa - imagePressureKPa) <= 1e-12 * imagePressureKPa }), k == 0 {
            points[0].isOutput = true
        } else {
            points.insert(LoadSchedule.Point(time: first, pressureKPa: imagePressureKPa, isOutput: true), at: 0)
        }
        // The inverse solve's end state (U, p) is the forward equilibrium at the image pressure: start there.
        let solution = try forward.solve(LoadSchedule(points: points), startingFrom: (unloaded.imageState, imagePressureKPa), deadline: deadline)
        let imageSnapshot = solution.snapshots.first { abs($0.pressureKPa - imagePressureKPa) <= 1e-12 * imagePressureKPa }!
        // Mismatch: loaded positions against the image, a common (volume-weighted) translation removed.
        let f = forward.discretization, u = imageSnapshot.state.displacement
        var shift = Point(0, 0)
        var differences: [Point] = []
        differences.reserveCapacity(f.nodeCount)
        for n in 0..<f.nodeCount {
            let difference = unloaded.positions[n] + Point(u[2 * n], u[2 * n + 1]) - inverse.discretization.nodes.positions[n]
            differences.append(difference)
            shift = shift + (f.nodalVolumes[n] / f.area) * difference
        }
        let mismatch = differences.map { ($0 - shift).length }.max() ?? 0
        return LoadedImageSolution(unloaded: unloaded, solution: solution, imageSnapshot: imageSnapshot, mismatch: mismatch,
                                   forward: forward, image: inverse.discretization)
    }

    /// The first crossing of the border polylines (start - middle - end nodes of every border
    /// segment, lumen and outer together) at `positions`, described, or nil. The pair loop is
    /// quadratic in the border pieces, so `deadline` is checked every `piecesPerCheck` pieces.
    static func borderCrossing(positions: [Point], discretization d: MixedDiscretization, deadline: Deadline = .never) throws(FEMError) -> String? {
        // Pieces of the border: (node, node, which border).
        var pieces: [(Int32, Int32, String)] = []
        for s in d.lumenSegments { pieces += [(s.x, s.z, "lumen"), (s.z, s.y, "lumen")] }
        for s in d.outerSegments { pieces += [(s.x, s.z, "outer"), (s.z, s.y, "outer")] }
        let boxes = pieces.map { piece -> SIMD4<Double> in
            let p = positions[Int(piece.0)], q = positions[Int(piece.1)]
            return SIMD4(min(p.x, q.x), min(p.y, q.y), max(p.x, q.x), max(p.y, q.y))
        }
        for i in pieces.indices {
            if i % Self.piecesPerCheck == 0, deadline.isExpired() {
                throw .timeLimitExceeded(seconds: deadline.seconds ?? 0, pressureKPa: 0, report: SolveReport())
            }
            for j in (i + 1)..<pieces.count {
                let a = pieces[i], b = pieces[j]
                if a.0 == b.0 || a.0 == b.1 || a.1 == b.0 || a.1 == b.1 { continue }
                let bi = boxes[i], bj = boxes[j]
                guard bi[0] <= bj[2], bj[0] <= bi[2], bi[1] <= bj[3], bj[1] <= bi[3] else { continue }
                let segment = [positions[Int(a.0)], positions[Int(a.1)]], other = [positions[Int(b.0)], positions[Int(b.1)]]
                if PolygonGeometry.intersection(segment, other) != nil {
                    let where_ = String(format: "(%.3f, %.3f) mm", positions[Int(a.0)].x, positions[Int(a.0)].y)
                    return a.2 == b.2 ? "the unloaded \(a.2) border crosses itself near \(where_)"
                        : "the unloaded lumen and outer borders cross near \(where_)"
                }
            }
        }
        return nil
    }

    /// Border pieces tested against all later ones between two checks of a deadline.
    static let piecesPerCheck = 64
}

extension MixedDiscretization {
    /// Area enclosed by the lumen border with its nodes at `positions` (mm^2): (1/2) |int x dy - y dx|
    /// over the quadratic border segments (3-point Gauss, exact for quadratic curves).
    func lumenArea(positions: [Point]) -> Double {
        var sum = 0.0
        for s in lumenSegments {
            let x = [positions[Int(s.x)], positions[Int(s.y)], positions[Int(s.z)]]
            for (sq, weight) in ReferenceTriangle.edgeQuadrature {
                let (L, dL) = ReferenceTriangle.edgeShape(sq)
                let p = L[0] * x[0] + L[1] * x[1] + L[2] * x[2]
                let t = dL[0] * x[0] + dL[1] * x[1] + dL[2] * x[2]
                sum += 0.5 * weight * (p.x * t.y - p.y * t.x)
            }
        }
        return abs(sum)
    }
}

extension WallSolver {
    /// Lumen area of the wall deformed by `state` (mm^2); the zero state gives the reference's.
    public func lumenArea(of state: MixedState) -> Double {
        let d = discretization
        let positions = d.nodes.positions.indices.map { n in
            d.nodes.positions[n] + Point(state.displacement[2 * n], state.displacement[2 * n + 1])
        }
        return d.lumenArea(positions: positions)
    }
}
