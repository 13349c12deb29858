import Foundation

/// Exact finite-strain solution of a pressurised thick-walled ring of incompressible material in
/// plane strain (reference radii R_i < R_o, internal pressure P, outer pressure 0).
///
/// Incompressibility fixes the deformation up to one constant: r^2 = R^2 + c. Stretches are
/// lambda_r = R / r, lambda_theta = r / R = lambda, lambda_z = 1, so I1 = lambda^2 + lambda^-2 + 1
/// and sigma_theta - sigma_r = 2 W'(I1) (lambda^2 - lambda^-2). Radial equilibrium
/// d sigma_r / dr = (sigma_theta - sigma_r) / r with sigma_r(r_i) = -P and sigma_r(r_o) = 0 gives
///
///     P = int_{r_i}^{r_o} 2 W'(I1) (lambda^2 - lambda^-2) dr / r,
///
/// which is solved for c by bisection; the integrals are evaluated in the reference radius
/// (dr / r = R dR / r^2) with composite Gauss-Legendre quadrature to round-off.
///
/// A layered ring (materials changing at reference radii R_1 < ... < R_m, e.g. an inner and an
/// outer annulus of different materials) has the same kinematics, r^2 = R^2 + c everywhere (each
/// layer is incompressible and the layers stay bonded), and the same radial equilibrium with the
/// integrand of the layer the radius lies in:
///
///     P = sum_layers int_{R_k-1}^{R_k} 2 W_k'(I1) (lambda^2 - lambda^-2) R dR / r^2.
///
/// The radial stress is continuous across an interface; the hoop stress jumps by the difference of
/// 2 W'(I1) (lambda^2 - lambda^-2) between the two materials (`hoopStress(atReferenceRadius:layer:)`).
///
/// With an elastic support of stiffness k (kPa/mm per unit reference length) on the outer border,
/// sigma_r(r_o) = -k (r_o - R_o) R_o / r_o (the spring force spread over the deformed length), and
/// the left side becomes P - k (r_o - R_o) R_o / r_o.
public struct ThickWalledRingSolution: Sendable {
    /// Wall material (of the innermost layer when layered).
    public let material: MooneyRivlinMaterial
    /// Material of each layer from the lumen out (one entry for a one-material ring).
    public let layerMaterials: [MooneyRivlinMaterial]
    /// Reference radii of the interfaces between layers, ascending (mm); empty for one material.
    public let interfaceRadii: [Double]
    /// Reference inner radius R_i (mm).
    public let innerRadius: Double
    /// Reference outer radius R_o (mm).
    public let outerRadius: Double
    /// Internal pressure P (kPa).
    public let pressureKPa: Double
    /// The constant c = r^2 - R^2 (mm^2).
    public let c: Double
    /// Stiffness of the elastic support on the outer border (kPa/mm), 0 when traction free.
    public let outerSupportStiffness: Double

    /// Solves for c.
    public init(material: MooneyRivlinMaterial, innerRadius: Double, outerRadius: Double, pressureKPa: Double,
                outerSupportStiffness: Double = 0) throws(FEMError) {
        try self.init(layers: [material], interfaceRadii: [], innerRadius: innerRadius, outerRadius: outerRadius,
                      pressureKPa: pressureKPa, outerSupportStiffness: outerSupportStiffness)
    }

    /// Solves for c in a layered ring: `layers[k]` between `interfaceRadii[k - 1]` and
    /// `interfaceRadii[k]` (reference radii, mm, ascending, strictly inside the wall).
    public init(layers: [MooneyRivlinMaterial], interfaceRadii: [Double], innerRadius: Double, outerRadius: Double,
                pressureKPa: Double, outerSupportStiffness: Double = 0) throws(FEMError) {
        guard !layers.isEmpty, layers.count == interfaceRadii.count + 1 else {
            throw .invalidParameter("a layered ring needs one more material than interfaces (got \(layers.count) and \(interfaceRadii.count))")
        }
        for layer in layers { try layer.validate() }
        guard innerRadius > 0, outerRadius > innerRadius, outerRadius.isFinite else {
            throw .invalidParameter("ring needs 0 < inner radius < outer radius (got \(innerRadius), \(outerRadius) mm)")
        }
        let bounds = [innerRadius] + interfaceRadii + [outerRadius]
        guard zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw .invalidParameter("interface radii must increase strictly inside the wall (got \(interfaceRadii) mm)")
        }
        guard pressureKPa >= 0, pressureKPa.isFinite else { throw .invalidParameter("pressure must be >= 0, got \(pressureKPa) kPa") }
        let material = layers[0]
        self.material = material
        layerMaterials = layers
        self.interfaceRadii = interfaceRadii
        self.innerRadius = innerRadius
        self.outerRadius = outerRadius
        self.pressureKPa = pressureKPa
        guard outerSupportStiffness >= 0, outerSupportStiffness.isFinite else {
            throw .invalidParameter("support stiffness must be >= 0, got \(outerSupportStiffness) kPa/mm")
        }
        self.outerSupportStiffness = outerSupportStiffness
        // P(c) increases with c; bracket then bisect to the last bit.
        func load(_ c: Double) -> Double {
            Self.layeredIntegral(layers: layers, interfaceRadii: interfaceRadii, from: innerRadius, to: outerRadius, c: c)
                + Self.supportTraction(stiffness: outerSupportStiffness, outerRadius: outerRadius, c: c)
        }
        var lo = 0.0, hi = innerRadius * innerRadius
        var guardCount = 0
        while load(hi) < pressureKPa {
            hi *= 2
            guardCount += 1
            if guardCount > 60 { throw .invalidParameter("no equilibrium found for \(pressureKPa) kPa") }
        }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if load(mid) < pressureKPa { lo = mid } else { hi = mid }
        }
        c = 0.5 * (lo + hi)
    }

    /// Deformed radius r = sqrt(R^2 + c) of the material at reference radius R (mm).
    public func deformedRadius(ofReferenceRadius R: Double) -> Double { (R * R + c).squareRoot() }

    /// Deformed inner radius r_i (mm).
    public var innerDeformedRadius: Double { deformedRadius(ofReferenceRadius: innerRadius) }
    /// Deformed outer radius r_o (mm).
    public var outerDeformedRadius: Double { deformedRadius(ofReferenceRadius: outerRadius) }

    /// Radial Cauchy stress at the material of reference radius R: -P + int_{R_i}^{R} (kPa).
    public func radialStress(atReferenceRadius R: Double) -> Double {
        -pressureKPa + Self.layeredIntegral(layers: layerMaterials, interfaceRadii: interfaceRadii, from: innerRadius, to: R, c: c)
    }

    /// Hoop Cauchy stress at the material of reference radius R (kPa); at an interface radius, the
    /// inner layer's value.
    public func hoopStress(atReferenceRadius R: Double) -> Double {
        hoopStress(atReferenceRadius: R, layer: layer(atReferenceRadius: R))
    }

    /// Hoop Cauchy stress at reference radius R in the material of `layer` (kPa): on either side
    /// of an interface, sigma_r(R) + 2 W_layer'(I1) (lambda^2 - lambda^-2).
    public func hoopStress(atReferenceRadius R: Double, layer: Int) -> Double {
        radialStress(atReferenceRadius: R) + Self.stressDifference(material: layerMaterials[layer], R: R, c: c)
    }

    /// The layer holding reference radius R (the inner one at an interface).
    public func layer(atReferenceRadius R: Double) -> Int {
        interfaceRadii.firstIndex { R <= $0 } ?? interfaceRadii.count
    }

    /// Hoop stress at the inner wall (kPa).
    public var innerHoopStress: Double { hoopStress(atReferenceRadius: innerRadius) }

    /// The ring whose *loaded* radii at `pressureKPa` are `loadedInnerRadius` and
    /// `loadedOuterRadius` (mm): the unloaded radii R = sqrt(r^2 - c), with c solved by bisection in
    /// [0, r_i^2) (the load needed grows with c).
    public init(material: MooneyRivlinMaterial, loadedInnerRadius ri: Double, loadedOuterRadius ro: Double, pressureKPa: Double,
                outerSupportStiffness: Double = 0) throws(FEMError) {
        guard ri > 0, ro > ri, ro.isFinite, pressureKPa >= 0, pressureKPa.isFinite else {
            throw .invalidParameter("loaded ring needs 0 < r_i < r_o and P >= 0 (got \(ri), \(ro) mm, \(pressureKPa) kPa)")
        }
        func load(_ c: Double) -> Double {
            let Ri = (ri * ri - c).squareRoot(), Ro = (ro * ro - c).squareRoot()
            return Self.stressDifferenceIntegral(material: material, from: Ri, to: Ro, c: c)
                + Self.supportTraction(stiffness: outerSupportStiffness, outerRadius: Ro, c: c)
        }
        var lo = 0.0, hi = ri * ri
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if load(mid) < pressureKPa { lo = mid } else { hi = mid }
        }
        let c = 0.5 * (lo + hi)
        try self.init(material: material, innerRadius: (ri * ri - c).squareRoot(), outerRadius: (ro * ro - c).squareRoot(),
                      pressureKPa: pressureKPa, outerSupportStiffness: outerSupportStiffness)
    }

    /// k (r_o - R_o) R_o / r_o: the support's share of the lumen pressure (kPa).
    static func supportTraction(stiffness k: Double, outerRadius Ro: Double, c: Double) -> Double {
        guard k > 0 else { return 0 }
        let ro = (Ro * Ro + c).squareRoot()
        return k * (ro - Ro) * Ro / ro
    }

    /// sigma_theta - sigma_r = 2 W'(I1) (lambda^2 - lambda^-2) at reference radius R.
    static func stressDifference(material: MooneyRivlinMaterial, R: Double, c: Double) -> Double {
        let l2 = (R * R + c) / (R * R)
        return 2 * material.energyDerivative(firstInvariant: l2 + 1 / l2 + 1) * (l2 - 1 / l2)
    }

    /// int_{R_a}^{R_b} (sigma_theta - sigma_r) R dR / r^2 through layers, each piece in its material.
    static func layeredIntegral(layers: [MooneyRivlinMaterial], interfaceRadii: [Double], from a: Double, to b: Double,
                                c: Double) -> Double {
        guard b > a else { return 0 }
        var sum = 0.0, lower = a
        for (k, material) in layers.enumerated() {
            let upper = k < interfaceRadii.count ? min(interfaceRadii[k], b) : b
            if upper > lower {
                sum += stressDifferenceIntegral(material: material, from: lower, to: upper, c: c)
                lower = upper
            }
            if lower >= b { break }
        }
        return sum
    }

    /// int_{R_a}^{R_b} (sigma_theta - sigma_r) R dR / r^2.
    static func stressDifferenceIntegral(material: MooneyRivlinMaterial, from a: Double, to b: Double, c: Double) -> Double {
        guard b > a else { return 0 }
        let panels = 32
        let h = (b - a) / Double(panels)
        var sum = 0.0
        for k in 0..<panels {
            let mid = a + (Double(k) + 0.5) * h
            for (x, w) in gaussLegendre8 {
                let R = mid + 0.5 * h * x
                sum += 0.5 * h * w * stressDifference(material: material, R: R, c: c) * R / (R * R + c)
            }
        }
        return sum
    }

    /// 8-point Gauss-Legendre nodes and weights on [-1, 1].
    static let gaussLegendre8: [(Double, Double)] = {
        let half: [(Double, Double)] = [
            (0.1834346424956498, 0.3626837833783620), (0.5255324099163290, 0.3137066458778873),
            (0.7966664774136267, 0.2223810344533745), (0.9602898564975363, 0.1012285362903763),
        ]
        return half.flatMap { [($0.0, $0.1), (-$0.0, $0.1)] }
    }()
}
