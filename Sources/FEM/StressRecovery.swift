import Meshing

extension MixedDiscretization {
    /// Cauchy stress at reference coordinates (xi, eta) of element `e`, in the element's own
    /// material `materials[region of e]` (a table indexed by region):
    /// sigma = (2 W'(I1) / J) F F^T - p I, sigma_zz = 2 W'(I1) / J - p.
    func cauchyStress(element e: Int, xi: Double, eta: Double, state: MixedState, materials: [MooneyRivlinMaterial]) -> CauchyStress {
        cauchyStress(element: e, xi: xi, eta: eta, state: state, material: materials[Int(elementRegion[e])])
    }

    /// Cauchy stress at (xi, eta) of element `e` in the given material.
    func cauchyStress(element e: Int, xi: Double, eta: Double, state: MixedState, material: MooneyRivlinMaterial) -> CauchyStress {
        guard let map = Self.inverseMap(nodes: nodes, element: e, elementNodes: elementNodes, xi: xi, eta: eta) else {
            return .zero
        }
        var F = SIMD4<Double>(1, 0, 0, 1)
        for a in 0..<6 {
            let node = Int(elementNodes[6 * e + a])
            let ux = state.displacement[2 * node], uy = state.displacement[2 * node + 1]
            let gx = map.gradients[2 * a], gy = map.gradients[2 * a + 1]
            F += SIMD4(ux * gx, ux * gy, uy * gx, uy * gy)
        }
        let m = ReferenceTriangle.linearValues(xi, eta)
        var p = 0.0
        for v in 0..<3 { p += m[v] * state.pressure[Int(elementPressureNodes[3 * e + v])] }
        return Self.cauchyStress(deformationGradient: F, pressure: p, material: material)
    }

    static func cauchyStress(deformationGradient F: SIMD4<Double>, pressure p: Double, material: MooneyRivlinMaterial) -> CauchyStress {
        let J = F[0] * F[3] - F[1] * F[2]
        let w1 = material.energyDerivative(firstInvariant: (F * F).sum() + 1)
        let s = 2 * w1 / J
        return CauchyStress(
            xx: s * (F[0] * F[0] + F[1] * F[1]) - p,
            yy: s * (F[2] * F[2] + F[3] * F[3]) - p,
            xy: s * (F[0] * F[2] + F[1] * F[3]),
            zz: s - p
        )
    }

    /// Stress at every quadrature point, element-major (6 per element).
    func quadratureStress(state: MixedState, materials: [MooneyRivlinMaterial]) -> [CauchyStress] {
        var out: [CauchyStress] = []
        out.reserveCapacity(elementCount * ReferenceTriangle.quadraturePoints.count)
        for e in 0..<elementCount {
            for q in ReferenceTriangle.quadraturePoints {
                out.append(cauchyStress(element: e, xi: q.xi, eta: q.eta, state: state, materials: materials))
            }
        }
        return out
    }

    /// Smooth nodal stress at every P2 node: the element values at the node, averaged over the
    /// elements that share it with their areas as weights. Averages never mix materials: at a node
    /// on a component border each region's elements are averaged apart, and the node takes the
    /// region average with the largest von Mises stress (the stress jumps there; peaks are kept).
    func nodalStress(state: MixedState, materials: [MooneyRivlinMaterial]) -> [CauchyStress] {
        let regions = regionCount
        var sum = [CauchyStress](repeating: .zero, count: nodeCount * regions)
        var weight = [Double](repeating: 0, count: nodeCount * regions)
        for e in 0..<elementCount {
            let region = Int(elementRegion[e])
            for (a, point) in ReferenceTriangle.nodeCoordinates.enumerated() {
                let slot = Int(elementNodes[6 * e + a]) * regions + region
                let sigma = cauchyStress(element: e, xi: point.xi, eta: point.eta, state: state, materials: materials)
                sum[slot] = sum[slot] + elementAreas[e] * sigma
                weight[slot] += elementAreas[e]
            }
        }
        return (0..<nodeCount).map { node in
            var best: CauchyStress?
            for region in 0..<regions where weight[node * regions + region] > 0 {
                let mean = (1 / weight[node * regions + region]) * sum[node * regions + region]
                if best == nil || mean.vonMises > best!.vonMises { best = mean }
            }
            return best ?? .zero
        }
    }
}
