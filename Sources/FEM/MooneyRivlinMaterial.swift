import Foundation

/// The modified Mooney-Rivlin vessel-wall material, exactly incompressible.
///
/// Strain energy per unit reference volume (kPa):
///
///     W(I1) = c1 (I1 - 3) + D1 (exp(D2 (I1 - 3)) - 1),   I1 = tr C,  C = F^T F,
///
/// with the constraint J = det F = 1 enforced by a pressure field p (kPa) in the mixed form
/// Psi(F, p) = W(I1) - p (J - 1). The Cauchy stress is sigma = (2 W'(I1) / J) F F^T - p I.
/// Defaults are the vessel-wall values c1 = 36.8 kPa, D1 = 14.4 kPa, D2 = 2.
public struct MooneyRivlinMaterial: Sendable, Codable, Equatable, Hashable {
    /// Shear-like coefficient c1 (kPa); must be positive.
    public var c1: Double
    /// Exponential coefficient D1 (kPa); must be non-negative.
    public var d1: Double
    /// Exponential stiffening rate D2 (dimensionless); must be non-negative.
    public var d2: Double

    /// The default vessel-wall material: c1 = 36.8 kPa, D1 = 14.4 kPa, D2 = 2.
    public static let vesselWall = MooneyRivlinMaterial(c1: 36.8, d1: 14.4, d2: 2)

    /// Default lipid pool / necrotic core: c1 = 0.5 kPa, D1 = 0.5 kPa, D2 = 1.5 (Tang and
    /// co-workers' multi-component plaque models; sources and their spread in docs/labeling.md).
    public static let lipid = MooneyRivlinMaterial(c1: 0.5, d1: 0.5, d2: 1.5)

    /// Default dense calcium: c1 = 92 kPa, D1 = 36 kPa, D2 = 2 (Tang and co-workers' multi-component
    /// plaque models; sources and their spread in docs/labeling.md).
    public static let calcium = MooneyRivlinMaterial(c1: 92, d1: 36, d2: 2)

    /// Named material sets (`--material NAME`); docs/labeling.md gives their sources.
    public static let presets: [(name: String, material: MooneyRivlinMaterial, summary: String)] = [
        ("paper", .vesselWall, "the paper's wall (c1 36.8 kPa, D1 14.4 kPa, D2 2): the default, for phantoms and the paper's experiments"),
        ("paper-x10", MooneyRivlinMaterial(c1: 368, d1: 144, d2: 2),
         "the paper's wall 10x stiffer (c1 368 kPa, D1 144 kPa, D2 2), the stiffness at which thin real walls have an unloaded geometry"),
    ]

    /// The preset called `name`, or nil.
    public static func preset(named name: String) -> MooneyRivlinMaterial? {
        presets.first { $0.name == name }?.material
    }

    /// Creates a material from its constants (kPa, kPa, dimensionless).
    public init(c1: Double, d1: Double, d2: Double) {
        self.c1 = c1
        self.d1 = d1
        self.d2 = d2
    }

    /// Checks the constants: c1 > 0, D1 >= 0, D2 >= 0, all finite (D1 = 0: neo-Hookean).
    public func validate() throws(FEMError) {
        guard c1 > 0, c1.isFinite, d1 >= 0, d1.isFinite, d2 >= 0, d2.isFinite else {
            throw .invalidParameter("material constants need c1 > 0, D1 >= 0, D2 >= 0 (got c1 = \(c1), D1 = \(d1), D2 = \(d2))")
        }
    }

    /// W(I1) = c1 (I1 - 3) + D1 (exp(D2 (I1 - 3)) - 1), kPa.
    public func energy(firstInvariant i1: Double) -> Double {
        c1 * (i1 - 3) + d1 * (exp(d2 * (i1 - 3)) - 1)
    }

    /// dW/dI1 = c1 + D1 D2 exp(D2 (I1 - 3)), kPa.
    public func energyDerivative(firstInvariant i1: Double) -> Double {
        c1 + d1 * d2 * exp(d2 * (i1 - 3))
    }

    /// d2W/dI1^2 = D1 D2^2 exp(D2 (I1 - 3)), kPa.
    public func energySecondDerivative(firstInvariant i1: Double) -> Double {
        d1 * d2 * d2 * exp(d2 * (i1 - 3))
    }

    /// (dW/dI1, d2W/dI1^2) with one exponential, kPa: the pair the tangent needs at every quadrature point.
    @inline(__always)
    func energyDerivatives(firstInvariant i1: Double) -> (first: Double, second: Double) {
        let e = d1 * d2 * exp(d2 * (i1 - 3))
        return (c1 + e, d2 * e)
    }

    /// Mixed energy density of a plane-strain state, Psi = W(I1) - p (J - 1), kPa.
    ///
    /// `F` is the in-plane deformation gradient (F11, F12, F21, F22); the out-of-plane stretch is 1,
    /// so I1 = F11^2 + F12^2 + F21^2 + F22^2 + 1 and J = F11 F22 - F12 F21.
    public func mixedEnergy(deformationGradient F: SIMD4<Double>, pressure p: Double) -> Double {
        let i1 = (F * F).sum() + 1
        let J = F[0] * F[3] - F[1] * F[2]
        return energy(firstInvariant: i1) - p * (J - 1)
    }

    /// First Piola-Kirchhoff stress P = dPsi/dF = 2 W'(I1) F - p cof F, kPa, with
    /// cof F = (F22, -F21, -F12, F11) (= J F^-T in 2D). Components (P11, P12, P21, P22).
    public func firstPiolaKirchhoff(deformationGradient F: SIMD4<Double>, pressure p: Double) -> SIMD4<Double> {
        let i1 = (F * F).sum() + 1
        let w1 = energyDerivative(firstInvariant: i1)
        return 2 * w1 * F - p * Self.cofactor(F)
    }

    /// Material tangent A = dP/dF (kPa) as a 4x4 row-major matrix over the index pairs
    /// (11, 12, 21, 22): A = 2 W' I + 4 W'' F (x) F - p dcof/dF, where dcof/dF is constant in 2D.
    public func tangent(deformationGradient F: SIMD4<Double>, pressure p: Double) -> [Double] {
        var A = [Double](repeating: 0, count: 16)
        let i1 = (F * F).sum() + 1
        let w1 = energyDerivative(firstInvariant: i1), w2 = energySecondDerivative(firstInvariant: i1)
        Self.fillTangent(&A, F: F, w1: w1, w2: w2, p: p)
        return A
    }

    /// cof F = J F^-T for a 2x2 matrix stored (F11, F12, F21, F22).
    @inline(__always)
    public static func cofactor(_ F: SIMD4<Double>) -> SIMD4<Double> {
        SIMD4(F[3], -F[2], -F[1], F[0])
    }

    /// Writes A = 2 w1 I + 4 w2 F (x) F - p dcof/dF into a 16-element row-major buffer.
    @inline(__always)
    static func fillTangent(_ A: UnsafeMutablePointer<Double>, F: SIMD4<Double>, w1: Double, w2: Double, p: Double) {
        for r in 0..<4 {
            for c in 0..<4 {
                A[4 * r + c] = 4 * w2 * F[r] * F[c]
            }
            A[5 * r] += 2 * w1
        }
        // dcof/dF: cof11 = F22, cof12 = -F21, cof21 = -F12, cof22 = F11.
        A[3] -= p
        A[12] -= p
        A[6] += p
        A[9] += p
    }

    static func fillTangent(_ A: inout [Double], F: SIMD4<Double>, w1: Double, w2: Double, p: Double) {
        A.withUnsafeMutableBufferPointer { fillTangent($0.baseAddress!, F: F, w1: w1, w2: w2, p: p) }
    }
}
