import Foundation

/// The random distributions of synthetic IVUS phantoms (see `PhantomGenerator`).
///
/// All lengths are in mm. Every draw is uniform and independent unless stated:
/// - outer (vessel) diameter D ~ U[`outerDiameterRange`] (equal-area diameter of the outer border);
/// - plaque burden B ~ U[`plaqueBurdenRange`] (wall area / vessel area of the continuous shapes),
///   so the lumen's equal-area diameter is D sqrt(1 - B);
/// - vessel centre = image centre + (U[-j, j], U[-j, j]), j = `centerJitter`;
/// - outer border r(theta) = R_o (1 + sum_{k in outerOrders} a_k cos k theta + b_k sin k theta),
///   lumen border likewise with `lumenOrders`; a_k, b_k ~ U[-c_k, c_k] with decaying bounds
///   c_k = alpha (2 / k)^1.5 (alpha = `outerIrregularity` or `lumenIrregularity`); R is set so
///   the enclosed area matches the equal-area diameter exactly;
/// - minimum wall thickness t = max(`minimumWallThicknessInPixels` pixels,
///   min(`minimumWallThickness`, 0.8 w)), w = (D - D sqrt(1 - B)) / 2 the mean wall thickness;
///   if the irregularities could bring the borders closer than t (bound: R_o sum c'_k +
///   R_l sum c'_k > 0.6 (w - t)), all coefficients are scaled down to meet that bound, so thin
///   walls come out rounder;
/// - lumen offset direction phi ~ U[0, 2 pi) and eccentricity fraction epsilon ~ U[0, 1]; the
///   lumen centre moves by epsilon e_max towards phi, where e_max is the largest offset (found by
///   bisection) that keeps the Euclidean gap between the two borders >= t.
public struct PhantomDistribution: Sendable, Hashable, Codable {
    /// Range of the outer equal-area diameter D in mm. Default 3...5.
    public var outerDiameterRange: ClosedRange<Double>
    /// Range of the plaque burden B (wall area / vessel area). Default 0.3...0.8.
    public var plaqueBurdenRange: ClosedRange<Double>
    /// Half-width j in mm of the square in which the vessel centre is jittered. Default 0.4.
    public var centerJitter: Double
    /// Orders k of the outer border's harmonics. Default 2...4.
    public var outerOrders: ClosedRange<Int>
    /// Orders k of the lumen border's harmonics. Default 2...5.
    public var lumenOrders: ClosedRange<Int>
    /// Bound alpha of the outer border's k = 2 coefficients (relative). Default 0.08.
    public var outerIrregularity: Double
    /// Bound alpha of the lumen border's k = 2 coefficients (relative). Default 0.16.
    /// `PhantomGenerator` requires sqrt(2) sum_k c_k < 0.5 for both borders.
    public var lumenIrregularity: Double
    /// Target minimum wall thickness in mm where the wall is thick enough. Default 0.3.
    public var minimumWallThickness: Double
    /// Floor of the minimum wall thickness in pixels. Default 1.6 (above the validation
    /// threshold of 1.5 pixels between lumen and outside pixel centres).
    public var minimumWallThicknessInPixels: Double

    /// Creates a distribution; the defaults are those documented on each property.
    public init(
        outerDiameterRange: ClosedRange<Double> = 3...5,
        plaqueBurdenRange: ClosedRange<Double> = 0.3...0.8,
        centerJitter: Double = 0.4,
        outerOrders: ClosedRange<Int> = 2...4,
        lumenOrders: ClosedRange<Int> = 2...5,
        outerIrregularity: Double = 0.08,
        lumenIrregularity: Double = 0.16,
        minimumWallThickness: Double = 0.3,
        minimumWallThicknessInPixels: Double = 1.6
    ) {
        self.outerDiameterRange = outerDiameterRange
        self.plaqueBurdenRange = plaqueBurdenRange
        self.centerJitter = centerJitter
        self.outerOrders = outerOrders
        self.lumenOrders = lumenOrders
        self.outerIrregularity = outerIrregularity
        self.lumenIrregularity = lumenIrregularity
        self.minimumWallThickness = minimumWallThickness
        self.minimumWallThicknessInPixels = minimumWallThicknessInPixels
    }

    /// Bound c_k = alpha (2 / k)^1.5 of the order-k coefficients.
    static func coefficientBound(alpha: Double, order: Int) -> Double {
        alpha * pow(2 / Double(order), 1.5)
    }
}
