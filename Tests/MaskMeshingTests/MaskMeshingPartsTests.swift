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
