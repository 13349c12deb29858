import FEM
import Foundation
import Meshing

/// Why a stiffness calibration found no factor.
public enum CalibrationError: Error, Sendable, CustomStringConvertible {
    /// The target is not a lumen-area increase: a lumen pressure that rises from the image (or zero)
    /// to systole widens the lumen, so it cannot produce a change <= 0 (e.g. a systolic contour
    /// smaller than the diastolic one: compression from outside, not lumen pressure).
    case targetNotAnIncrease(Double)
    /// No calibration frame could be solved at any stiffness tried.
    case noFrameSolved(String)
    /// The iteration did not reach the target; the history of (factor, mean area change) pairs.
    case notConverged(target: Double, history: [Evaluation])
    /// A frame to calibrate on its own has no target (no systolic contour paired with it).
    case noTarget(String)
    /// The calibration ran past its deadline (`seconds`: the limit, 0 when the deadline had none).
    case timeLimitExceeded(seconds: Double)

    public var description: String {
        switch self {
        case .targetNotAnIncrease(let target):
            String(format: "lumen pressure only widens the lumen: a lumen-area change of %+.2f %% cannot be produced, not calibrated", 100 * target)
        case .noFrameSolved(let why): "no calibration frame could be solved: \(why)"
        case .noTarget(let why): "no calibration target: \(why)"
        case .timeLimitExceeded(let seconds): "time limit of \(seconds) s reached while calibrating"
        case .notConverged(let target, let history):
            String(format: "no stiffness factor reached a lumen-area change of %.3f %% in %d evaluations (last: ", 100 * target, history.count)
                + history.suffix(3).map { String(format: "x%.4g -> %.3f %%", $0.scale, 100 * $0.meanAreaChange) }.joined(separator: ", ") + ")"
        }
    }
}

/// One trial of a calibration.
public struct Evaluation: Sendable, Codable, Equatable {
    /// The stiffness factor tried.
    public var scale: Double
    /// The mean lumen-area change of the calibration frames at that factor (infinity when a frame
    /// could not be solved: too soft).
    public var meanAreaChange: Double
}

/// Finds the factor s on the wall's c1 and D1 (D2, the shape of the exponential stiffening, kept)
/// with which the model's mean lumen-area change from the image pressure (or zero load) to systole,
/// over a few frames, equals a target: the patient-specific choice of one stiffness per vessel.
///
/// The change falls monotonically as s grows (about as 1/s while the wall is nearly linear), so the
/// iteration is a secant method on log(change) against log(s), started from the linear guess
/// (`linearEstimate`: each frame as a thick-walled ring) and safeguarded by the bracket of factors
/// too soft and too stiff: a trial where a frame cannot be solved (no unloaded geometry) counts as
/// too soft. Each trial solves every calibration frame once (an unloading and a forward solve each
/// when the image is the loaded state).
public struct StiffnessCalibration: Sendable {
    /// The labeling options (the factor found replaces their `stiffnessScale`; the linear guess
    /// starts from their material at that scale).
    public var options: LabelingOptions
    /// Stop when |change / target - 1| is at most this (default 1e-4).
    public var tolerance = 1e-4
    /// Give up after this many trials (default 12).
    public var maximumEvaluations = 12

    /// The change falls as 1/s in linear elasticity (dA / A is proportional to 1 / mu), the
    /// exponent of the step after the first trial and of the warm starts. Softer walls stiffen as
    /// they stretch and the change falls more slowly there (about s^-0.85 between s = 1 and 2.4 on
    /// the pullback's frames), but the linear first guess puts the trials on the nearly linear side
    /// (s = 2.14 and 2.86 gave 6.39 % and 4.78 %: exponent 1.00).
    static let changeExponent = 1.0

    /// A calibration with `options`.
    public init(options: LabelingOptions) {
        self.options = options
    }

    /// The result: the factor, the change it gives and the history.
    public struct Result: Sendable, Codable, Equatable {
        /// The stiffness factor found.
        public var scale: Double
        /// Its mean lumen-area change.
        public var meanAreaChange: Double
        /// Every trial in order.
        public var history: [Evaluation]
    }

    /// The first trial: the factor at which thick-walled rings of each frame's areas would reach
    /// `target` in linear elasticity; nil without a usable frame.
    ///
    /// An incompressible ring (lumen radius a, outer radius b, shear modulus mu, plane strain) under
    /// a lumen pressure rise dp widens its lumen by u(a) = dp a b^2 / (2 mu (b^2 - a^2)) (Lame), so
    /// dA / A = 2 u(a) / a = dp (A_lumen + A_wall) / (mu A_wall), with mu = 2 (c1 + D1 D2), the initial
    /// shear modulus of the modified Mooney-Rivlin wall, and dp from the image pressure (or zero)
    /// to systole. The change scales as 1/s, so s_0 = s (mean_k dA_k / A_k) / target. Real walls
    /// stiffen as they stretch and are not rings: this is only where the secant iteration starts
    /// (on the pullback, 2.14 against the 2.737 found for a 5 % change: a stiffer wall than s = 1,
    /// whose trial costs less).
    public func linearEstimate(target: Double, meshes: [TriangleMesh]) -> Double? {
        let material = options.scaledSolverOptions.material
        let mu = 2 * (material.c1 + material.d1 * material.d2)  // kPa
        let kPaPerMmHg = 0.133_322_387
        let rise = (options.waveform.systolicPressure - (options.imagePressureMmHg ?? 0)) * kPaPerMmHg
        let changes = meshes.compactMap { mesh -> Double? in
            let wall = mesh.area
            var lumen = 0.0
            // The lumen segments are one closed, consistently oriented chain, so the shoelace sum
            // over them in any order is the lumen's (signed) area.
            for segment in mesh.boundarySegments where segment.tag == .lumen {
                let a = mesh.points[Int(segment.start)], b = mesh.points[Int(segment.end)]
                lumen += (a.x * b.y - b.x * a.y) / 2
            }
            let change = rise * (abs(lumen) + wall) / (mu * wall)
            return change.isFinite && change > 0 ? change : nil
        }
        guard !changes.isEmpty, target > 0, mu > 0 else { return nil }
        let estimate = options.stiffnessScale * changes.reduce(0, +) / Double(changes.count) / target
        return estimate.isFinite && estimate > 0 ? estimate : nil
    }

    /// The factor whose mean lumen-area change over `meshes` (image-coordinate wall meshes) is `target`.
    ///
    /// Every trial's solves stop at `deadline` (checked inside them, as a label's are); the
    /// calibration then throws `.timeLimitExceeded`.
    public func calibrate(target: Double, meshes: [TriangleMesh], deadline: Deadline = .never) throws(CalibrationError) -> Result {
        guard target > 0, target.isFinite else { throw .targetNotAnIncrease(target) }
        guard !meshes.isEmpty else { throw .noFrameSolved("no frames given") }
        var history: [Evaluation] = []
        var lastFailure = ""
        // Each frame's last unloaded state and the factor it was solved with: the next trial's unloading
        // starts from it, displacements scaled as the change (about 1/s) and pressures as the stiffness.
        var unloaded = [(state: MixedState, scale: Double)?](repeating: nil, count: meshes.count)
        func evaluate(_ scale: Double) throws(CalibrationError) -> Double {
            var scaled = options
            scaled.stiffnessScale = scale
            let labeler = FEMLabeler(options: scaled)
            var sum = 0.0
            for (k, mesh) in meshes.enumerated() {
                do {
                    let guess = unloaded[k].map { previous -> MixedState in
                        let u = pow(previous.scale / scale, Self.changeExponent), p = scale / previous.scale
                        return MixedState(displacement: previous.state.displacement.map { $0 * u }, pressure: previous.state.pressure.map { $0 * p })
                    }
                    let (mechanics, state) = try labeler.mechanics(of: mesh, unloadingGuess: guess, deadline: deadline)
                    if let state { unloaded[k] = (state, scale) }
                    sum += mechanics.lumenAreaChange
                } catch {
                    if case .timeLimitExceeded(let seconds, _) = error { throw .timeLimitExceeded(seconds: seconds) }
                    lastFailure = "\(error)"
                    history.append(Evaluation(scale: scale, meanAreaChange: .infinity))
                    return .infinity
                }
            }
            history.append(Evaluation(scale: scale, meanAreaChange: sum / Double(meshes.count)))
            return sum / Double(meshes.count)
        }
        // Bracket: the largest factor known too soft, the smallest known too stiff (log scale).
        var soft: (s: Double, g: Double)?, stiff: (s: Double, g: Double)?
        var s = linearEstimate(target: target, meshes: meshes) ?? options.stiffnessScale
        var previous: (s: Double, g: Double)?
        for _ in 0..<maximumEvaluations {
            let change = try evaluate(s)
            if change.isFinite, abs(change / target - 1) <= tolerance {
                return Result(scale: s, meanAreaChange: change, history: history)
            }
            let g = change.isFinite && change > 0 ? log(change / target) : .infinity
            if g > 0 { if soft == nil || s > soft!.s { soft = (s, g) } } else { if stiff == nil || s < stiff!.s { stiff = (s, g) } }
            var next: Double
            if g.isFinite, let p = previous, p.g.isFinite, p.g != g {
                // Secant on g(log s).
                next = exp(log(s) - g * (log(s) - log(p.s)) / (g - p.g))
            } else if g.isFinite {
                next = s * exp(g / Self.changeExponent)  // change ~ 1/s
            } else {
                next = s * 4  // a frame failed: stiffer
            }
            if let soft, let stiff, !(next > soft.s && next < stiff.s) { next = (soft.s * stiff.s).squareRoot() }
            previous = g.isFinite ? (s, g) : previous
            s = next
        }
        if !history.contains(where: { $0.meanAreaChange.isFinite }) { throw .noFrameSolved(lastFailure) }
        throw .notConverged(target: target, history: history)
    }
}

/// Imaged lumen-area changes from the diastolic to the systolic frame of the same site, the targets
/// of a calibration to a pair of contour files.
public enum SystolicPairing {
    /// One diastolic frame's systolic partner and its imaged change A_sys / A_dia - 1.
    public struct Pair: Sendable, Equatable {
        /// The systolic frame number.
        public var systolicFrame: Int
        /// A_systole / A_diastole - 1 of the lumen contours (polygon areas).
        public var change: Double
    }

    /// Pairs each diastolic lumen with the systolic lumen nearest along the pullback (the contours'
    /// z column), when one lies within half the median spacing of the diastolic frames; without z
    /// positions, frames pair by rank when both files have the same number of frames. Keys are
    /// diastolic frame numbers.
    public static func pair(diastolic: [BorderContour], systolic: [BorderContour]) -> [Int: Pair] {
        func area(_ c: BorderContour) -> Double { abs(PolygonGeometry.signedArea(c.points)) }
        var pairs: [Int: Pair] = [:]
        let positions = diastolic.compactMap(\.position).sorted()
        if positions.count == diastolic.count, systolic.allSatisfy({ $0.position != nil }), positions.count >= 2, !systolic.isEmpty {
            let gaps = zip(positions.dropFirst(), positions).map { $0 - $1 }.sorted()
            let reach = 0.5 * gaps[gaps.count / 2]
            for d in diastolic {
                let z = d.position!
                let nearest = systolic.min { abs($0.position! - z) < abs($1.position! - z) }!
                guard abs(nearest.position! - z) <= reach, area(d) > 0 else { continue }
                pairs[d.frame] = Pair(systolicFrame: nearest.frame, change: area(nearest) / area(d) - 1)
            }
        } else if diastolic.count == systolic.count {
            for (d, s) in zip(diastolic.sorted { $0.frame < $1.frame }, systolic.sorted { $0.frame < $1.frame }) where area(d) > 0 {
                pairs[d.frame] = Pair(systolicFrame: s.frame, change: area(s) / area(d) - 1)
            }
        }
        return pairs
    }
}
