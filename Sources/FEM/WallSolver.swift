import Foundation
import Meshing
import Sparse

/// A fault the solver injects into its own Newton iterations, for tests of failure handling: the
/// tangent of a factorizing iteration replaced by zeros (singular) or given a NaN, or a NaN put
/// into a Newton increment. Iterations are counted over the whole solve, from 0, including those
/// of steps that are later cut back.
public struct InjectedFault: Sendable, Codable, Equatable {
    /// What goes wrong.
    public enum Kind: String, Sendable, Codable {
        /// Every tangent value 0 (a singular system).
        case singularTangent
        /// The first tangent value NaN.
        case nonFiniteTangent
        /// The first entry of the Newton increment NaN (a solution gone bad).
        case nonFiniteIncrement
    }

    /// What goes wrong.
    public var kind: Kind
    /// The first solve-wide Newton iteration affected.
    public var firstIteration: Int
    /// How many iterations in a row are affected (Int.max: all from `firstIteration` on).
    public var count: Int

    /// A fault of `kind` at iterations firstIteration ..< firstIteration + count.
    public init(_ kind: Kind, firstIteration: Int = 0, count: Int = Int.max) {
        self.kind = kind
        self.firstIteration = firstIteration
        self.count = count
    }

    /// Whether solve-wide iteration `iteration` is affected.
    func affects(_ iteration: Int) -> Bool { iteration >= firstIteration && iteration - firstIteration < count }
}

/// Options of the finite-element solve. Codable so that they can be stored next to results.
public struct SolverOptions: Sendable, Codable, Equatable {
    /// Wall material (default: vessel wall, c1 = 36.8 kPa, D1 = 14.4 kPa, D2 = 2); the material of
    /// region 0 (fibrous wall tissue) of a mesh with components.
    public var material: MooneyRivlinMaterial = .vesselWall
    /// Material of the lipid / necrotic-core region (region 1) of a mesh with components (default
    /// `MooneyRivlinMaterial.lipid`); unused by one-material meshes.
    public var lipidMaterial: MooneyRivlinMaterial = .lipid
    /// Material of the calcium region (region 2) of a mesh with components (default
    /// `MooneyRivlinMaterial.calcium`); unused by one-material meshes.
    public var calciumMaterial: MooneyRivlinMaterial = .calcium

    /// The material table indexed by region (`TissueComponent` raw value): wall, lipid, calcium.
    public var materials: [MooneyRivlinMaterial] { [material, lipidMaterial, calciumMaterial] }

    /// The material of `component`.
    public func material(of component: TissueComponent) -> MooneyRivlinMaterial {
        materials[Int(component.rawValue)]
    }

    /// Sets the material of `component`.
    public mutating func setMaterial(_ m: MooneyRivlinMaterial, of component: TissueComponent) {
        switch component {
        case .wall: material = m
        case .lipid: lipidMaterial = m
        case .calcium: calciumMaterial = m
        }
    }
    /// Newton stops when |R_u| <= tol * p_l * L_lumen and |R_p| <= tol * A_wall (default 1e-10).
    public var residualTolerance: Double = 1e-10
    /// Newton iterations per load step before the step counts as failed (default 25).
    public var maximumIterations: Int = 25
    /// Load-step halvings allowed over the whole solve before giving up (default 8).
    public var maximumCutbacks: Int = 8
    /// Start each step from the linear extrapolation of the last two converged states (default true).
    public var extrapolatesPredictor: Bool = true
    /// Measure the symmetry of the last tangent and report it (default false; costs a pass over the matrix).
    public var checksSymmetry: Bool = false
    /// Below this residual, relative to the first of its load step, an iteration reuses the step's last
    /// factors instead of factorizing anew (a chord step: triangular solves only). Near the solution the
    /// old tangent is off by O(|du|), so a chord step still cuts the residual by orders of magnitude;
    /// one that does not (less than 10x) makes the next iteration factorize again. 0 (default) is pure
    /// Newton, whose quadratic convergence the report then shows; labeling uses 1e-3.
    public var factorizationReuseThreshold: Double = 0
    /// A fault injected on purpose, to test how failures are handled (nil, the default, in normal
    /// use; absent from stored options then).
    public var injectedFault: InjectedFault?
    /// Stiffness k of an elastic support on the outer border (kPa/mm): a spring foundation for the
    /// perivascular tissue, traction -k u per unit reference length (Moireau et al. 2012, "External
    /// tissue support and fluid-structure simulation in blood flows", Biomech Model Mechanobiol
    /// 11: 1-18). 0 (default): the outer border is traction free and three dofs hold the rigid-body
    /// motion; with k > 0 the springs hold it and no dof is constrained.
    public var outerSupportStiffness: Double = 0
    /// Whether each snapshot carries the area-averaged nodal stress (default true; the labeler, which
    /// samples the stress in the elements, turns it off). Not stored with the options.
    public var recordsNodalStress = true
    /// Seconds one `solve` may take (wall clock), checked inside the Newton iterations (before each,
    /// every few hundred elements of an assembly, before and after a factorization); past it the
    /// solve throws `FEMError.timeLimitExceeded`. nil (the default) is no limit. A run-time guard,
    /// not part of what decides a label: absent from stored options (files written with or without
    /// it read the same).
    public var timeLimit: Double?

    /// The defaults.
    public init() {}

    /// Checks ranges: tolerance in (0, 1e-3], at least one iteration, cutbacks >= 0, a valid material.
    public func validate() throws(FEMError) {
        try material.validate()
        try lipidMaterial.validate()
        try calciumMaterial.validate()
        guard residualTolerance > 0, residualTolerance <= 1e-3 else {
            throw .invalidParameter("residual tolerance must be in (0, 1e-3], got \(residualTolerance)")
        }
        guard maximumIterations >= 1 else { throw .invalidParameter("need at least one Newton iteration") }
        guard maximumCutbacks >= 0 else { throw .invalidParameter("cutbacks must be >= 0") }
        guard factorizationReuseThreshold >= 0, factorizationReuseThreshold < 1 else {
            throw .invalidParameter("factorization reuse threshold must be in [0, 1), got \(factorizationReuseThreshold)")
        }
        guard outerSupportStiffness >= 0, outerSupportStiffness.isFinite else {
            throw .invalidParameter("outer support stiffness must be finite and >= 0 kPa/mm, got \(outerSupportStiffness)")
        }
        if let timeLimit, !(timeLimit >= 0) { throw .invalidParameter("time limit must be >= 0 s, got \(timeLimit)") }
    }
}

extension SolverOptions {
    private enum CodingKeys: String, CodingKey {
        case material, residualTolerance, maximumIterations, maximumCutbacks, extrapolatesPredictor, checksSymmetry
        case factorizationReuseThreshold, outerSupportStiffness, lipidMaterial, calciumMaterial
    }

    /// Encodes the options; the support only when there is one, so files of traction-free walls
    /// keep their earlier form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(material, forKey: .material)
        try c.encode(residualTolerance, forKey: .residualTolerance)
        try c.encode(maximumIterations, forKey: .maximumIterations)
        try c.encode(maximumCutbacks, forKey: .maximumCutbacks)
        try c.encode(extrapolatesPredictor, forKey: .extrapolatesPredictor)
        try c.encode(checksSymmetry, forKey: .checksSymmetry)
        try c.encode(factorizationReuseThreshold, forKey: .factorizationReuseThreshold)
        if outerSupportStiffness != 0 { try c.encode(outerSupportStiffness, forKey: .outerSupportStiffness) }
        if lipidMaterial != .lipid { try c.encode(lipidMaterial, forKey: .lipidMaterial) }
        if calciumMaterial != .calcium { try c.encode(calciumMaterial, forKey: .calciumMaterial) }
    }

    /// Decodes options; `factorizationReuseThreshold`, absent from files labeled before chord steps
    /// existed, reads as 0 (pure Newton, what those files were labeled with), and a missing
    /// `outerSupportStiffness` as 0 (traction free).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        material = try c.decode(MooneyRivlinMaterial.self, forKey: .material)
        residualTolerance = try c.decode(Double.self, forKey: .residualTolerance)
        maximumIterations = try c.decode(Int.self, forKey: .maximumIterations)
        maximumCutbacks = try c.decode(Int.self, forKey: .maximumCutbacks)
        extrapolatesPredictor = try c.decode(Bool.self, forKey: .extrapolatesPredictor)
        checksSymmetry = try c.decode(Bool.self, forKey: .checksSymmetry)
        factorizationReuseThreshold = try c.decodeIfPresent(Double.self, forKey: .factorizationReuseThreshold) ?? 0
        outerSupportStiffness = try c.decodeIfPresent(Double.self, forKey: .outerSupportStiffness) ?? 0
        lipidMaterial = try c.decodeIfPresent(MooneyRivlinMaterial.self, forKey: .lipidMaterial) ?? .lipid
        calciumMaterial = try c.decodeIfPresent(MooneyRivlinMaterial.self, forKey: .calciumMaterial) ?? .calcium
    }
}

/// The result of a solve: the state and stresses at every output point of the schedule.
public struct WallSolution: Sendable {
    /// Equilibrium at one output time.
    public struct Snapshot: Sendable {
        /// Cycle time (s).
        public var time: Double
        /// Lumen pressure (kPa).
        public var pressureKPa: Double
        /// Displacements (mean translation removed) and pressures.
        public var state: MixedState
        /// Area-averaged Cauchy stress at every P2 node (kPa).
        public var nodalStress: [CauchyStress]
    }

    /// Snapshots in time order; the one with the highest pressure is the systolic state.
    public var snapshots: [Snapshot]
    /// Newton history, solver choice, reactions and timings.
    public var report: SolveReport
    /// The P2 nodes the fields live on.
    public var nodes: QuadraticNodes

    /// The snapshot at peak pressure (systole).
    public var systole: Snapshot { snapshots.max { $0.pressureKPa < $1.pressureKPa }! }

    /// Deformed node positions of a snapshot, x = X + u (mm).
    public func deformedPositions(_ snapshot: Snapshot) -> [Point] {
        nodes.positions.enumerated().map { n, X in
            X + Point(snapshot.state.displacement[2 * n], snapshot.state.displacement[2 * n + 1])
        }
    }
}

/// Plane-strain, incompressible, hyperelastic solver for a vessel wall under a follower lumen pressure.
///
/// Taylor-Hood P2/P1 mixed elements; Newton's method per load step with a consistent tangent
/// (follower term included), linear extrapolation as predictor and automatic halving of a step
/// that fails. The tangent is symmetric indefinite: each Newton system is factorized as L D L^T,
/// by CHOLMOD without pivoting for small or cheap systems and by MUMPS with threshold pivoting for
/// large ones,
/// each solution checked by its backward error, with UMFPACK LU as the fallback (`TangentSolver`);
/// symbolic analysis once per mesh.
/// Not thread-safe: use one solver per thread.
public final class WallSolver {
    /// The mesh in the reference (image) configuration.
    public let mesh: TriangleMesh
    /// Solver options.
    public let options: SolverOptions
    let discretization: MixedDiscretization
    let factorization: TangentSolver
    /// Which equations Newton solves.
    let formulation: Formulation

    /// The equations of a solver.
    enum Formulation {
        /// The mesh is the unloaded reference; the unknown is the displacement to the loaded state.
        case forward
        /// The mesh is the loaded state; the unknown is U = x - X, the displacement from the
        /// unloaded geometry X (`assembleInverse`).
        case inverse
    }

    /// Sets up dofs, geometry, sparsity and the symbolic factorization for `mesh`; throws
    /// `FEMError.timeLimitExceeded` when `deadline` has passed before the symbolic factorization
    /// (which, inside SuiteSparse or MUMPS, cannot be interrupted).
    public convenience init(mesh: TriangleMesh, options: SolverOptions = SolverOptions(), deadline: Deadline = .never) throws(FEMError) {
        try self.init(mesh: mesh, options: options, linearSolver: nil, deadline: deadline)
    }

    /// `linearSolver` forces L D L^T or LU (tests); nil chooses by size (always LU for the inverse
    /// problem, whose tangent is not symmetric). `referencePositions` puts the P2 nodes of a forward
    /// solver's reference elsewhere than `mesh` does (an unloaded geometry).
    init(mesh: TriangleMesh, options: SolverOptions, linearSolver: TangentSolver.Method?, formulation: Formulation = .forward,
         referencePositions: [Point]? = nil, deadline: Deadline = .never) throws(FEMError) {
        try options.validate()
        self.mesh = mesh
        self.options = options
        self.formulation = formulation
        discretization = try MixedDiscretization(
            mesh: mesh, positions: referencePositions, constrainsRigidBodyMotion: options.outerSupportStiffness == 0)
        _ = try discretization.elementMaterials(options.materials)
        if deadline.isExpired() { throw .timeLimitExceeded(seconds: deadline.seconds ?? 0, pressureKPa: 0, report: SolveReport()) }
        do {
            factorization = try TangentSolver(pattern: discretization.pattern, preferredMethod: formulation == .inverse ? .lu : linearSolver)
        } catch {
            throw .linearSolver(error)
        }
    }

    /// Total degrees of freedom, 2 per P2 node plus 1 per vertex (and 1 more per further region at a
    /// vertex on a component border).
    public var degreesOfFreedom: Int { discretization.dofCount }
    /// The P2 node set of the displacement field.
    public var nodes: QuadraticNodes { discretization.nodes }

    /// Solves for equilibrium at every point of `schedule`, starting from the unloaded reference.
    ///
    /// Stops with `FEMError.timeLimitExceeded` at the earlier of `deadline` and
    /// `SolverOptions.timeLimit`, checked inside the Newton iterations (a factorization, inside
    /// SuiteSparse or MUMPS, runs to its end first).
    public func solve(_ schedule: LoadSchedule, deadline: Deadline = .never) throws(FEMError) -> WallSolution {
        try solve(schedule, startingFrom: nil, deadline: deadline)
    }

    /// Solves `schedule` starting from a known equilibrium `initial` at lumen pressure `initial.load`
    /// (kPa) instead of the unloaded reference (nil): the state an unloaded geometry's inverse
    /// solve ends in is the forward equilibrium at the image pressure.
    func solve(_ schedule: LoadSchedule, startingFrom initial: (state: MixedState, load: Double)?, deadline given: Deadline = .never)
        throws(FEMError) -> WallSolution {
        let start = ContinuousClock.now
        let deadline = Deadline(seconds: options.timeLimit, after: start).earlier(given)
        let d = discretization
        var report = SolveReport()
        var solveIteration = 0
        report.degreesOfFreedom = d.dofCount
        report.equations = d.equationCount
        report.matrixNonzeros = d.pattern.nonzeroCount
        guard !schedule.points.isEmpty else { throw .invalidParameter("empty load schedule") }
        for point in schedule.points where !(point.pressureKPa.isFinite && point.pressureKPa >= 0) {
            throw .invalidParameter("lumen pressure must be finite and >= 0, got \(point.pressureKPa) kPa")
        }

        // The image is stress free: sigma = 2 W'(3) I - p I = 0 at F = I needs p = 2 W'(3).
        // (2 W'(3) of each pressure node's own material).
        var current = MixedState(nodeCount: d.nodeCount, vertexCount: d.pressureNodeCount)
        current.pressure = d.stressFreePressures(options.materials)
        var currentLoad = 0.0, currentTime = schedule.points[0].time
        if let initial {
            current = initial.state
            currentLoad = initial.load
        }
        var previous: (state: MixedState, load: Double)?
        var snapshots: [WallSolution.Snapshot] = []
        var pending = Array(schedule.points.reversed())
        var residual = [Double](repeating: 0, count: d.dofCount)
        var values = [Double](repeating: 0, count: d.pattern.nonzeroCount)

        while let target = pending.popLast() {
            var state = current
            if options.extrapolatesPredictor, let previous, currentLoad != previous.load {
                let s = (target.pressureKPa - currentLoad) / (currentLoad - previous.load)
                for k in state.displacement.indices {
                    state.displacement[k] += s * (current.displacement[k] - previous.state.displacement[k])
                }
                for k in state.pressure.indices { state.pressure[k] += s * (current.pressure[k] - previous.state.pressure[k]) }
            }
            var step = LoadStepReport(time: target.time, pressureKPa: target.pressureKPa, converged: false, iterations: [])
            let timedOut = newton(state: &state, load: target.pressureKPa, step: &step, report: &report, residual: &residual,
                                  values: &values, solveIteration: &solveIteration, deadline: deadline)
            report.steps.append(step)
            if timedOut {
                report.totalSeconds = (ContinuousClock.now - start).seconds
                report.linearSolver = factorization.description
                throw .timeLimitExceeded(seconds: deadline.seconds ?? 0, pressureKPa: target.pressureKPa, report: report)
            }
            if step.converged {
                previous = (current, currentLoad)
                current = state
                currentLoad = target.pressureKPa
                currentTime = target.time
                report.reactions = d.constrainedDofs.map { residual[$0] }
                if target.isOutput {
                    snapshots.append(snapshot(of: current, time: target.time, load: target.pressureKPa))
                }
            } else {
                // Halving a step that starts at its own load (a solve started from a guess) changes nothing.
                guard report.cutbacks < options.maximumCutbacks, currentLoad != target.pressureKPa else {
                    report.totalSeconds = (ContinuousClock.now - start).seconds
                    report.linearSolver = factorization.description
                    throw .notConverged(pressureKPa: target.pressureKPa, report: report)
                }
                report.cutbacks += 1
                pending.append(target)
                pending.append(LoadSchedule.Point(
                    time: 0.5 * (currentTime + target.time), pressureKPa: 0.5 * (currentLoad + target.pressureKPa), isOutput: false))
            }
        }
        report.linearSolver = factorization.description
        if options.checksSymmetry { report.tangentAsymmetry = asymmetry(of: values) }
        report.totalSeconds = (ContinuousClock.now - start).seconds
        return WallSolution(snapshots: snapshots, report: report, nodes: d.nodes)
    }

    /// Newton's method for one load step; on return `step.converged` tells whether `state` is in
    /// equilibrium. Returns true when it stopped because `deadline` passed (`step.failure` says where).
    private func newton(
        state: inout MixedState, load: Double, step: inout LoadStepReport, report: inout SolveReport,
        residual: inout [Double], values: inout [Double], solveIteration: inout Int, deadline: Deadline
    ) -> Bool {
        let d = discretization
        let forceScale = max(load, 1) * d.lumenLength
        let volumeScale = d.area
        let pressureOffset = 2 * d.nodeCount
        var rhs = [Double](repeating: 0, count: d.equationCount)
        var increment = [Double](repeating: 0, count: d.equationCount)
        var first: (u: Double, p: Double) = (1, 1)
        let reuseBelow = options.factorizationReuseThreshold
        // Chord bookkeeping: whether this step has factors, the last relative residual and whether it was a chord step.
        var factorizedThisStep = false
        var last: (relative: Double, residual: Double, chord: Bool) = (.infinity, .infinity, false)
        // The observed constant C of r_k+1 = C r_k^2 over the last Newton (not chord) step, when there was one.
        var newtonConstant = 1.0
        for iteration in 0...options.maximumIterations {
            if deadline.isExpired() {
                step.failure = "time limit reached before iteration \(iteration)"
                return true
            }
            // The matrix is only needed by an iteration that factorizes: skip it when this one will
            // probably be a chord step (after a Newton step from rho, expect about C rho^2, C as the
            // step before showed it, 1 before there is one). A wrong guess costs one more residual.
            let predicted = last.chord ? last.relative : newtonConstant * last.relative * last.relative
            let assemblesMatrix = !(factorizedThisStep && predicted <= reuseBelow)
            let t0 = ContinuousClock.now
            do {
                try assemble(state: state, load: load, residual: &residual, values: &values, matrix: assemblesMatrix, deadline: deadline)
            } catch .timeLimitExceeded {
                step.failure = "time limit reached during the assembly of iteration \(iteration)"
                return true
            } catch {
                step.failure = "\(error)"
                return false
            }
            report.assemblySeconds += (ContinuousClock.now - t0).seconds
            var ru = 0.0, rp = 0.0
            for dof in 0..<d.dofCount where d.equation[dof] >= 0 {
                let r = residual[dof]
                if dof < pressureOffset { ru += r * r } else { rp += r * r }
                rhs[Int(d.equation[dof])] = -r
            }
            ru = ru.squareRoot()
            rp = rp.squareRoot()
            if iteration == 0 { first = (ru > 0 ? ru : 1, rp > 0 ? rp : 1) }
            step.iterations.append(NewtonIteration(
                iteration: iteration, displacementResidual: ru, pressureResidual: rp,
                relativeDisplacementResidual: ru / first.u, relativePressureResidual: rp / first.p))
            guard ru.isFinite, rp.isFinite else {
                step.failure = "residual is not finite at iteration \(iteration)"
                return false
            }
            if ru <= options.residualTolerance * forceScale, rp <= options.residualTolerance * volumeScale {
                step.converged = true
                return false
            }
            if iteration == options.maximumIterations {
                step.failure = "no convergence in \(options.maximumIterations) iterations (|R_u| / |R_u,0| = \(ru / first.u))"
                return false
            }
            let relative = max(ru / first.u, rp / first.p)
            if !last.chord, last.relative.isFinite, last.relative > 0 { newtonConstant = max(relative / (last.relative * last.relative), 1e-6) }
            let chord = factorizedThisStep && relative <= reuseBelow && (!last.chord || ru <= 0.1 * last.residual)
            let fault = options.injectedFault.flatMap { $0.affects(solveIteration) ? $0.kind : nil }
            solveIteration += 1
            do {
                if !chord {
                    if !assemblesMatrix {
                        let t = ContinuousClock.now
                        try assemble(state: state, load: load, residual: &residual, values: &values, matrix: true, deadline: deadline)
                        report.assemblySeconds += (ContinuousClock.now - t).seconds
                    }
                    // The factorization (SuiteSparse or MUMPS) cannot be interrupted: check right
                    // before it, and right after, so that it is the only span a deadline cannot end.
                    if deadline.isExpired() {
                        step.failure = "time limit reached before the factorization of iteration \(iteration)"
                        return true
                    }
                    let t1 = ContinuousClock.now
                    if fault == .singularTangent { for k in values.indices { values[k] = 0 } }
                    if fault == .nonFiniteTangent, !values.isEmpty { values[0] = .nan }
                    try factorization.factorize(values)
                    report.factorizationSeconds += (ContinuousClock.now - t1).seconds
                    factorizedThisStep = true
                    if deadline.isExpired() {
                        step.failure = "time limit reached after the factorization of iteration \(iteration)"
                        return true
                    }
                }
                let t2 = ContinuousClock.now
                try factorization.solve(rhs, into: &increment)
                report.solveSeconds += (ContinuousClock.now - t2).seconds
                if fault == .nonFiniteIncrement, !increment.isEmpty { increment[0] = .nan }
            } catch FEMError.timeLimitExceeded {
                step.failure = "time limit reached during the assembly of iteration \(iteration)"
                return true
            } catch let error as FEMError {
                step.failure = "\(error)"
                return false
            } catch {
                step.failure = "linear solve failed: \(error)"
                return false
            }
            step.iterations[iteration].reusedFactorization = chord
            last = (relative, ru, chord)
            var du = 0.0, dp = 0.0
            for dof in 0..<d.dofCount where d.equation[dof] >= 0 {
                let delta = increment[Int(d.equation[dof])]
                if dof < pressureOffset {
                    state.displacement[dof] += delta
                    du += delta * delta
                } else {
                    state.pressure[dof - pressureOffset] += delta
                    dp += delta * delta
                }
            }
            step.iterations[iteration].displacementIncrement = du.squareRoot()
            step.iterations[iteration].pressureIncrement = dp.squareRoot()
        }
        return false
    }

    /// Assembles the residual, and the tangent into `values` when `matrix` is true; throws
    /// `FEMError.timeLimitExceeded` once `deadline` has passed.
    private func assemble(
        state: MixedState, load: Double, residual: inout [Double], values: inout [Double], matrix: Bool, deadline: Deadline
    ) throws(FEMError) {
        let d = discretization
        let k = options.outerSupportStiffness
        try values.withUnsafeMutableBufferPointer { buffer throws(FEMError) in
            let pointer = matrix ? buffer.baseAddress : nil
            switch formulation {
            case .forward:
                try d.assemble(state: state, materials: options.materials, lumenPressure: load, support: k, residual: &residual, values: pointer,
                               deadline: deadline)
            case .inverse:
                try d.assembleInverse(state: state, materials: options.materials, lumenPressure: load, support: k, residual: &residual,
                                      values: pointer, deadline: deadline)
            }
        }
    }

    /// A snapshot of `state` with the mean translation (int u dV / A) removed and nodal stresses recovered.
    private func snapshot(of state: MixedState, time: Double, load: Double) -> WallSolution.Snapshot {
        let d = discretization
        // U = x - X of the inverse problem is kept as it is: X = x - U is the unloaded geometry.
        guard formulation == .forward else { return WallSolution.Snapshot(time: time, pressureKPa: load, state: state, nodalStress: []) }
        // On an elastic support the springs fix where the wall is: nothing to remove.
        let nodalStress = options.recordsNodalStress ? d.nodalStress(state: state, materials: options.materials) : []
        guard options.outerSupportStiffness == 0 else {
            return WallSolution.Snapshot(time: time, pressureKPa: load, state: state, nodalStress: nodalStress)
        }
        var shifted = state
        var mean = (x: 0.0, y: 0.0)
        for n in 0..<d.nodeCount {
            mean.x += d.nodalVolumes[n] * state.displacement[2 * n]
            mean.y += d.nodalVolumes[n] * state.displacement[2 * n + 1]
        }
        for n in 0..<d.nodeCount {
            shifted.displacement[2 * n] -= mean.x / d.area
            shifted.displacement[2 * n + 1] -= mean.y / d.area
        }
        return WallSolution.Snapshot(
            time: time, pressureKPa: load, state: shifted,
            nodalStress: nodalStress)
    }

    /// max |K_ij - K_ji| / max |K_ij| over the pattern.
    private func asymmetry(of values: [Double]) -> Double {
        let pattern = discretization.pattern
        var worst = 0.0, largest = 0.0
        for column in 0..<pattern.dimension {
            for k in Int(pattern.columnStarts[column])..<Int(pattern.columnStarts[column + 1]) {
                let row = Int(pattern.rowIndices[k])
                largest = max(largest, abs(values[k]))
                if let transposed = pattern.position(row: column, column: row) {
                    worst = max(worst, abs(values[k] - values[transposed]))
                } else {
                    worst = max(worst, abs(values[k]))
                }
            }
        }
        return largest > 0 ? worst / largest : 0
    }

    /// Cauchy stress at every quadrature point of `state` (6 per element, element-major), kPa.
    public func quadraturePointStress(of state: MixedState) -> [CauchyStress] {
        discretization.quadratureStress(state: state, materials: options.materials)
    }

    /// Area-averaged nodal Cauchy stress of `state` at every P2 node, kPa.
    public func nodalStress(of state: MixedState) -> [CauchyStress] {
        discretization.nodalStress(state: state, materials: options.materials)
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}

extension WallSolver {
    /// Where a stress value was sampled.
    public enum SampleLocation: Sendable, Equatable {
        /// Inside the mesh, at the given point.
        case inside
        /// Outside the mesh: the value of the nearest border point, this far away (mm).
        case nearestBorder(distance: Double)
    }

    /// Cauchy stress of `state` at reference points (mm): the finite-element field at the material
    /// point that sits at each point in the image; points outside the mesh (pixel centres just
    /// outside the smoothed border) take the value at the nearest border point.
    public func stress(of state: MixedState, at points: [Point]) -> [(stress: CauchyStress, location: SampleLocation)] {
        // Without a deadline the sampling cannot throw.
        (try? stress(of: state, at: points, locatedIn: discretization, deadline: .never)) ?? []
    }

    /// `stress(of:at:)` that checks `deadline` every `pointsPerCheck` points and throws
    /// `FEMError.timeLimitExceeded` (pressure 0, an empty report) once it has passed: a fine
    /// image has hundreds of thousands of wall pixels.
    public func stress(of state: MixedState, at points: [Point], deadline: Deadline) throws(FEMError)
        -> [(stress: CauchyStress, location: SampleLocation)] {
        try stress(of: state, at: points, locatedIn: discretization, deadline: deadline)
    }

    /// Points located and sampled between two checks of a deadline (each takes microseconds).
    static let pointsPerCheck = 1024

    /// The stress of `state` at the material points that sit at `points` in `placement`, a
    /// discretization of the same mesh with its nodes elsewhere (the image of an unloaded geometry):
    /// points are located there and the stress evaluated here at the same element and (xi, eta).
    func stress(of state: MixedState, at points: [Point], locatedIn placement: MixedDiscretization, deadline: Deadline)
        throws(FEMError) -> [(stress: CauchyStress, location: SampleLocation)]
    {
        guard !points.isEmpty else { return [] }
        let locator = PointLocator(discretization: placement)
        var samples: [(stress: CauchyStress, location: SampleLocation)] = []
        samples.reserveCapacity(points.count)
        for (k, x) in points.enumerated() {
            if k % Self.pointsPerCheck == 0, deadline.isExpired() {
                throw .timeLimitExceeded(seconds: deadline.seconds ?? 0, pressureKPa: 0, report: SolveReport())
            }
            if let (e, xi, eta) = locator.locate(x) {
                samples.append((discretization.cauchyStress(element: e, xi: xi, eta: eta, state: state, materials: options.materials), .inside))
                continue
            }
            let nearest = locator.nearestBorderPoint(to: x)
            let sigma = discretization.cauchyStress(element: nearest.element, xi: nearest.xi, eta: nearest.eta, state: state,
                                                    materials: options.materials)
            samples.append((sigma, .nearestBorder(distance: nearest.distance)))
        }
        return samples
    }
}

extension WallSolver {
    /// Region (material index: 0 wall, 1 lipid, 2 calcium) of the element holding each point (mm)
    /// of the reference mesh; points outside the mesh take the element of the nearest border point,
    /// as `stress(of:at:)` does, so each pixel's class matches the material its stress was taken in.
    public func regions(at points: [Point]) -> [Int32] {
        // Without a deadline the lookup cannot throw.
        (try? Self.regions(at: points, locatedIn: discretization, deadline: .never)) ?? []
    }

    /// `regions(at:)` that checks `deadline` as `stress(of:at:deadline:)` does.
    public func regions(at points: [Point], deadline: Deadline) throws(FEMError) -> [Int32] {
        try Self.regions(at: points, locatedIn: discretization, deadline: deadline)
    }

    static func regions(at points: [Point], locatedIn placement: MixedDiscretization, deadline: Deadline) throws(FEMError) -> [Int32] {
        guard placement.regionCount > 1 else { return [Int32](repeating: 0, count: points.count) }
        let locator = PointLocator(discretization: placement)
        var regions: [Int32] = []
        regions.reserveCapacity(points.count)
        for (k, x) in points.enumerated() {
            if k % pointsPerCheck == 0, deadline.isExpired() {
                throw .timeLimitExceeded(seconds: deadline.seconds ?? 0, pressureKPa: 0, report: SolveReport())
            }
            if let (e, _, _) = locator.locate(x) {
                regions.append(placement.elementRegion[e])
            } else {
                regions.append(placement.elementRegion[locator.nearestBorderPoint(to: x).element])
            }
        }
        return regions
    }
}
