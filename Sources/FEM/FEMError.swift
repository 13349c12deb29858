import Foundation
import Meshing
import Sparse

/// Why a finite-element solve could not produce a result.
public enum FEMError: Error, Sendable, CustomStringConvertible {
    /// A parameter is outside its valid range.
    case invalidParameter(String)
    /// The mesh cannot be used (see the underlying mesh error).
    case mesh(MeshError)
    /// The linear solver failed (see the underlying sparse error).
    case linearSolver(SparseError)
    /// An element was inverted (J <= 0 at a quadrature point).
    case invertedElement(index: Int, jacobian: Double)
    /// Newton's method did not converge even after cutting the load step back; the report of every
    /// attempted step is attached.
    case notConverged(pressureKPa: Double, report: SolveReport)
    /// A waveform that cannot drive a load schedule.
    case invalidWaveform(String)
    /// The image taken as a loaded state has no unloaded geometry (see the failure's cause and history).
    case noUnloadedGeometry(UnloadedGeometryFailure)
    /// The solve ran past `SolverOptions.timeLimit` (checked before each Newton iteration); the
    /// report of the steps so far is attached.
    case timeLimitExceeded(seconds: Double, pressureKPa: Double, report: SolveReport)

    public var description: String {
        switch self {
        case .invalidParameter(let why): "invalid parameter: \(why)"
        case .mesh(let error): "mesh error: \(error)"
        case .linearSolver(let error): "linear solver error: \(error)"
        case .invertedElement(let index, let J): "element \(index) inverted (J = \(J))"
        case .notConverged(let p, let report):
            "Newton did not converge at lumen pressure \(String(format: "%.3f", p)) kPa after \(report.cutbacks) cutbacks; last step: "
                + (report.steps.last.map { $0.failure ?? "?" } ?? "no step")
        case .invalidWaveform(let why): "invalid waveform: \(why)"
        case .noUnloadedGeometry(let failure): "\(failure)"
        case .timeLimitExceeded(let seconds, let p, let report):
            "time limit of \(seconds) s reached at lumen pressure \(String(format: "%.3f", p)) kPa after \(report.steps.count) load steps"
        }
    }
}
