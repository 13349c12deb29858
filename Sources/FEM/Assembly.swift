import Meshing

/// Unknowns of the mixed problem: nodal displacements (mm) and vertex pressures (kPa).
public struct MixedState: Sendable, Equatable {
    /// Displacement (u_x, u_y) of every P2 node, interleaved, mm.
    public var displacement: [Double]
    /// Pressure Lagrange multiplier at every pressure node (a vertex, one per region touching it),
    /// kPa (the hydrostatic part of the Cauchy stress is -p).
    public var pressure: [Double]

    /// The undeformed state with zero pressures (`vertexCount`: the number of pressure nodes).
    public init(nodeCount: Int, vertexCount: Int) {
        displacement = [Double](repeating: 0, count: 2 * nodeCount)
        pressure = [Double](repeating: 0, count: vertexCount)
    }

    /// Creates a state from its arrays.
    public init(displacement: [Double], pressure: [Double]) {
        self.displacement = displacement
        self.pressure = pressure
    }
}

extension MixedDiscretization {
    /// Residual and (optionally) tangent of the mixed weak form at `state` under lumen pressure `load` (kPa).
    ///
    /// Residual, per unit thickness (kN/m = N/mm):
    ///
    ///     R_u(a, i) = sum_q w_q P_iJ dN_a/dX_J  -  p_l int_lumen N_a (Q x')_i ds
    ///     R_p(v)    = -sum_q w_q M_v (J - 1)
    ///
    /// with P = 2 W'(I1) F - p cof F, Q the rotation by +90 degrees and x' = dx/ds along the
    /// deformed border, so that p_l Q x' ds is the force of the blood on the wall (follower load).
    /// Tangent blocks: K_uu = int B^T A B - p_l int N_a Q_ik N_b' ds, K_up = K_pu^T = -int (cof F : grad N_a) M_v.
    /// The follower term is unsymmetric element by element but symmetric once summed over the
    /// closed lumen border, so the assembled system is symmetric indefinite.
    ///
    /// An elastic support of stiffness k (kPa/mm) on the outer border adds R_a += k int N_a u dS
    /// and K_ab += k int N_a N_b dS I over the reference border (`assembleSupport`).
    ///
    /// `residual` receives all `dofCount` entries (constrained ones included, they are the
    /// reactions); `values` the reduced matrix in `pattern` order.
    func assemble(
        state: MixedState, material: MooneyRivlinMaterial, lumenPressure load: Double, support: Double = 0,
        residual: inout [Double], values: UnsafeMutablePointer<Double>?
    ) throws(FEMError) {
        try assemble(state: state, materials: [MooneyRivlinMaterial](repeating: material, count: regionCount), lumenPressure: load,
                     support: support, residual: &residual, values: values)
    }

    /// Elements assembled between two checks of a deadline (an element with its tangent takes a few
    /// microseconds, so a check costs nothing measurable and comes about every millisecond).
    static let elementsPerCheck = 256

    /// The start of every assembly, forward or inverse: one material per region, residual and
    /// matrix values set to zero.
    func startAssembly(materials table: [MooneyRivlinMaterial], residual: inout [Double], values: UnsafeMutablePointer<Double>?) throws(FEMError) {
        guard table.count >= regionCount else {
            throw .invalidParameter("the mesh has \(regionCount) material regions but \(table.count) materials are given")
        }
        residual.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        if let values { values.update(repeating: 0, count: pattern.nonzeroCount) }
    }

    /// As `assemble(state:material:...)` with element e of the material `materials[region of e]`
    /// (a table indexed by region: 0 wall, 1 lipid, 2 calcium).
    ///
    /// `deadline` is checked every `elementsPerCheck` elements; once it has passed the assembly
    /// stops and throws `FEMError.timeLimitExceeded` (pressure `load`, an empty report: the solver
    /// attaches its own).
    func assemble(
        state: MixedState, materials table: [MooneyRivlinMaterial], lumenPressure load: Double, support: Double = 0,
        residual: inout [Double], values: UnsafeMutablePointer<Double>?, deadline: Deadline = .never
    ) throws(FEMError) {
        try startAssembly(materials: table, residual: &residual, values: values)
        let quadratureCount = ReferenceTriangle.quadraturePoints.count
        var inverted: (Int, Double)?
        var timedOut = false
        var Re = [Double](repeating: 0, count: 15)
        var Ke = [Double](repeating: 0, count: 225)
        var A = [Double](repeating: 0, count: 16)
        var BA = [Double](repeating: 0, count: 48)  // (a, i, kL): sum_J dN_a/dX_J A[iJ][kL]
        let nodeCount = self.nodeCount
        let u = state.displacement, p = state.pressure
        geometry.withUnsafeBufferPointer { geometry in
        elementNodes.withUnsafeBufferPointer { elementNodes in
        elementPressureNodes.withUnsafeBufferPointer { pressureNodes in
        residual.withUnsafeMutableBufferPointer { residual in
        elementScatter.withUnsafeBufferPointer { scatter in
        Re.withUnsafeMutableBufferPointer { Re in
        Ke.withUnsafeMutableBufferPointer { Ke in
        A.withUnsafeMutableBufferPointer { A in
        BA.withUnsafeMutableBufferPointer { BA in
            var ue = [Double](repeating: 0, count: 12)
            var pe = SIMD3<Double>()
            for e in 0..<elementCount {
                if inverted != nil { break }
                if e % Self.elementsPerCheck == 0, deadline.isExpired() { timedOut = true; break }
                for a in 0..<6 {
                    let node = Int(elementNodes[6 * e + a])
                    ue[2 * a] = u[2 * node]
                    ue[2 * a + 1] = u[2 * node + 1]
                }
                for v in 0..<3 { pe[v] = p[Int(pressureNodes[3 * e + v])] }
                let material = table[Int(elementRegion[e])]
                Re.update(repeating: 0)
                if values != nil { Ke.update(repeating: 0) }
                for q in 0..<quadratureCount {
                    let g = geometry.baseAddress! + (e * quadratureCount + q) * Self.geometryStride
                    var F = SIMD4<Double>(1, 0, 0, 1)
                    for a in 0..<6 {
                        let gx = g[2 * a], gy = g[2 * a + 1], ux = ue[2 * a], uy = ue[2 * a + 1]
                        F += SIMD4(ux * gx, ux * gy, uy * gx, uy * gy)
                    }
                    let J = F[0] * F[3] - F[1] * F[2]
                    if !(J > 0) { inverted = (e, J); break }
                    let M = SIMD3(g[12], g[13], g[14])
                    let pq = (M * pe).sum()
                    let i1 = (F * F).sum() + 1
                    let (w1, w2) = material.energyDerivatives(firstInvariant: i1)
                    let cof = MooneyRivlinMaterial.cofactor(F)
                    let P = 2 * w1 * F - pq * cof
                    let dV = g[15]
                    for a in 0..<6 {
                        let gx = g[2 * a], gy = g[2 * a + 1]
                        Re[2 * a] += dV * (P[0] * gx + P[1] * gy)
                        Re[2 * a + 1] += dV * (P[2] * gx + P[3] * gy)
                    }
                    for v in 0..<3 { Re[12 + v] -= dV * M[v] * (J - 1) }
                    guard values != nil else { continue }
                    MooneyRivlinMaterial.fillTangent(A.baseAddress!, F: F, w1: w1, w2: w2, p: pq)
                    for a in 0..<6 {
                        let gx = g[2 * a], gy = g[2 * a + 1]
                        for i in 0..<2 {
                            for kl in 0..<4 {
                                BA[(2 * a + i) * 4 + kl] = gx * A[(2 * i) * 4 + kl] + gy * A[(2 * i + 1) * 4 + kl]
                            }
                        }
                    }
                    // K_uu is symmetric (A has major symmetry): the upper triangle here, mirrored after the loop.
                    for r in 0..<12 {
                        let row = Ke.baseAddress! + 15 * r
                        let ba = BA.baseAddress! + 4 * r
                        for c in r..<12 {
                            let m = 2 * (c % 2), b = c / 2
                            row[c] += dV * (ba[m] * g[2 * b] + ba[m + 1] * g[2 * b + 1])
                        }
                        // K_up: -(cof F : grad N_a along component i) M_v
                        let a = r / 2, i = r % 2
                        let c = -dV * (cof[2 * i] * g[2 * a] + cof[2 * i + 1] * g[2 * a + 1])
                        for v in 0..<3 {
                            row[12 + v] += c * M[v]
                            Ke[15 * (12 + v) + r] += c * M[v]
                        }
                    }
                }
                if inverted != nil { break }
                if values != nil {
                    for r in 1..<12 { for c in 0..<r { Ke[15 * r + c] = Ke[15 * c + r] } }
                }
                for a in 0..<6 {
                    let node = Int(elementNodes[6 * e + a])
                    residual[2 * node] += Re[2 * a]
                    residual[2 * node + 1] += Re[2 * a + 1]
                }
                for v in 0..<3 { residual[2 * nodeCount + Int(pressureNodes[3 * e + v])] += Re[12 + v] }
                if let values {
                    let map = scatter.baseAddress! + 225 * e
                    for k in 0..<225 where map[k] >= 0 { values[Int(map[k])] += Ke[k] }
                }
            }
        }}}}}}}}}
        if timedOut { throw .timeLimitExceeded(seconds: deadline.seconds ?? 0, pressureKPa: load, report: SolveReport()) }
        if let (e, J) = inverted { throw .invertedElement(index: e, jacobian: J) }
        assembleFollowerPressure(state: state, load: load, residual: &residual, values: values)
        assembleSupport(state: state, stiffness: support, residual: &residual, values: values)
    }

    /// Adds the elastic support of the outer border, a spring foundation of stiffness k (kPa/mm)
    /// per unit reference length: R_a += k int L_a u |X'| ds, with the displacement u of `state`.
    ///
    /// Forward (`referenceMoves` false): X is this discretization's node positions and
    /// K_ab += k int L_a L_b |X'| ds I. Inverse (`referenceMoves` true): the node positions are the
    /// image x, `state` holds U = x - X, so X = x - U moves with U and
    /// dR_(a,i)/dU_(b,m) = k int L_a (delta_im L_b |X'| - U_i X'_m L_b' / |X'|) ds.
    func assembleSupport(state: MixedState, stiffness k: Double, referenceMoves: Bool = false, residual: inout [Double],
                         values: UnsafeMutablePointer<Double>?) {
        guard k != 0 else { return }
        let u = state.displacement
        for (o, n) in outerSegments.enumerated() {
            let ids = [Int(n.x), Int(n.y), Int(n.z)]
            let X = ids.map { referenceMoves ? nodes.positions[$0] - Point(u[2 * $0], u[2 * $0 + 1]) : nodes.positions[$0] }
            let base = (lumenSegments.count + o) * 36
            for (sq, weight) in ReferenceTriangle.edgeQuadrature {
                let (L, dL) = ReferenceTriangle.edgeShape(sq)
                let tangent = dL[0] * X[0] + dL[1] * X[1] + dL[2] * X[2]
                let length = tangent.length
                var us = Point(0, 0)
                for b in 0..<3 { us = us + L[b] * Point(u[2 * ids[b]], u[2 * ids[b] + 1]) }
                for a in 0..<3 {
                    residual[2 * ids[a]] += k * weight * length * L[a] * us.x
                    residual[2 * ids[a] + 1] += k * weight * length * L[a] * us.y
                }
                guard let values else { continue }
                let U = [us.x, us.y], T = [tangent.x, tangent.y]
                for a in 0..<3 {
                    for b in 0..<3 {
                        for i in 0..<2 {
                            for m in 0..<2 where referenceMoves || i == m {
                                let position = segmentScatter[base + 6 * (2 * a + i) + (2 * b + m)]
                                guard position >= 0 else { continue }
                                var c = i == m ? L[b] * length : 0
                                if referenceMoves { c -= U[i] * T[m] * dL[b] / length }
                                values[Int(position)] += k * weight * L[a] * c
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds the follower lumen pressure: R_a -= p_l int L_a Q x' ds, K_ab -= p_l int L_a Q L_b' ds.
    func assembleFollowerPressure(state: MixedState, load: Double, residual: inout [Double], values: UnsafeMutablePointer<Double>?) {
        guard load != 0 else { return }
        let u = state.displacement
        for (s, n) in lumenSegments.enumerated() {
            let ids = [Int(n.x), Int(n.y), Int(n.z)]
            let x = ids.map { nodes.positions[$0] + Point(u[2 * $0], u[2 * $0 + 1]) }
            for (sq, weight) in ReferenceTriangle.edgeQuadrature {
                let (L, dL) = ReferenceTriangle.edgeShape(sq)
                let tangent = dL[0] * x[0] + dL[1] * x[1] + dL[2] * x[2]
                let force = Point(-tangent.y, tangent.x)  // Q x'
                for a in 0..<3 {
                    residual[2 * ids[a]] -= load * weight * L[a] * force.x
                    residual[2 * ids[a] + 1] -= load * weight * L[a] * force.y
                }
                guard let values else { continue }
                // d(Q x')/d x_b = Q dL_b, Q = [[0, -1], [1, 0]].
                for a in 0..<3 {
                    for b in 0..<3 {
                        let c = load * weight * L[a] * dL[b]
                        let base = s * 36
                        let p01 = segmentScatter[base + 6 * (2 * a) + (2 * b + 1)]
                        let p10 = segmentScatter[base + 6 * (2 * a + 1) + (2 * b)]
                        if p01 >= 0 { values[Int(p01)] += c }  // -c * Q_01 = -c * (-1)
                        if p10 >= 0 { values[Int(p10)] -= c }  // -c * Q_10 = -c * 1
                    }
                }
            }
        }
    }
}
