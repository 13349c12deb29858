import Foundation
import Meshing

/// Solves the pressurised thick-walled ring with the finite-element solver and compares it with
/// `ThickWalledRingSolution`.
///
/// FE values at the inner wall are means over the lumen border nodes (vertices and mid-side
/// nodes) of the area-averaged nodal stress, resolved in the polar axes of the deformed ring
/// (centre = mean of the deformed lumen nodes).
public struct RingVerification: Sendable, Codable {
    /// Reference inner radius (mm).
    public var innerRadius: Double
    /// Reference outer radius (mm).
    public var outerRadius: Double
    /// Peak (systolic) lumen pressure (mmHg).
    public var pressureMmHg: Double
    /// Target edge length (mm).
    public var meshSize: Double
    /// Time steps from end-diastole to systole along the waveform, after the initial ramp to
    /// end-diastole; 0 is one load step straight from the unloaded ring to the systolic pressure.
    public var stepsToSystole: Int
    /// Solver options.
    public var options: SolverOptions

    /// Creates a verification case; defaults: R_i = 1 mm, R_o = 2 mm, 120 mmHg, h = 1/12 mm (about 11,000 dofs), 2 steps.
    public init(innerRadius: Double = 1, outerRadius: Double = 2, pressureMmHg: Double = 120, meshSize: Double = 1.0 / 12,
                stepsToSystole: Int = 2, options: SolverOptions = SolverOptions()) {
        self.innerRadius = innerRadius
        self.outerRadius = outerRadius
        self.pressureMmHg = pressureMmHg
        self.meshSize = meshSize
        self.stepsToSystole = stepsToSystole
        self.options = options
    }

    /// What a verification run measured.
    public struct Result: Sendable, Codable {
        /// The case that was run.
        public var verification: RingVerification
        /// Degrees of freedom of the mixed system.
        public var degreesOfFreedom: Int
        /// Triangles of the mesh.
        public var elements: Int
        /// Radial and circumferential divisions of the structured ring mesh.
        public var divisions: [Int]
        /// FE hoop stress at the inner wall (kPa).
        public var hoopStressInnerKPa: Double
        /// Exact hoop stress at the inner wall (kPa).
        public var hoopStressInnerExactKPa: Double
        /// FE radial stress at the inner wall (kPa).
        public var radialStressInnerKPa: Double
        /// Exact radial stress at the inner wall, -P (kPa).
        public var radialStressInnerExactKPa: Double
        /// FE deformed inner radius (mm).
        public var innerRadiusDeformedMm: Double
        /// Exact deformed inner radius (mm).
        public var innerRadiusDeformedExactMm: Double
        /// |hoop_FE - hoop_exact| / |hoop_exact| at the inner wall.
        public var hoopStressRelativeError: Double
        /// Largest relative deviation of a single lumen node's hoop stress from the exact value.
        public var hoopStressMaximumNodeError: Double
        /// |r_i,FE - r_i,exact| / r_i,exact.
        public var innerRadiusRelativeError: Double
        /// Relative L2 error of the hoop stress over the wall, from quadrature points.
        public var hoopStressL2RelativeError: Double
        /// The solver's report (Newton history, reactions, timings).
        public var report: SolveReport
    }

    /// Meshes the ring, solves along the default waveform scaled to `pressureMmHg` at systole
    /// (diastole at 2/3 of it, as 80/120), or in one load step (`stepsToSystole` 0), and compares
    /// with the exact solution.
    public func run() throws(FEMError) -> Result {
        try runKeepingSolution().result
    }

    /// As `run()`, also returning the finite-element solution (for output files).
    public func runKeepingSolution() throws(FEMError) -> (result: Result, solution: WallSolution) {
        let generator = AnnulusMeshGenerator.ring(innerRadius: innerRadius, outerRadius: outerRadius)
        let mesh: TriangleMesh
        do { mesh = try generator.mesh(meshSize: meshSize) } catch { throw .mesh(error) }
        let solver = try WallSolver(mesh: mesh, options: options)
        let waveform = try PressureWaveform.physiological.rescaled(diastolic: pressureMmHg * 2 / 3, systolic: pressureMmHg)
        let schedule = stepsToSystole == 0
            ? LoadSchedule.constant(pressureKPa: pressureMmHg * kilopascalsPerMillimetreOfMercury)
            : try LoadSchedule.toSystole(waveform, steps: stepsToSystole)
        let solution = try solver.solve(schedule)
        let systole = solution.systole
        let exact = try ThickWalledRingSolution(
            material: options.material, innerRadius: innerRadius, outerRadius: outerRadius, pressureKPa: systole.pressureKPa)

        let deformed = solution.deformedPositions(systole)
        let lumenNodes = Array(Set(solver.discretization.lumenSegments.flatMap { [Int($0.x), Int($0.y), Int($0.z)] })).sorted()
        var center = Point.zero
        for n in lumenNodes { center = center + deformed[n] }
        center = (1 / Double(lumenNodes.count)) * center
        var hoop = 0.0, radial = 0.0, radius = 0.0, worstNode = 0.0
        for n in lumenNodes {
            let offset = deformed[n] - center
            let r = offset.length
            let er = (x: offset.x / r, y: offset.y / r)
            let sigma = systole.nodalStress[n]
            let h = sigma.normal(along: (-er.y, er.x))
            hoop += h
            radial += sigma.normal(along: er)
            radius += r
            worstNode = max(worstNode, abs(h - exact.innerHoopStress) / abs(exact.innerHoopStress))
        }
        let count = Double(lumenNodes.count)
        hoop /= count
        radial /= count
        radius /= count

        // Hoop stress over the whole wall at quadrature points, in the reference polar axes rotated
        // with the (rigid-rotation free) symmetric solution.
        let d = solver.discretization
        let quadrature = ReferenceTriangle.quadraturePoints
        var errorSquared = 0.0, normSquared = 0.0
        for e in 0..<d.elementCount {
            for (q, point) in quadrature.enumerated() {
                var X = Point.zero, u = Point.zero
                let values = ReferenceTriangle.quadraticValues(point.xi, point.eta)
                for a in 0..<6 {
                    let node = Int(d.elementNodes[6 * e + a])
                    X = X + values[a] * d.nodes.positions[node]
                    u = u + values[a] * Point(systole.state.displacement[2 * node], systole.state.displacement[2 * node + 1])
                }
                let x = X + u - center
                let r = x.length
                let sigma = d.cauchyStress(element: e, xi: point.xi, eta: point.eta, state: systole.state, materials: options.materials)
                let h = sigma.normal(along: (-x.y / r, x.x / r))
                let reference = exact.hoopStress(atReferenceRadius: X.length)
                let dV = d.geometry[(e * quadrature.count + q) * MixedDiscretization.geometryStride + 15]
                errorSquared += dV * (h - reference) * (h - reference)
                normSquared += dV * reference * reference
            }
        }
        let divisions = generator.divisions(meshSize: meshSize)
        let result = Result(
            verification: self, degreesOfFreedom: solver.degreesOfFreedom, elements: mesh.triangles.count,
            divisions: [divisions.radial, divisions.circumferential],
            hoopStressInnerKPa: hoop, hoopStressInnerExactKPa: exact.innerHoopStress,
            radialStressInnerKPa: radial, radialStressInnerExactKPa: -exact.pressureKPa,
            innerRadiusDeformedMm: radius, innerRadiusDeformedExactMm: exact.innerDeformedRadius,
            hoopStressRelativeError: abs(hoop - exact.innerHoopStress) / abs(exact.innerHoopStress),
            hoopStressMaximumNodeError: worstNode,
            innerRadiusRelativeError: abs(radius - exact.innerDeformedRadius) / exact.innerDeformedRadius,
            hoopStressL2RelativeError: (errorSquared / normSquared).squareRoot(),
            report: solution.report)
        return (result, solution)
    }
}
