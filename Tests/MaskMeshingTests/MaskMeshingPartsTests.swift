import Foundation
import Testing
@testable import Meshing

@Suite struct MarchingSquaresTests {
    @Test func singlePixelGivesACounterClockwiseDiamond() {
        var values = [Double](repeating: 0, count: 9)
        values[4] = 1
        let contours = MarchingSquares().contours(values: values, rows: 3, columns: 3)
        #expect(contours.count == 1)
        #expect(contours[0].count == 4)
        #expect(abs(PolygonGeometry.signedArea(contours[0]) - 0.5) < 1e-12)
        for p in contours[0] { #expect(abs(abs(p.x - 1.5) + abs(p.y - 1.5) - 0.5) < 1e-12) }
    }

    @Test func ringGivesAnOuterAndAHoleWithTheWallOnTheLeft() {
        var values = [Double](repeating: 1, count: 25)
        values[12] = 0
        let contours = MarchingSquares().contours(values: values, rows: 5, columns: 5, pixelSize: 2)
        let areas = contours.map(PolygonGeometry.signedArea).sorted()
        #expect(areas.count == 2)
        #expect(areas[0] < 0 && areas[1] > 0)
        #expect(abs(areas[0] + 0.5 * 4) < 1e-12)  // the hole is a diamond of 0.5 px^2
    }

    @Test func diagonalWallPixelsStayConnected() {
        // Saddle: wall pixels on one diagonal are joined (centre average 0.5 counts as wall).
        let values: [Double] = [1, 0, 0, 1]
        #expect(MarchingSquares().contours(values: values, rows: 2, columns: 2).count == 1)
        // Soft values below the level on average separate them.
        let soft: [Double] = [0.6, 0.2, 0.2, 0.6]
        #expect(MarchingSquares().contours(values: soft, rows: 2, columns: 2).count == 2)
    }

    @Test func verticesInterpolateLinearly() {
        let values: [Double] = [0.0, 0.8]
        let contour = MarchingSquares().contours(values: values, rows: 1, columns: 2)[0]
        // Along the row, 0.5 lies 5/8 of the way from the centre at x = 0.5 to x = 1.5.
        #expect(contour.contains { abs($0.x - 1.125) < 1e-12 && abs($0.y - 0.5) < 1e-12 })
    }
}

@Suite struct ClosedCurveTests {
    @Test func splineThroughCirclePointsStaysOnTheCircle() throws {
        let n = 40
        let points = (0..<n).map { k in
            let t = 2 * Double.pi * Double(k) / Double(n)
            return Point(3 + 2 * cos(t), 1 + 2 * sin(t))
        }
        let curve = try ClosedCurve(through: points)
        for k in 0..<400 {
            let p = curve.point(at: curve.period * Double(k) / 400)
            #expect(abs(p.distance(to: Point(3, 1)) - 2) < 1e-5)
        }
        #expect(abs(curve.length - 4 * Double.pi) < 1e-4)
        #expect(abs(curve.signedArea - 4 * Double.pi) < 1e-3)
        #expect(curve.point(at: curve.period + 0.3) == curve.point(at: 0.3) || curve.point(at: curve.period + 0.3).distance(to: curve.point(at: 0.3)) < 1e-12)
        for (k, p) in points.enumerated() { #expect(curve.point(at: curve.parameters[k]).distance(to: p) < 1e-12) }
    }

    @Test func degenerateInputThrows() {
        #expect(throws: MeshError.self) { try ClosedCurve(through: [Point(0, 0), Point(1, 0), Point(1, 0)]) }
        #expect(throws: MeshError.self) { try ClosedCurve(through: [Point(0, 0), Point(1, .nan), Point(1, 1)]) }
    }
}

@Suite struct ContourSmoothingTests {
    @Test func offsetRestoresTheArea() {
        let square = [Point(0, 0), Point(1, 0), Point(2, 0), Point(2, 1), Point(2, 2), Point(1, 2), Point(0, 2), Point(0, 1)]
        let smoothed = ContourSmoothing().smooth(square)
        #expect(PolygonGeometry.signedArea(smoothed) < 4)
        let restored = ContourSmoothing.offset(smoothed, toArea: 4)
        #expect(abs(PolygonGeometry.signedArea(restored) - 4) < 1e-6)
        // Clockwise input keeps its orientation and reaches |A|.
        let clockwise = ContourSmoothing.offset(Array(smoothed.reversed()), toArea: 4)
        #expect(abs(PolygonGeometry.signedArea(clockwise) + 4) < 1e-6)
    }

    @Test func wallOffsetReachesTheWallArea() {
        func circle(_ r: Double, _ n: Int, clockwise: Bool) -> [Point] {
            (0..<n).map { k in
                let t = (clockwise ? -1.0 : 1.0) * 2 * Double.pi * Double(k) / Double(n)
                return Point(r * cos(t), r * sin(t))
            }
        }
        let (outer, lumen) = ContourSmoothing.offsetWall(outer: circle(2, 200, clockwise: false), lumen: circle(1, 100, clockwise: true), toArea: 9.5)
        let wall = PolygonGeometry.signedArea(outer) + PolygonGeometry.signedArea(lumen)
        #expect(abs(wall - 9.5) < 1e-6)
        #expect(outer[0].length > 2 && lumen[0].length < 1)
    }
}

@Suite struct PixelBorderFitTests {
    /// A disk of radius `radius` px centred at `centre` on a 40 x 40 grid (pixel-centre test), and a
    /// border around it with a mode-4 wiggle of `wiggle` px, like the staircase of a rasterized circle.
    static func disk(radius: Double, centre: Point, wiggle: Double) -> (inside: [Bool], border: [Point]) {
        var inside = [Bool](repeating: false, count: 40 * 40)
        for r in 0..<40 {
            for c in 0..<40 { inside[r * 40 + c] = Point(Double(c) + 0.5, Double(r) + 0.5).distance(to: centre) < radius }
        }
        let border = (0..<64).map { k -> Point in
            let theta = 2 * Double.pi * Double(k) / 64
            return centre + (radius + wiggle * cos(4 * theta)) * Point(cos(theta), sin(theta))
        }
        return (inside, border)
    }

    @Test func gradientAndHessianMatchCentralDifferences() throws {
        let (inside, border) = Self.disk(radius: 6.3, centre: Point(20.2, 19.7), wiggle: 0.15)
        let problem = try #require(PixelBorderFit(minimumWavelength: 6).problem(border, inside: inside, rows: 40, columns: 40))
        let objective = problem.objective
        // A fixed, non-trivial point: offsets of a tenth of a pixel in every mode.
        let c = (0..<objective.count).map { 0.1 * sin(1.7 * Double($0) + 0.3) }
        let (gradient, hessian) = objective.gradientAndHessian(c)
        let h = 1e-6
        for m in 0..<objective.count {
            var plus = c, minus = c
            plus[m] += h
            minus[m] -= h
            let numeric = (objective.energy(plus) - objective.energy(minus)) / (2 * h)
            #expect(abs(numeric - gradient[m]) <= 1e-5 * max(1, abs(gradient[m])), "gradient \(m): \(gradient[m]) vs \(numeric)")
            let gPlus = objective.gradientAndHessian(plus).gradient, gMinus = objective.gradientAndHessian(minus).gradient
            for a in 0..<objective.count {
                let numericHessian = (gPlus[a] - gMinus[a]) / (2 * h)
                let exact = hessian[a * objective.count + m]
                #expect(abs(numericHessian - exact) <= 1e-4 * max(1, abs(exact)), "hessian (\(a), \(m)): \(exact) vs \(numericHessian)")
            }
        }
    }

    @Test func refinedBorderDropsTheStaircaseWiggleAndReproducesTheMask() throws {
        let centre = Point(20.2, 19.7), radius = 6.3
        let (inside, border) = Self.disk(radius: radius, centre: centre, wiggle: 0.15)
        let refined = try #require(PixelBorderFit(minimumWavelength: 6).refine(border, inside: inside, rows: 40, columns: 40))
        // Mean radius and mode-4 amplitude of the radial error about the true centre.
        func modes(_ points: [Point]) -> (mean: Double, mode4: Double) {
            var mean = 0.0, a = 0.0, b = 0.0
            for p in points {
                let e = p.distance(to: centre) - radius, theta = atan2(p.y - centre.y, p.x - centre.x)
                mean += e
                a += e * cos(4 * theta)
                b += e * sin(4 * theta)
            }
            let n = Double(points.count)
            return (mean / n, 2 * (a * a + b * b).squareRoot() / n)
        }
        let before = modes(border), after = modes(refined)
        #expect(abs(before.mode4 - 0.15) < 0.01)
        #expect(after.mode4 < 0.5 * before.mode4, "mode-4 wiggle \(after.mode4) px (before \(before.mode4) px)")
        #expect(abs(after.mean) < 0.05, "mean radial error \(after.mean) px")
        // Every pixel centre stays on its side of the refined border.
        var wrong = 0
        for r in 0..<40 {
            for c in 0..<40 where PolygonGeometry.contains(refined, Point(Double(c) + 0.5, Double(r) + 0.5)) != inside[r * 40 + c] {
                wrong += 1
            }
        }
        #expect(wrong == 0)
    }

    @Test func tooLittleDataGivesNoFit() {
        let (inside, border) = Self.disk(radius: 6.3, centre: Point(20.2, 19.7), wiggle: 0)
        #expect(PixelBorderFit(minimumWavelength: 6).refine(Array(border.prefix(8)), inside: inside, rows: 40, columns: 40) == nil)
        #expect(PixelBorderFit(minimumWavelength: 6).refine(border, inside: [], rows: 40, columns: 40) == nil)
    }
}

@Suite struct PolygonGeometryTests {
    /// Random closed polygons, seeded: wobbly stars (simple or not) and random walks (crossing often).
    static func polygons(count: Int, seed: UInt64) -> [[Point]] {
        var state = seed
        func uniform() -> Double {
            // 64-bit LCG (Knuth's MMIX constants); the top 53 bits as a fraction.
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<count).map { k in
            let n = 4 + Int(uniform() * 60)
            if k % 2 == 0 {
                let wobble = uniform()
                return (0..<n).map { i in
                    let angle = 2 * Double.pi * Double(i) / Double(n), r = 5 + 4 * wobble * (uniform() - 0.5) * 2
                    return Point(10 + r * cos(angle), 10 + r * sin(angle))
                }
            }
            return (0..<n).map { _ in Point(20 * uniform(), 20 * uniform()) }
        }
    }

    /// The sweep finds the same first crossing pair as the plain double loop it replaced.
    @Test func selfIntersectionMatchesTheDoubleLoop() {
        var crossing = 0
        for p in Self.polygons(count: 400, seed: 7) {
            let n = p.count
            var expected: (Int, Int)?
            search: for i in 0..<n {
                for j in stride(from: i + 2, to: n, by: 1) where !(i == 0 && j == n - 1) {
                    if PolygonGeometry.segmentsIntersect(p[i], p[(i + 1) % n], p[j], p[(j + 1) % n]) { expected = (i, j); break search }
                }
            }
            let found = PolygonGeometry.selfIntersection(p)
            #expect(found?.0 == expected?.0 && found?.1 == expected?.1, "\(p)")
            if expected != nil { crossing += 1 }
        }
        #expect(crossing > 100 && crossing < 400, "both kinds present: \(crossing) of 400 cross")
    }

    /// The scan-line fill selects exactly the pixel centres `contains` selects.
    @Test func pixelCentresInsideMatchContains() {
        for p in Self.polygons(count: 200, seed: 11) {
            var scanned = Set<Int>()
            PolygonGeometry.forEachPixelCentre(inside: p, rows: 0...20, columns: 0...20) { r, c in scanned.insert(r * 21 + c) }
            let expected = Set((0..<(21 * 21)).filter { PolygonGeometry.contains(p, Point(Double($0 % 21) + 0.5, Double($0 / 21) + 0.5)) })
            #expect(scanned == expected)
        }
    }
}
