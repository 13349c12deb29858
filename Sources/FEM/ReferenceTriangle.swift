/// Shape functions and quadrature on the reference triangle {(xi, eta): xi, eta >= 0, xi + eta <= 1}.
///
/// With barycentric coordinates l0 = 1 - xi - eta, l1 = xi, l2 = eta, the quadratic (P2) shape
/// functions are N_k = l_k (2 l_k - 1) at the vertices (k = 0, 1, 2) and N_3 = 4 l0 l1,
/// N_4 = 4 l1 l2, N_5 = 4 l2 l0 at the mid-sides of edges 0-1, 1-2, 2-0. The linear (P1) pressure
/// shape functions are M_k = l_k.
enum ReferenceTriangle {
    /// Symmetric 6-point rule of degree 4 (Dunavant); weights sum to the reference area 1/2.
    static let quadraturePoints: [(xi: Double, eta: Double, weight: Double)] = {
        let a = 0.445948490915965, wa = 0.223381589678011 / 2
        let b = 0.091576213509771, wb = 0.109951743655322 / 2
        return [
            (a, a, wa), (1 - 2 * a, a, wa), (a, 1 - 2 * a, wa),
            (b, b, wb), (1 - 2 * b, b, wb), (b, 1 - 2 * b, wb),
        ]
    }()

    /// Reference coordinates of the six P2 nodes.
    static let nodeCoordinates: [(xi: Double, eta: Double)] = [(0, 0), (1, 0), (0, 1), (0.5, 0), (0.5, 0.5), (0, 0.5)]

    /// P2 shape function values N_0..N_5 at (xi, eta).
    static func quadraticValues(_ xi: Double, _ eta: Double) -> [Double] {
        let l0 = 1 - xi - eta, l1 = xi, l2 = eta
        return [l0 * (2 * l0 - 1), l1 * (2 * l1 - 1), l2 * (2 * l2 - 1), 4 * l0 * l1, 4 * l1 * l2, 4 * l2 * l0]
    }

    /// P2 shape function gradients with respect to (xi, eta): 12 values (dN_k/dxi, dN_k/deta).
    static func quadraticGradients(_ xi: Double, _ eta: Double) -> [Double] {
        let l0 = 1 - xi - eta, l1 = xi, l2 = eta
        // d l0 = (-1, -1), d l1 = (1, 0), d l2 = (0, 1)
        return [
            -(4 * l0 - 1), -(4 * l0 - 1),
            4 * l1 - 1, 0,
            0, 4 * l2 - 1,
            4 * (l0 - l1), -4 * l1,
            4 * l2, 4 * l1,
            -4 * l2, 4 * (l0 - l2),
        ]
    }

    /// P1 shape function values M_0..M_2 at (xi, eta).
    static func linearValues(_ xi: Double, _ eta: Double) -> [Double] { [1 - xi - eta, xi, eta] }

    /// 3-point Gauss-Legendre rule on [-1, 1] (exact to degree 5).
    static let edgeQuadrature: [(s: Double, weight: Double)] = [
        (-(0.6).squareRoot(), 5.0 / 9.0), (0, 8.0 / 9.0), ((0.6).squareRoot(), 5.0 / 9.0),
    ]

    /// Quadratic edge shape functions at s in [-1, 1] for nodes (start, end, middle) and their derivatives d/ds.
    static func edgeShape(_ s: Double) -> (values: SIMD3<Double>, derivatives: SIMD3<Double>) {
        (SIMD3(s * (s - 1) / 2, s * (s + 1) / 2, 1 - s * s), SIMD3(s - 0.5, s + 0.5, -2 * s))
    }
}
