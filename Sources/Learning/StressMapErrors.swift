import Foundation

/// Per-map errors of predicted stress maps over the wall, and their median and 90th percentile.
///
/// For map k with wall pixels W_k = { p : mask_k(p) != 0 }, prediction P_k and reference T_k (kPa):
///
/// - wall relative L2 error: e_k = sqrt(sum_{p in W_k} (P_k(p) - T_k(p))^2) / sqrt(sum_{p in W_k} T_k(p)^2)
/// - peak-stress relative error: q_k = |max_{p in W_k} P_k(p) - max_{p in W_k} T_k(p)| / max_{p in W_k} T_k(p)
///
/// Both are dimensionless fractions (0.1 = 10 %) and ignore pixels outside the wall, where the
/// reference is 0 by definition. A map enters `wallRelativeL2` only when its wall is non-empty
/// and sum T^2 > 0, and `peakRelativeError` only when max T over the wall is > 0; `skippedCount`
/// counts the maps left out of either. Percentiles interpolate linearly between order statistics
/// (NumPy's default): for sorted values v_0 <= ... <= v_{n-1}, the q-quantile is
/// v_i + (v_{i+1} - v_i) f with i + f = q (n - 1).
public struct StressMapErrors: Sendable, Equatable {
    /// e_k of every map that has one, in map order (fraction).
    public let wallRelativeL2: [Double]
    /// q_k of every map that has one, in map order (fraction).
    public let peakRelativeError: [Double]
    /// Maps without a wall or without positive reference stress on it.
    public let skippedCount: Int

    /// Computes the per-map errors.
    /// - Parameters:
    ///   - predicted: N predicted maps (kPa).
    ///   - reference: N reference maps (kPa), same size.
    ///   - masks: N masks, same size; a pixel is wall where the value is not 0.
    /// - Throws: `LearningError.mismatchedInputs` when counts or sizes differ.
    public init(predicted: ImageBatch, reference: ImageBatch, masks: ImageBatch) throws(LearningError) {
        guard predicted.count == reference.count, masks.count == reference.count,
              predicted.height == reference.height, predicted.width == reference.width,
              masks.height == reference.height, masks.width == reference.width
        else {
            throw .mismatchedInputs("predicted \(predicted.count) x \(predicted.height) x \(predicted.width), reference "
                + "\(reference.count) x \(reference.height) x \(reference.width), masks \(masks.count) x \(masks.height) x \(masks.width)")
        }
        let size = reference.pixelsPerImage
        var relative: [Double] = []
        var peaks: [Double] = []
        var skipped = 0
        for k in 0..<reference.count {
            var differenceSquares = 0.0, referenceSquares = 0.0
            var predictedPeak = -Double.infinity, referencePeak = -Double.infinity
            var wallPixels = 0
            for p in (k * size)..<((k + 1) * size) where masks.values[p] != 0 {
                let (prediction, truth) = (Double(predicted.values[p]), Double(reference.values[p]))
                differenceSquares += (prediction - truth) * (prediction - truth)
                referenceSquares += truth * truth
                predictedPeak = max(predictedPeak, prediction)
                referencePeak = max(referencePeak, truth)
                wallPixels += 1
            }
            let hasNorm = wallPixels > 0 && referenceSquares > 0
            let hasPeak = wallPixels > 0 && referencePeak > 0
            if hasNorm { relative.append(differenceSquares.squareRoot() / referenceSquares.squareRoot()) }
            if hasPeak { peaks.append(abs(predictedPeak - referencePeak) / referencePeak) }
            if !(hasNorm && hasPeak) { skipped += 1 }
        }
        wallRelativeL2 = relative
        peakRelativeError = peaks
        skippedCount = skipped
    }

    /// Median of the wall relative L2 errors (fraction); NaN without maps.
    public var medianWallRelativeL2: Double { Self.quantile(wallRelativeL2, 0.5) }
    /// 90th percentile of the wall relative L2 errors (fraction); NaN without maps.
    public var wallRelativeL2Percentile90: Double { Self.quantile(wallRelativeL2, 0.9) }
    /// Median of the peak-stress relative errors (fraction); NaN without maps.
    public var medianPeakRelativeError: Double { Self.quantile(peakRelativeError, 0.5) }
    /// 90th percentile of the peak-stress relative errors (fraction); NaN without maps.
    public var peakRelativeErrorPercentile90: Double { Self.quantile(peakRelativeError, 0.9) }

    /// The q-quantile (0 <= q <= 1) with linear interpolation between order statistics; NaN for no values.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let position = min(max(q, 0), 1) * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    /// "wall rel L2 median 7.7 % (p90 12.0 %), peak error median 6.0 % (p90 17.0 %)".
    public var summary: String {
        func percent(_ value: Double) -> String { value.isNaN ? "n/a" : String(format: "%.1f %%", 100 * value) }
        return "wall rel L2 median \(percent(medianWallRelativeL2)) (p90 \(percent(wallRelativeL2Percentile90))), "
            + "peak error median \(percent(medianPeakRelativeError)) (p90 \(percent(peakRelativeErrorPercentile90)))"
    }
}
