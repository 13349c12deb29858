import Foundation
import Testing
@testable import FEM
@testable import Meshing

@Suite struct StressSamplingTests {
    @Test func sampledRingStressMatchesTheExactSolution() throws {
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.125)
        let solver = try WallSolver(mesh: mesh)
        let solution = try solver.solve(try LoadSchedule.toSystole(.physiological))
        let exact = try ThickWalledRingSolution(material: .vesselWall, innerRadius: 1, outerRadius: 2,
                                                pressureKPa: solution.systole.pressureKPa)
        var points: [Point] = [], radii: [Double] = []
        for R in [1.05, 1.3, 1.5, 1.8, 1.95] {
            for k in 0..<7 {
                let angle = 0.3 + Double(k) * 0.9
                points.append(R * Point(cos(angle), sin(angle)))
                radii.append(R)
            }
        }
        let samples = solver.stress(of: solution.systole.state, at: points)
        for (k, sample) in samples.enumerated() {
            #expect(sample.location == .inside)
            // The symmetric solution does not rotate material lines, so the reference polar axes apply.
            let e = (x: points[k].x / radii[k], y: points[k].y / radii[k])
            let hoop = sample.stress.normal(along: (-e.y, e.x))
            let expected = exact.hoopStress(atReferenceRadius: radii[k])
            #expect(abs(hoop - expected) < 0.01 * abs(expected), "R = \(radii[k]): \(hoop) vs \(expected)")
        }
    }

    @Test func pointsOutsideTakeTheNearestBorderValue() throws {
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 2).mesh(meshSize: 0.25)
        let solver = try WallSolver(mesh: mesh)
        let state = try solver.solve(try LoadSchedule.toSystole(.physiological)).systole.state
        // At 4 degrees, between two border vertices (the mesh has one every 9 degrees).
        let direction = Point(cos(4 * Double.pi / 180), sin(4 * Double.pi / 180))
        let outside = 2.04 * direction, justInside = 1.999 * direction, inLumen = Point(0.5, 0.0)
        let samples = solver.stress(of: state, at: [outside, justInside, inLumen])
        #expect(samples[1].location == .inside)
        guard case .nearestBorder(let distance) = samples[0].location else {
            Issue.record("expected a border sample")
            return
        }
        #expect(abs(distance - 0.04) < 1e-3)  // the P2 border is within 1e-3 mm of the circle here
        #expect(abs(samples[0].stress.maximumPrincipal - samples[1].stress.maximumPrincipal) < 1e-3 * abs(samples[1].stress.maximumPrincipal))
        guard case .nearestBorder(let lumenDistance) = samples[2].location else {
            Issue.record("expected a border sample")
            return
        }
        #expect(abs(lumenDistance - 0.5) < 1e-3)
    }
}

@Suite struct PointLocatorTests {
    /// Small elements far from the origin: the inverse map is only accurate to about 1e-15 |x| / h.
    @Test func locatesPointsInSmallElementsFarFromTheOrigin() throws {
        let center = Point(50, 50)
        let mesh = try AnnulusMeshGenerator.ring(innerRadius: 0.1, outerRadius: 0.2, center: center).mesh(meshSize: 0.01)
        let locator = PointLocator(discretization: try MixedDiscretization(mesh: mesh))
        for k in 0..<200 {
            let angle = Double(k) * 0.731, radius = 0.105 + 0.09 * Double(k % 17) / 16
            let point = center + radius * Point(cos(angle), sin(angle))
            #expect(locator.locate(point) != nil, "point \(k) at radius \(radius)")
        }
        #expect(locator.locate(center) == nil)
    }
}
