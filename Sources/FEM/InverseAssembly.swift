import Meshing

extension MixedDiscretization {
    /// Residual and (optionally) tangent of the inverse problem: this discretization's node
    /// positions are the *loaded* configuration x (the image), `state.displacement` holds
    /// U = x - X, the unknown displacement from the unloaded configuration X, and the pressures.
    ///
    /// With f = grad_x X = I - grad_x U (so F = f^-1, J = 1 / det f), the Cauchy stress is
    ///
    ///     sigma = (2 W'(I1) / det f) A A^T - p I,   A = adj f,   I1 = |f|^2 / (det f)^2 + 1,
    ///
    /// and the equations, integrated over the image (dv = w_q det(dx/dxi)):
    ///
    ///     R_u(a, i) = sum_q dv sigma_ij dN_a/dx_j  -  p_l int_lumen N_a (Q x')_i ds  +  k int_outer N_a U_i |X'| ds
    ///     R_p(v)    = -sum_q dv M_v (1 - det f)
    ///
    /// At the same quadrature points these are exactly the forward equations of the P2 mesh at X
    /// (P : grad_X N dV = sigma : grad_x N dv and (J - 1) dV = (1 - det f) dv), so the unloaded
    /// geometry solved here, loaded by the forward solver, gives back the image to Newton's
    /// tolerance (Govindjee and Mihalic 1996, "Computational methods for inverse finite
    /// elastostatics", CMAME 136: 47-57). The lumen pressure acts on the known image border: no
    /// follower term in the tangent. The tangent is not symmetric:
    ///
    ///     K_uu = -int dN_a/dx_j (d sigma_ij / d f_ml) dN_b/dx_l dv,  K_up = -int dN_a/dx_i M_v dv,
    ///     K_pu = -int M_v cof(f)_ml dN_b/dx_l dv.
    func assembleInverse(
        state: MixedState, material: MooneyRivlinMaterial, lumenPressure load: Double, support: Double = 0,
        residual: inout [Double], values: UnsafeMutablePointer<Double>?
    ) throws(FEMError) {
        try assembleInverse(state: state, materials: [MooneyRivlinMaterial](repeating: material, count: regionCount),
                            lumenPressure: load, support: support, residual: &residual, values: values)
    }

    /// As `assembleInverse(state:material:...)` with element e of the material
    /// `materials[region of e]`, the same table as the forward `assemble(state:materials:...)`;
    /// `deadline` is checked as there.
    func assembleInverse(
        state: MixedState, materials table: [MooneyRivlinMaterial], lumenPressure load: Double, support: Double = 0,
        residual: inout [Double], values: UnsafeMutablePointer<Double>?, deadline: Deadline = .never
    ) throws(FEMError) {
        try startAssembly(materials: table, residual: &residual, values: values)
        let quadratureCount = ReferenceTriangle.quadraturePoints.count
        var inverted: (Int, Double)?
        var Re = [Double](repeating: 0, count: 15)
        var Ke = [Double](repeating: 0, count: 225)
        var ue = [Double](repeating: 0, count: 12)
        let u = state.displacement, p = state.pressure
        for e in 0..<elementCount {
            if e % Self.elementsPerCheck == 0, deadline.isExpired() {
                throw .timeLimitExceeded(seconds: deadline.seconds ?? 0, pressureKPa: load, report: SolveReport())
            }
            for a in 0..<6 {
                let node = Int(elementNodes[6 * e + a])
                ue[2 * a] = u[2 * node]
                ue[2 * a + 1] = u[2 * node + 1]
            }
            var pe = SIMD3<Double>()
            for v in 0..<3 { pe[v] = p[Int(elementPressureNodes[3 * e + v])] }
            let material = table[Int(elementRegion[e])]
            for k in 0..<15 { Re[k] = 0 }
            if values != nil { for k in 0..<225 { Ke[k] = 0 } }
            for q in 0..<quadratureCount {
                let base = (e * quadratureCount + q) * Self.geometryStride
                var f = SIMD4<Double>(1, 0, 0, 1)
                for a in 0..<6 {
                    let gx = geometry[base + 2 * a], gy = geometry[base + 2 * a + 1]
                    f -= SIMD4(ue[2 * a] * gx, ue[2 * a] * gy, ue[2 * a + 1] * gx, ue[2 * a + 1] * gy)
                }
                let kinematics = InverseKinematics(f: f, material: material)
                guard kinematics.det > 0 else { inverted = (e, kinematics.det); break }
                let M = SIMD3(geometry[base + 12], geometry[base + 13], geometry[base + 14])
                let pq = (M * pe).sum()
                let dv = geometry[base + 15]
                let sigma = kinematics.stress(pressure: pq)
                for a in 0..<6 {
                    let gx = geometry[base + 2 * a], gy = geometry[base + 2 * a + 1]
                    Re[2 * a] += dv * (sigma[0] * gx + sigma[1] * gy)
                    Re[2 * a + 1] += dv * (sigma[2] * gx + sigma[3] * gy)
                }
                for v in 0..<3 { Re[12 + v] -= dv * M[v] * (1 - kinematics.det) }
                guard values != nil else { continue }
                let D = kinematics.stressDerivative()  // D[4 (ij) + (ml)] = d sigma_ij / d f_ml
                let cof = kinematics.cofactor
                for a in 0..<6 {
                    let ga = SIMD2(geometry[base + 2 * a], geometry[base + 2 * a + 1])
                    for i in 0..<2 {
                        let r = 2 * a + i
                        // h_(ml) = sum_j dN_a/dx_j D[(ij)(ml)]
                        var h = SIMD4<Double>()
                        for ml in 0..<4 { h[ml] = ga[0] * D[4 * (2 * i) + ml] + ga[1] * D[4 * (2 * i + 1) + ml] }
                        for b in 0..<6 {
                            let gbx = geometry[base + 2 * b], gby = geometry[base + 2 * b + 1]
                            Ke[15 * r + 2 * b] -= dv * (h[0] * gbx + h[1] * gby)
                            Ke[15 * r + 2 * b + 1] -= dv * (h[2] * gbx + h[3] * gby)
                        }
                        for v in 0..<3 {
                            Ke[15 * r + 12 + v] -= dv * ga[i] * M[v]
                            Ke[15 * (12 + v) + r] -= dv * M[v] * (cof[2 * i] * ga[0] + cof[2 * i + 1] * ga[1])
                        }
                    }
                }
            }
            if inverted != nil { break }
            for a in 0..<6 {
                let node = Int(elementNodes[6 * e + a])
                residual[2 * node] += Re[2 * a]
                residual[2 * node + 1] += Re[2 * a + 1]
            }
            for v in 0..<3 { residual[2 * nodeCount + Int(elementPressureNodes[3 * e + v])] += Re[12 + v] }
            if let values {
                for k in 0..<225 where elementScatter[225 * e + k] >= 0 { values[Int(elementScatter[225 * e + k])] += Ke[k] }
            }
        }
        if let (e, det) = inverted { throw .invertedElement(index: e, jacobian: det) }
        // The lumen pressure on the image border: the forward follower load at zero displacement.
        let atImage = MixedState(nodeCount: nodeCount, vertexCount: pressureNodeCount)
        assembleFollowerPressure(state: atImage, load: load, residual: &residual, values: nil)
        assembleSupport(state: state, stiffness: support, referenceMoves: true, residual: &residual, values: values)
    }
}

/// The stress of the inverse problem as a function of f = grad_x X = F^-1 (components 11, 12,
/// 21, 22) and its derivative, for one quadrature point.
struct InverseKinematics {
    let f: SIMD4<Double>
    /// det f = 1 / J.
    let det: Double
    /// adj f = (f22, -f12, -f21, f11) = det(f) F.
    let adjugate: SIMD4<Double>
    /// cof f = d det f / d f = (f22, -f21, -f12, f11).
    let cofactor: SIMD4<Double>
    /// I1 = |f|^2 / det(f)^2 + 1 (plane strain).
    let i1: Double
    let w1: Double
    let w2: Double

    init(f: SIMD4<Double>, material: MooneyRivlinMaterial) {
        self.f = f
        det = f[0] * f[3] - f[1] * f[2]
        adjugate = SIMD4(f[3], -f[1], -f[2], f[0])
        cofactor = SIMD4(f[3], -f[2], -f[1], f[0])
        i1 = (f * f).sum() / (det * det) + 1
        (w1, w2) = material.energyDerivatives(firstInvariant: i1)
    }

    /// (A A^T)_ij for (ij) = 11, 12, 21, 22.
    var aat: SIMD4<Double> {
        let A = adjugate
        let b11 = A[0] * A[0] + A[1] * A[1], b12 = A[0] * A[2] + A[1] * A[3], b22 = A[2] * A[2] + A[3] * A[3]
        return SIMD4(b11, b12, b12, b22)
    }

    /// sigma = (2 W' / det f) A A^T - p I (kPa), components 11, 12, 21, 22.
    func stress(pressure p: Double) -> SIMD4<Double> {
        2 * w1 / det * aat - SIMD4(p, 0, 0, p)
    }

    /// Which entry of f each entry of A = adj f is, and its sign: A11 = f22, A12 = -f12, A21 = -f21, A22 = f11.
    private static let adjugateSource = [3, 1, 2, 0]
    private static let adjugateSign: [Double] = [1, -1, -1, 1]

    /// d sigma_ij / d f_ml, 16 values row-major over (ij) then (ml):
    /// 2 [(W'' dI1/df - W' cof / det) / det (A A^T) + (W' / det) d(A A^T)/df],
    /// dI1/df = 2 f / det^2 - 2 |f|^2 cof / det^3.
    func stressDerivative() -> [Double] {
        var D = [Double](repeating: 0, count: 16)
        let s = (f * f).sum()
        let dI1 = 2 * f / (det * det) - 2 * s * cofactor / (det * det * det)
        let scaleDerivative = (w2 * dI1 - w1 * cofactor / det) / det  // d(W'/det)/df
        let bb = aat, A = adjugate
        for ij in 0..<4 {
            let i = ij / 2, j = ij % 2
            for ml in 0..<4 {
                // d(A A^T)_ij / d f_ml = sum_n (dA_in/df_ml A_jn + A_in dA_jn/df_ml)
                var dbb = 0.0
                for n in 0..<2 {
                    if Self.adjugateSource[2 * i + n] == ml { dbb += Self.adjugateSign[2 * i + n] * A[2 * j + n] }
                    if Self.adjugateSource[2 * j + n] == ml { dbb += A[2 * i + n] * Self.adjugateSign[2 * j + n] }
                }
                D[4 * ij + ml] = 2 * (scaleDerivative[ml] * bb[ij] + w1 / det * dbb)
            }
        }
        return D
    }
}
