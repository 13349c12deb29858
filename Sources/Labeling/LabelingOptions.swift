import FEM
import Meshing
import Raster

/// Everything that decides a stress label, stored with every labeled dataset.
public struct LabelingOptions: Sendable, Codable, Equatable {
    /// Mask validation thresholds (specks, holes, thinnest wall).
    public var validation = MaskValidationOptions()
    /// Mask-to-mesh options (target edge length, minimum angle, smoothing).
    public var meshing = MaskMeshingOptions()
    /// Contour-to-mesh options (geometric element size, minimum angle), for contour input.
    public var contourMeshing = ContourMeshingOptions()
    /// Material and Newton options; Newton reuses a step's factors once the residual is below
    /// 1e-3 of the step's first (`SolverOptions.factorizationReuseThreshold`; same converged answer,
    /// about 5.4 instead of 8 factorizations per mask).
    public var solver: SolverOptions = {
        var options = SolverOptions()
        options.factorizationReuseThreshold = 1e-3
        return options
    }()
    /// Lumen pressure waveform (default: physiological 80/120 mmHg).
    public var waveform = PressureWaveform.physiological
    /// Time steps from end-diastole to the systolic peak.
    public var stepsToSystole = 1
    /// The scalar stress of the map (default: maximum principal, the "structural stress").
    public var measure = StressMeasure.maximumPrincipal
    /// The lumen pressure the image was taken at (mmHg): the labeler then finds the wall's unloaded
    /// geometry and loads that (`LoadedImageSolver`). nil (default): the image is stress free, the
    /// paper's setting.
    public var imagePressureMmHg: Double?
    /// Factor on c1 and D1 of the wall and of every component (D2, the shape of the stiffening,
    /// unchanged), from a calibration or given (default 1). Applied on top of the solver's materials.
    public var stiffnessScale = 1.0
    /// A label whose lumen area grows by more than this fraction from the image pressure (or from
    /// zero load) to systole is flagged implausible (default 0.25; docs/labeling.md says why).
    public var plausibleLumenAreaChange = Self.defaultPlausibleLumenAreaChange
    /// The default of `plausibleLumenAreaChange`: twice the largest mean coronary area change of
    /// 8-12 % over the cycle (docs/labeling.md).
    public static let defaultPlausibleLumenAreaChange = 0.25
    /// Seconds one mask (or contour frame) may take from validation to the end of the solve, wall
    /// clock; past it the mask fails with `LabelingFailure.timeLimitExceeded`. A `Deadline` checked
    /// between the stages and inside the mesher's and the solver's loops (refinement, assembly,
    /// sampling); only a sparse factorization (inside SuiteSparse or MUMPS) runs to its end first.
    /// nil (the default) is no limit. A run-time guard, not part of what decides a label: absent
    /// from stored options, so files written with or without it read and resume the same.
    public var timeLimit: Double?

    /// The defaults.
    public init() {}

    /// The solver options with the stiffness scale applied to the material.
    public var scaledSolverOptions: SolverOptions {
        var options = solver
        // Every component moves with the wall: a patient's tissue is stiffer or softer as a whole.
        for k in [\SolverOptions.material, \SolverOptions.lipidMaterial, \SolverOptions.calciumMaterial] {
            options[keyPath: k].c1 *= stiffnessScale
            options[keyPath: k].d1 *= stiffnessScale
        }
        return options
    }

    private enum CodingKeys: String, CodingKey {
        case validation, meshing, contourMeshing, solver, waveform, stepsToSystole, measure
        case imagePressureMmHg, stiffnessScale, plausibleLumenAreaChange
    }

    /// Encodes the options; the image pressure and stiffness scale only when set, so that files of
    /// stress-free images keep their earlier form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(validation, forKey: .validation)
        try c.encode(meshing, forKey: .meshing)
        try c.encode(contourMeshing, forKey: .contourMeshing)
        try c.encode(solver, forKey: .solver)
        try c.encode(waveform, forKey: .waveform)
        try c.encode(stepsToSystole, forKey: .stepsToSystole)
        try c.encode(measure, forKey: .measure)
        try c.encodeIfPresent(imagePressureMmHg, forKey: .imagePressureMmHg)
        if stiffnessScale != 1 { try c.encode(stiffnessScale, forKey: .stiffnessScale) }
        if plausibleLumenAreaChange != Self.defaultPlausibleLumenAreaChange { try c.encode(plausibleLumenAreaChange, forKey: .plausibleLumenAreaChange) }
    }

    /// Decodes options; `contourMeshing`, absent from files written before contour input existed,
    /// reads as its defaults (it plays no part in labeling masks).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        validation = try c.decode(MaskValidationOptions.self, forKey: .validation)
        meshing = try c.decode(MaskMeshingOptions.self, forKey: .meshing)
        contourMeshing = try c.decodeIfPresent(ContourMeshingOptions.self, forKey: .contourMeshing) ?? ContourMeshingOptions()
        solver = try c.decode(SolverOptions.self, forKey: .solver)
        waveform = try c.decode(PressureWaveform.self, forKey: .waveform)
        stepsToSystole = try c.decode(Int.self, forKey: .stepsToSystole)
        measure = try c.decode(StressMeasure.self, forKey: .measure)
        imagePressureMmHg = try c.decodeIfPresent(Double.self, forKey: .imagePressureMmHg)
        stiffnessScale = try c.decodeIfPresent(Double.self, forKey: .stiffnessScale) ?? 1
        plausibleLumenAreaChange = try c.decodeIfPresent(Double.self, forKey: .plausibleLumenAreaChange) ?? Self.defaultPlausibleLumenAreaChange
    }
}

/// Why a mask got no stress map; `code` goes to the `/status` dataset (0 means labeled).
public enum LabelingFailure: Error, Sendable, CustomStringConvertible {
    /// The mask failed validation.
    case invalidMask(MaskError)
    /// The wall could not be meshed.
    case meshing(MeshError)
    /// The finite-element solve failed (Newton did not converge after cutbacks, ...).
    case solve(FEMError)
    /// The frame's border contours cannot describe a wall (or do not fit the pixel grid).
    case invalidContours(ContourError)
    /// The frame's own stiffness calibration found no factor (per-frame calibration).
    case calibration(CalibrationError)
    /// The mask took longer than `LabelingOptions.timeLimit` (`seconds`); `stage` is the stage
    /// that was running or about to start when the limit was found to have passed.
    case timeLimitExceeded(seconds: Double, stage: LabelingStage)

    /// Status code: 100 + the mask error's code, 200 for meshing, 300 for the solve (310 when the
    /// image taken as a loaded state has no unloaded geometry, 320 when a frame's own calibration
    /// failed), 400 + the contour error's code, 500
    /// for the time limit.
    public var code: Int32 {
        switch self {
        case .invalidMask(let error): Int32(100 + error.code)
        case .meshing: 200
        case .solve(.noUnloadedGeometry): 310
        case .solve: 300
        case .calibration: 320
        case .invalidContours(let error): Int32(400 + error.code)
        case .timeLimitExceeded: 500
        }
    }

    public var description: String {
        switch self {
        case .invalidMask(let error): "invalid mask: \(error)"
        case .meshing(let error): "meshing failed: \(error)"
        case .solve(let error): "solve failed: \(error)"
        case .invalidContours(let error): "invalid contours: \(error)"
        case .calibration(let error): "calibration failed: \(error)"
        case .timeLimitExceeded(let seconds, let stage): "time limit: \(seconds) s per mask reached (\(stage.rawValue))"
        }
    }
}

/// A stage of labeling one mask, as named by `LabelingFailure.timeLimitExceeded`.
public enum LabelingStage: String, Sendable, Codable {
    /// Mask validation (or, for contours, rasterising the wall).
    case validation
    /// Meshing the wall.
    case meshing
    /// The finite-element solve.
    case solve
    /// The frame's own stiffness calibration (per-frame calibration), before meshing for the label.
    case calibration
}
