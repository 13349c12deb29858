import Foundation

/// Cauchy stress (kPa) of a plane-strain state and the scalar measures derived from it.
///
/// `xx`, `yy`, `xy` are in-plane components; `zz` is the out-of-plane stress that keeps the
/// out-of-plane stretch at 1.
public struct CauchyStress: Sendable, Codable, Equatable {
    /// sigma_xx (kPa).
    public var xx: Double
    /// sigma_yy (kPa).
    public var yy: Double
    /// sigma_xy (kPa).
    public var xy: Double
    /// sigma_zz (kPa).
    public var zz: Double

    /// Creates a stress from its components (kPa).
    public init(xx: Double, yy: Double, xy: Double, zz: Double) {
        self.xx = xx
        self.yy = yy
        self.xy = xy
        self.zz = zz
    }

    /// In-plane principal stresses (s1 >= s2) = c +- sqrt(((xx - yy) / 2)^2 + xy^2), c = (xx + yy) / 2.
    public var inPlanePrincipal: (Double, Double) {
        let c = 0.5 * (xx + yy), r = ((0.5 * (xx - yy)) * (0.5 * (xx - yy)) + xy * xy).squareRoot()
        return (c + r, c - r)
    }

    /// Maximum principal stress of the full 3x3 tensor, max(s1, sigma_zz) (kPa): the "structural stress".
    public var maximumPrincipal: Double { max(inPlanePrincipal.0, zz) }

    /// von Mises stress sqrt(((s1 - s2)^2 + (s2 - s3)^2 + (s3 - s1)^2) / 2) with s3 = sigma_zz (kPa).
    public var vonMises: Double {
        let (s1, s2) = inPlanePrincipal
        let s3 = zz
        return (0.5 * ((s1 - s2) * (s1 - s2) + (s2 - s3) * (s2 - s3) + (s3 - s1) * (s3 - s1))).squareRoot()
    }

    /// Normal stress along the unit direction d: d . sigma d (kPa).
    public func normal(along d: (x: Double, y: Double)) -> Double {
        xx * d.x * d.x + 2 * xy * d.x * d.y + yy * d.y * d.y
    }

    /// Weighted sum of stresses (for nodal averaging).
    static func + (a: CauchyStress, b: CauchyStress) -> CauchyStress {
        CauchyStress(xx: a.xx + b.xx, yy: a.yy + b.yy, xy: a.xy + b.xy, zz: a.zz + b.zz)
    }

    static func * (s: Double, a: CauchyStress) -> CauchyStress {
        CauchyStress(xx: s * a.xx, yy: s * a.yy, xy: s * a.xy, zz: s * a.zz)
    }

    static let zero = CauchyStress(xx: 0, yy: 0, xy: 0, zz: 0)
}

/// Which scalar stress a map shows.
public enum StressMeasure: String, Sendable, Codable, CaseIterable {
    /// Maximum principal Cauchy stress (default "structural stress").
    case maximumPrincipal = "max-principal"
    /// von Mises stress.
    case vonMises = "von-mises"

    /// The measure's value for a stress tensor (kPa).
    public func value(of stress: CauchyStress) -> Double {
        switch self {
        case .maximumPrincipal: stress.maximumPrincipal
        case .vonMises: stress.vonMises
        }
    }
}
