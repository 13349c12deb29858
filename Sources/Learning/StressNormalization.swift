/// The map between stress in kPa and the surrogate's output range (0, 1).
///
/// normalized = stress / scale, stress = normalized x scale, with `scale` in kPa. The scale is
/// chosen once, from the first training set, as `headroom` x the largest stress of that set,
/// and then stored with the model, so that later rounds of progressive training and every
/// prediction use the same map. The headroom (default 1.2) leaves room for masks of later
/// rounds whose peak stress exceeds the first set's: the sigmoid output cannot exceed 1.
/// Stresses below 0 (rare for the maximum principal stress) cannot be represented and are
/// learned as values near 0.
public struct StressNormalization: Sendable, Equatable, Codable {
    /// The stress in kPa that maps to 1; finite and positive.
    public let scale: Double

    /// The unit of `scale` and of denormalized stress.
    public static let units = "kPa"
    /// Default factor between the largest training stress and the scale.
    public static let defaultHeadroom = 1.2

    /// Creates a normalization with a given scale in kPa.
    /// - Throws: `LearningError.invalidNormalization` unless the scale is finite and positive.
    public init(scale: Double) throws(LearningError) {
        guard scale.isFinite, scale > 0 else {
            throw .invalidNormalization("the scale must be finite and positive, got \(scale) kPa")
        }
        self.scale = scale
    }

    /// The normalization fitted to training stresses: scale = headroom x max(stress) (kPa).
    /// - Throws: `LearningError.invalidNormalization` when no stress is positive and finite, or
    ///   the headroom is not at least 1.
    public init(fittedTo stress: [Float], headroom: Double = StressNormalization.defaultHeadroom) throws(LearningError) {
        guard headroom.isFinite, headroom >= 1 else {
            throw .invalidNormalization("the headroom must be at least 1, got \(headroom)")
        }
        var maximum: Float = 0
        for value in stress where value.isFinite && value > maximum { maximum = value }
        guard maximum > 0 else {
            throw .invalidNormalization("the training stresses have no finite positive value")
        }
        try self.init(scale: Double(maximum) * headroom)
    }

    /// stress / scale, element-wise.
    public func normalize(_ stress: [Float]) -> [Float] {
        let factor = Float(1 / scale)
        return stress.map { $0 * factor }
    }

    /// normalized x scale (kPa), element-wise.
    public func denormalize(_ normalized: [Float]) -> [Float] {
        let factor = Float(scale)
        return normalized.map { $0 * factor }
    }
}
