import Foundation
import Meshing
import Testing

/// Contour files, checked wall borders, contour meshing and geometric element sizes.
@Suite struct ContourMeshingTests {
    /// A circle of `count` points (counter-clockwise in x, y), optionally repeating the first point.
    static func circle(centre: Point = Point(4, 4), radius: Double, count: Int = 200, closed: Bool = false) -> [Point] {
        var points = (0..<count).map { k in
            let a = 2 * Double.pi * Double(k) / Double(count)
            return Point(centre.x + radius * cos(a), centre.y + radius * sin(a))
        }
        if closed { points.append(points[0]) }
        return points
    }

    static func rows(frame: Int, _ points: [Point], separator: String = "\t") -> String {
        points.map { "\(frame)\(separator)\($0.x)\(separator)\($0.y)\(separator)0.5" }.joined(separator: "\n")
    }

    @Test func readsTabAndCommaFilesWithHeaderCRLFAndOpenOrClosedPolylines() throws {
        let closed = Self.circle(radius: 1, count: 20, closed: true)
        let open = Self.circle(radius: 2, count: 30)
        let tab = Self.rows(frame: 7, closed) + "\n" + Self.rows(frame: 3, open) + "\n"
        let contours = try BorderContourFile.parse(tab, path: "t.csv")
        #expect(contours.map(\.frame) == [3, 7])
        #expect(contours[0].points.count == 30 && contours[1].points.count == 20, "a repeated last point is dropped")
        #expect(contours[1].position == 0.5)
        let comma = "frame,x,y\r\n" + Self.rows(frame: 13, open, separator: ",").replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try BorderContourFile.parse(comma, path: "c.csv").first?.points.count == 30)
        // Frame numbers written as floats with integral values are fine.
        #expect(try BorderContourFile.parse("13.0 1 2\n13.0 2 2\n", path: "f").first?.frame == 13)
    }

    @Test func malformedRowsAreTypedErrorsWithTheLine() throws {
        #expect(throws: ContourError.malformedLine(path: "a", line: 2, reason: "expected 'frame, x, y[, z]', got 2 fields")) {
            try BorderContourFile.parse("1\t0\t0\n1\t2\n", path: "a")
        }
        #expect(throws: ContourError.self) { try BorderContourFile.parse("1\t0\t0\n1\tx\t2\n", path: "a") }
        #expect(throws: ContourError.self) { try BorderContourFile.parse("1.5\t0\t0\n", path: "a") }
        #expect(throws: ContourError.self) { try BorderContourFile.read(at: "/nonexistent/contours.csv") }
    }

    @Test func badBordersGetTypedErrorsWithTheFrame() {
        func error(_ lumen: [Point], _ outer: [Point]) -> ContourError? {
            do { _ = try WallBorders(frame: 9, lumen: lumen, outer: outer); return nil } catch { return error }
        }
        let lumen = Self.circle(radius: 1), outer = Self.circle(radius: 2)
        #expect(error(lumen, outer) == nil)
        #expect(error(Array(lumen.prefix(5)), outer)?.code == 3)
        var nan = lumen
        nan[4] = Point(.nan, 1)
        #expect(error(nan, outer)?.code == 4)
        // A figure eight crosses itself.
        let eight = (0..<100).map { k -> Point in
            let t = 2 * Double.pi * Double(k) / 100
            return Point(4 + 1.5 * sin(t), 4 + 1.5 * sin(t) * cos(t))
        }
        #expect(error(lumen, eight)?.code == 5)
        #expect(error(Self.circle(radius: 2.5), outer)?.code == 6, "lumen crossing the EEM")
        #expect(error(Self.circle(centre: Point(20, 20), radius: 1), outer)?.code == 6, "lumen outside the EEM")
        #expect(error(lumen, outer)?.frame == nil)
        #expect(error(Array(lumen.prefix(5)), outer)?.frame == 9)

        let pairs = WallBorders.pair(
            lumens: [BorderContour(frame: 1, points: lumen), BorderContour(frame: 2, points: lumen)],
            outers: [BorderContour(frame: 1, points: outer), BorderContour(frame: 3, points: outer)])
        #expect(pairs.map(\.frame) == [1, 2, 3])
        #expect((try? pairs[0].borders.get()) != nil)
        #expect(pairs[1].borders.failureCode == 7 && pairs[2].borders.failureCode == 7)
    }

    @Test func bordersAreOrientedAndRasterisedAtPixelCentres() throws {
        // Given clockwise outer and counter-clockwise lumen, the borders come back the other way round.
        let borders = try WallBorders(frame: 0, lumen: Self.circle(radius: 1).reversed().reversed(), outer: Self.circle(radius: 2).reversed())
        #expect(borders.outerArea > 0 && borders.lumenArea > 0)
        #expect(abs(borders.wallArea - 3 * Double.pi) < 0.01)
        let (rows, columns, s) = (40, 37, 0.21)
        let wall = borders.wallPixels(rows: rows, columns: columns, pixelSize: s)
        var mismatches = 0
        for r in 0..<rows {
            for c in 0..<columns where wall[r * columns + c] != borders.wallContains(Point((Double(c) + 0.5) * s, (Double(r) + 0.5) * s)) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
        #expect(wall.contains(true))
    }

    @Test func contourMeshOfAnAnnulusIsSizedByItsGeometry() throws {
        let mesher = ContourMesher()
        let thick = try mesher.mesh(try WallBorders(frame: 0, lumen: Self.circle(radius: 1, count: 400), outer: Self.circle(radius: 2, count: 400)))
        #expect(abs(thick.meshArea / (3 * Double.pi) - 1) < 2e-3)
        #expect(thick.quality.minimumAngle >= 25 - 1e-9)
        // The same mesh bit for bit.
        let again = try mesher.mesh(try WallBorders(frame: 0, lumen: Self.circle(radius: 1, count: 400), outer: Self.circle(radius: 2, count: 400)))
        #expect(again.mesh.points == thick.mesh.points && again.mesh.triangles == thick.mesh.triangles)
        // Lumen edges about P_l / n long.
        let lumenEdges = thick.mesh.boundarySegments.filter { $0.tag == .lumen }.count
        let n = Int(ContourMeshingOptions().sizing.circumferentialElements)
        #expect(abs(lumenEdges - n) <= n / 8, "\(lumenEdges) lumen segments for n = \(n)")

        // A wall 0.05 mm thick gets at least the requested elements across: its triangles are no
        // larger than thickness / k, so their count grows like perimeter x k / thickness.
        let thin = try mesher.mesh(try WallBorders(frame: 0, lumen: Self.circle(radius: 1.5, count: 400), outer: Self.circle(radius: 1.55, count: 400)))
        let k = ContourMeshingOptions().sizing.elementsAcrossWall
        let longest = thin.mesh.triangles.map { t -> Double in
            let a = thin.mesh.points[Int(t.x)], b = thin.mesh.points[Int(t.y)], c = thin.mesh.points[Int(t.z)]
            return max(a.distance(to: b), b.distance(to: c), c.distance(to: a))
        }.max()!
        #expect(longest <= 1.6 * 0.05 / k, "longest edge \(longest) mm in a 0.05 mm wall")
        #expect(abs(thin.meshArea / (Double.pi * (1.55 * 1.55 - 1.5 * 1.5)) - 1) < 5e-3)
    }

    @Test func aFineMaskOfAWallGetsAboutTheMeshOfItsContours() throws {
        // A 1.2 / 2.0 mm ring imaged at 512 x 512 over 6 mm and at 128 x 128: with geometric sizing the
        // two masks give meshes of about the size of the contour mesh, not 16x apart.
        let borders = try WallBorders(frame: 0, lumen: Self.circle(centre: Point(3, 3), radius: 1.2, count: 400),
                                      outer: Self.circle(centre: Point(3, 3), radius: 2, count: 400))
        let contour = try ContourMesher().mesh(borders).mesh.triangles.count
        for size in [128, 512] {
            let s = 6.0 / Double(size)
            let wall = borders.wallPixels(rows: size, columns: size, pixelSize: s).map { $0 ? 1.0 : 0.0 }
            let meshed = try MaskMesher().mesh(values: wall, rows: size, columns: size, pixelSize: s)
            let ratio = Double(meshed.mesh.triangles.count) / Double(contour)
            #expect(ratio > 0.5 && ratio < 2, "\(size) px mask: \(meshed.mesh.triangles.count) triangles, contours \(contour)")
        }
    }

    /// The root-mean-square and largest curvature error (1/mm) of `curve` against the polar curve
    /// r(theta) around `centre`, kappa = (r^2 + 2 r'^2 - r r'') / (r^2 + r'^2)^(3/2), over dense
    /// samples (curvature of the circle through three neighbours).
    static func curvatureErrors(of curve: ClosedCurve, centre: Point, radius: (Double) -> (r: Double, r1: Double, r2: Double)) -> (rms: Double, largest: Double) {
        let samples = curve.samples(count: 2000)
        var largest = 0.0, sum = 0.0
        for k in samples.indices {
            let a = samples[(k + samples.count - 1) % samples.count], b = samples[k], c = samples[(k + 1) % samples.count]
            let cross = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
            let measured = 2 * abs(cross) / (a.distance(to: b) * b.distance(to: c) * c.distance(to: a))
            let (r, r1, r2) = radius(atan2(b.y - centre.y, b.x - centre.x))
            let exact = (r * r + 2 * r1 * r1 - r * r2) / pow(r * r + r1 * r1, 1.5)
            largest = max(largest, abs(measured - exact))
            sum += (measured - exact) * (measured - exact)
        }
        return ((sum / Double(samples.count)).squareRoot(), largest)
    }

    @Test func aFineMaskKeepsNoBorderShapeFinerThanTheScannerResolves() throws {
        // A three-lobed lumen (r = R (1 + 0.08 cos 3 theta), R = 0.9 mm) in a 1.6 mm EEM, imaged at 512 x 512
        // over 7.5 mm (0.0146 mm pixels, far below IVUS resolution): the staircase of the pixels
        // beats at wavelengths the pixel-scale filters keep, and its curvature wiggles raise the
        // stress at the lumen. The scanner-resolution floor of the low-pass removes them; the lobes stay.
        let centre = Point(3.75, 3.75)
        let lumenRadius = 0.9, outerRadius = 1.6
        let lobes: (Double) -> (r: Double, r1: Double, r2: Double) = { theta in
            (lumenRadius * (1 + 0.08 * cos(3 * theta)), -lumenRadius * 0.24 * sin(3 * theta), -lumenRadius * 0.72 * cos(3 * theta))
        }
        let lumen = (0..<600).map { k -> Point in
            let theta = 2 * Double.pi * Double(k) / 600
            return Point(centre.x + lobes(theta).r * cos(theta), centre.y + lobes(theta).r * sin(theta))
        }
        let borders = try WallBorders(frame: 0, lumen: lumen, outer: Self.circle(centre: centre, radius: outerRadius, count: 600))
        let size = 512, s = 7.5 / Double(size)
        let wall = borders.wallPixels(rows: size, columns: size, pixelSize: s).map { $0 ? 1.0 : 0.0 }
        var pixelFilters = MaskMeshingOptions()
        pixelFilters.scannerResolution = 0
        let withFloor = try MaskMesher().mesh(values: wall, rows: size, columns: size, pixelSize: s)
        let withoutFloor = try MaskMesher(pixelFilters).mesh(values: wall, rows: size, columns: size, pixelSize: s)
        let with = Self.curvatureErrors(of: withFloor.lumenCurve, centre: centre, radius: lobes)
        let without = Self.curvatureErrors(of: withoutFloor.lumenCurve, centre: centre, radius: lobes)
        // Exact curvature 0.3-1.7 / mm. Measured: rms 0.12 / mm with the floor, 0.59 without; largest 0.23 and 2.6.
        #expect(with.rms < 0.5 * without.rms, "curvature error rms \(with.rms) / mm with the floor, \(without.rms) without")
        #expect(with.largest < 0.5 * without.largest, "largest curvature error \(with.largest) / mm with the floor, \(without.largest) without")
        #expect(with.rms < 0.2, "curvature error rms \(with.rms) / mm")
    }

    @Test func aNegativeScannerResolutionIsRefused() throws {
        var options = MaskMeshingOptions()
        options.scannerResolution = -0.1
        #expect(throws: MeshError.self) { try options.validate() }
        // Options stored before the floor existed read as no floor (what those files were labeled with).
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(MaskMeshingOptions())) as! [String: Any]
        #expect(old["scannerResolution"] as? Double == 0.2)
        old["scannerResolution"] = nil
        let decoded = try JSONDecoder().decode(MaskMeshingOptions.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.scannerResolution == 0)
    }
}

extension Result where Failure == ContourError {
    var failureCode: Int? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
