/// One Newton iteration: residual norms at the start of the iteration and the norms of the
/// increment it computed, absolute and normalised by the first iteration of the load step.
public struct NewtonIteration: Sendable, Codable, Equatable {
    /// Iteration number within the load step, from 0.
    public var iteration: Int
    /// |R_u| over free displacement dofs (N/m per unit depth, = kPa mm).
    public var displacementResidual: Double
    /// |R_p| over pressure dofs (mm^2, the discrete volume-change error).
    public var pressureResidual: Double
    /// |R_u| / |R_u| of iteration 0.
    public var relativeDisplacementResidual: Double
    /// |R_p| / |R_p| of iteration 0 (1 when that was zero).
    public var relativePressureResidual: Double
    /// |du| of the increment solved in this iteration (mm); nil once converged.
    public var displacementIncrement: Double?
    /// |dp| of the increment (kPa); nil once converged.
    public var pressureIncrement: Double?
    /// Whether the increment was solved with the step's earlier factors (a chord step) instead of new ones.
    public var reusedFactorization = false
}

/// The Newton history of one load step.
public struct LoadStepReport: Sendable, Codable, Equatable {
    /// Cycle time of the step (s).
    public var time: Double
    /// Lumen pressure of the step (kPa).
    public var pressureKPa: Double
    /// Whether the step converged.
    public var converged: Bool
    /// Iterations, the last one being the converged state when `converged`.
    public var iterations: [NewtonIteration]
    /// Why the step failed (nil when it converged).
    public var failure: String?

    /// Number of linear solves in this step.
    public var linearSolves: Int { iterations.filter { $0.displacementIncrement != nil }.count }
    /// Number of factorizations in this step (linear solves that did not reuse factors).
    public var factorizations: Int { iterations.filter { $0.displacementIncrement != nil && !$0.reusedFactorization }.count }
}

/// Everything a solve reports besides the fields: Newton history, solver choice, reactions, timings.
public struct SolveReport: Sendable, Codable, Equatable {
    /// Attempted load steps in order, failed attempts included.
    public var steps: [LoadStepReport] = []
    /// How many times a load step was halved after a failure.
    public var cutbacks: Int = 0
    /// The sparse factorization used and why.
    public var linearSolver: String = ""
    /// Total unknowns before constraints (2 per P2 node + 1 per vertex).
    public var degreesOfFreedom: Int = 0
    /// Unknowns of the reduced system.
    public var equations: Int = 0
    /// Nonzeros of the reduced matrix.
    public var matrixNonzeros: Int = 0
    /// Reaction forces at the three rigid-body constraints after the last step (kPa mm per unit depth).
    public var reactions: [Double] = []
    /// max |K_ij - K_ji| / max |K_ij| of the last assembled matrix: round-off if the system is symmetric.
    public var tangentAsymmetry: Double = 0
    /// Seconds spent assembling residuals and tangents.
    public var assemblySeconds: Double = 0
    /// Seconds in numeric factorizations (and a fallback's symbolic analysis).
    public var factorizationSeconds: Double = 0
    /// Seconds in triangular solves.
    public var solveSeconds: Double = 0
    /// Wall-clock seconds of the whole solve.
    public var totalSeconds: Double = 0

    /// Newton iterations (linear solves) of each converged step.
    public var iterationsPerStep: [Int] { steps.filter(\.converged).map(\.linearSolves) }
    /// Largest reaction magnitude.
    public var maximumReaction: Double { reactions.map(abs).max() ?? 0 }
}
