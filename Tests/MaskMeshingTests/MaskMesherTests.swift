import Foundation
import Testing
@testable import FEM
@testable import Meshing

/// Checks shared by every mask mesh: angle bound, Taylor-Hood interior vertices, tagged curved
/// borders, wall area.
func expectQualityMesh(_ result: MaskMeshResult, minimumAngle: Double = 25, checksPixelArea: Bool = true) {
    let mesh = result.mesh
    #expect(result.quality.minimumAngle >= minimumAngle)
    var onBorder = [Bool](repeating: false, count: mesh.points.count)
    for s in mesh.boundarySegments {
        onBorder[Int(s.start)] = true
        onBorder[Int(s.end)] = true
    }
    let allBorder = mesh.triangles.filter { onBorder[Int($0.x)] && onBorder[Int($0.y)] && onBorder[Int($0.z)] }
    #expect(allBorder.isEmpty)
    for t in mesh.triangles.indices { #expect(mesh.signedArea(ofTriangle: t) > 0) }
    #expect(mesh.boundarySegments.allSatisfy { $0.midpoint != nil })
    #expect(!mesh.segments(tagged: .lumen).isEmpty && !mesh.segments(tagged: .outer).isEmpty)
    // The midpoint sits on the curve close to the chord (a sagitta, far below the segment length).
    for s in mesh.boundarySegments {
        let a = mesh.points[Int(s.start)], b = mesh.points[Int(s.end)]
        let chordMid = 0.5 * (a + b)
        #expect(s.midpoint!.distance(to: chordMid) < 0.1 * a.distance(to: b))
    }
    if checksPixelArea { #expect(abs(result.relativeAreaError) < 0.01) }
    #expect(abs(result.meshArea - mesh.area) < 1e-12)
}

@Suite struct MaskMesherTests {
    @Test func circleAnnulusStaysWithinHalfAPixelOfTheTrueCircles() throws {
        let result = try MaskMesher().mesh(values: MaskPhantoms.annulus(), rows: 64, columns: 64, pixelSize: MaskPhantoms.pixelSize)
        expectQualityMesh(result)
        let mesh = result.mesh
        var worst = 0.0
        for s in mesh.boundarySegments {
            let radius = s.tag == .lumen ? 1.2 : 2.2
            for p in [mesh.points[Int(s.start)], mesh.points[Int(s.end)], s.midpoint!] {
                worst = max(worst, abs(p.distance(to: MaskPhantoms.centre) - radius))
            }
        }
        #expect(worst < 0.5 * MaskPhantoms.pixelSize)
        // The smooth curves returned for plotting stay on the circles too.
        for p in result.lumenBorder { #expect(abs(p.distance(to: MaskPhantoms.centre) - 1.2) < 0.5 * MaskPhantoms.pixelSize) }
        for p in result.outerBorder { #expect(abs(p.distance(to: MaskPhantoms.centre) - 2.2) < 0.5 * MaskPhantoms.pixelSize) }
        // Wall pixels of the rasterized annulus, against the mesh.
        let wallPixels = MaskPhantoms.annulus().reduce(0, +)
        #expect(result.pixelWallArea == wallPixels * 0.125 * 0.125)
        // Border edges are about the target length: h = 1 px = 0.125 mm on the lumen, 2 h outside.
        for s in mesh.boundarySegments {
            let length = mesh.points[Int(s.start)].distance(to: mesh.points[Int(s.end)])
            let h = s.tag == .lumen ? 0.125 : 0.25
            #expect(length > 0.3 * h && length < 1.5 * h)
        }
    }

    @Test func eccentricIrregularWallMeshesAndSolves() throws {
        let mask = MaskPhantoms.eccentric()
        let result = try MaskMesher().mesh(values: mask, rows: 64, columns: 64)
        expectQualityMesh(result)
        // Borders within half a pixel of the analytic shape.
        let mesh = result.mesh
        for s in mesh.boundarySegments {
            for p in [mesh.points[Int(s.start)], s.midpoint!] {
                let error: Double
                if s.tag == .outer {
                    let o = p - MaskPhantoms.centre
                    error = o.length - MaskPhantoms.outerRadius(atan2(o.y, o.x))
                } else {
                    let l = p - MaskPhantoms.lumenCentre
                    error = l.length - MaskPhantoms.lumenRadius(atan2(l.y, l.x))
                }
                #expect(abs(error) < 0.5 * MaskPhantoms.pixelSize)
            }
        }

        // A coarser mesh of the same mask keeps the debug-build solve short.
        let coarse = try MaskMesher(MaskMeshingOptions(targetEdgeLength: 0.2)).mesh(values: mask, rows: 64, columns: 64)
        expectQualityMesh(coarse)
        let solution = try WallSolver(mesh: coarse.mesh).solve(LoadSchedule.toSystole(.physiological))
        let systole = solution.systole
        let positions = solution.nodes.positions
        var lumenNodes: [Int] = []
        for s in coarse.mesh.segments(tagged: .lumen) { lumenNodes += [Int(s.start)] }
        var thin = -Double.infinity, thick = -Double.infinity
        for n in lumenNodes {
            let stress = systole.nodalStress[n].maximumPrincipal
            #expect(stress.isFinite)
            if positions[n].x > MaskPhantoms.lumenCentre.x { thin = max(thin, stress) } else { thick = max(thick, stress) }
        }
        let peak = systole.nodalStress.map(\.maximumPrincipal).max()!
        #expect(peak.isFinite && peak > 0)
        #expect(thin > thick)
    }

    @Test func sameMaskGivesTheSameMeshBitForBit() throws {
        let mask = MaskPhantoms.eccentric()
        let first = try MaskMesher().mesh(values: mask, rows: 64, columns: 64)
        let second = try MaskMesher().mesh(values: mask, rows: 64, columns: 64)
        #expect(first.mesh == second.mesh)
        #expect(first.mesh.points.map(\.x.bitPattern) == second.mesh.points.map(\.x.bitPattern))
        #expect(first.mesh.points.map(\.y.bitPattern) == second.mesh.points.map(\.y.bitPattern))
        #expect(first.outerBorder == second.outerBorder && first.lumenBorder == second.lumenBorder)
    }

    @Test func segmentsFollowEachBorderInOrderWithTheWallOnTheLeft() throws {
        let mesh = try MaskMesher().mesh(values: MaskPhantoms.annulus(), rows: 64, columns: 64).mesh
        for tag in BoundaryTag.allCases {
            let segments = mesh.segments(tagged: tag)
            for (i, s) in segments.enumerated() {
                #expect(s.end == segments[(i + 1) % segments.count].start)
            }
        }
        for s in mesh.boundarySegments {
            let owner = mesh.triangles.contains { t in
                (t.x == s.start && t.y == s.end) || (t.y == s.start && t.z == s.end) || (t.z == s.start && t.x == s.end)
            }
            #expect(owner)
        }
    }

    @Test func optionsChangeTheElementSize() throws {
        let mask = MaskPhantoms.annulus()
        let fine = try MaskMesher(MaskMeshingOptions(targetEdgeLength: 0.075)).mesh(values: mask, rows: 64, columns: 64)
        let coarse = try MaskMesher(MaskMeshingOptions(targetEdgeLength: 0.15, minimumAngle: 30)).mesh(values: mask, rows: 64, columns: 64)
        expectQualityMesh(coarse, minimumAngle: 30)
        #expect(coarse.mesh.triangles.count * 2 < fine.mesh.triangles.count)
        // Pixel size scales the geometry: the same mask at 0.25 mm pixels has four times the area.
        let doubled = try MaskMesher(MaskMeshingOptions(targetEdgeLength: 0.3)).mesh(values: mask, rows: 64, columns: 64, pixelSize: 0.25)
        #expect(abs(doubled.pixelWallArea - 4 * coarse.pixelWallArea) < 1e-12)
        #expect(abs(doubled.meshArea / coarse.meshArea - 4) < 0.01)
    }

    @Test func gradingFromTheLumenSavesTriangles() throws {
        let mask = MaskPhantoms.eccentric()
        let uniform = try MaskMesher(MaskMeshingOptions(outerEdgeLengthFactor: 1)).mesh(values: mask, rows: 64, columns: 64)
        let graded = try MaskMesher(MaskMeshingOptions(outerEdgeLengthFactor: 3)).mesh(values: mask, rows: 64, columns: 64)
        expectQualityMesh(uniform)
        expectQualityMesh(graded)
        #expect(graded.mesh.triangles.count * 2 < uniform.mesh.triangles.count)
        // The lumen border keeps the fine spacing.
        let lumenGraded = graded.mesh.segments(tagged: .lumen).count, lumenUniform = uniform.mesh.segments(tagged: .lumen).count
        #expect(abs(lumenGraded - lumenUniform) * 10 <= lumenUniform)
        #expect(graded.mesh.segments(tagged: .outer).count * 2 < uniform.mesh.segments(tagged: .outer).count)
    }

    @Test func softMaskValuesAreContouredAtOneHalf() throws {
        // Anti-aliased annulus: values are the fraction of 4 x 4 sub-samples inside.
        var values = [Double](repeating: 0, count: 64 * 64)
        for r in 0..<64 {
            for c in 0..<64 {
                var inside = 0
                for i in 0..<4 {
                    for j in 0..<4 {
                        let p = Point((Double(c) + (Double(j) + 0.5) / 4) * 0.125, (Double(r) + (Double(i) + 0.5) / 4) * 0.125)
                        let d = p.distance(to: MaskPhantoms.centre)
                        if d >= 1.2 && d <= 2.2 { inside += 1 }
                    }
                }
                values[r * 64 + c] = Double(inside) / 16
            }
        }
        let result = try MaskMesher().mesh(values: values, rows: 64, columns: 64)
        expectQualityMesh(result, checksPixelArea: false)
        // Counting pixels above 0.5 misses 4.6 % of this anti-aliased wall; the borders keep the
        // area of the 0.5-level contours, which matches the coverage (the true area) to 1 %.
        let coverage = values.reduce(0, +) * 0.125 * 0.125
        #expect(abs(result.meshArea - coverage) < 0.01 * coverage)
    }
}

@Suite struct MaskMesherErrorTests {
    func mesh(_ values: [Double], rows: Int = 64, columns: Int = 64, pixelSize: Double = 0.125) throws(MeshError) -> MaskMeshResult {
        try MaskMesher().mesh(values: values, rows: rows, columns: columns, pixelSize: pixelSize)
    }

    @Test func allZerosIsAnEmptyMask() {
        #expect(throws: MeshError.invalidMask("the mask has no wall pixels (no value above 0.5)")) {
            try mesh([Double](repeating: 0, count: 64 * 64))
        }
    }

    @Test func wallWithoutAHoleHasNoLumen() {
        let disk = MaskPhantoms.rasterize { $0.distance(to: MaskPhantoms.centre) <= 2 }
        #expect(throws: MeshError.unexpectedContours(outer: 1, lumen: 0)) { try mesh(disk) }
    }

    @Test func twoSeparateRingsAreRejected() {
        let rings = MaskPhantoms.rasterize { p in
            let d1 = p.distance(to: Point(2, 4)), d2 = p.distance(to: Point(6, 4))
            return (d1 >= 0.6 && d1 <= 1.4) || (d2 >= 0.6 && d2 <= 1.4)
        }
        #expect(throws: MeshError.unexpectedContours(outer: 2, lumen: 2)) { try mesh(rings) }
    }

    @Test func twoLumensAreRejected() {
        let wall = MaskPhantoms.rasterize { p in
            p.distance(to: MaskPhantoms.centre) <= 3 && p.distance(to: Point(3, 4)) >= 0.6 && p.distance(to: Point(5, 4)) >= 0.6
        }
        #expect(throws: MeshError.unexpectedContours(outer: 1, lumen: 2)) { try mesh(wall) }
    }

    @Test func badSizesAndValuesAreTypedErrors() {
        let annulus = MaskPhantoms.annulus()
        #expect(throws: MeshError.self) { try mesh(annulus, rows: 63) }
        #expect(throws: MeshError.self) { try mesh([], rows: 0, columns: 0) }
        #expect(throws: MeshError.self) { try mesh([], rows: Int.max, columns: 2) }
        #expect(throws: MeshError.self) { try mesh(annulus, pixelSize: 0) }
        #expect(throws: MeshError.self) { try mesh(annulus, pixelSize: .infinity) }
        var withNaN = annulus
        withNaN[100] = .nan
        #expect(throws: MeshError.self) { try mesh(withNaN) }
        #expect(throws: MeshError.self) {
            try MaskMesher(MaskMeshingOptions(targetEdgeLength: -1)).mesh(values: annulus, rows: 64, columns: 64)
        }
        #expect(throws: MeshError.self) {
            try MaskMesher(MaskMeshingOptions(minimumAngle: 40)).mesh(values: annulus, rows: 64, columns: 64)
        }
    }

    @Test func tooSmallATriangleBudgetIsATypedError() {
        #expect(throws: MeshError.self) {
            try MaskMesher(MaskMeshingOptions(maximumTriangleCount: 200)).mesh(values: MaskPhantoms.annulus(), rows: 64, columns: 64)
        }
    }

    @Test func oddMasksNeverCrash() {
        // Seeded random blobs, thin rings and masks touching the image border: each either meshes
        // to a valid result or throws a MeshError.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 11) / Double(1 << 53)
        }
        var masks: [[Double]] = []
        for _ in 0..<6 { masks.append((0..<(64 * 64)).map { _ in random() < 0.5 ? 1 : 0 }) }
        masks.append(MaskPhantoms.annulus(inner: 1.2, outer: 1.3))
        masks.append(MaskPhantoms.annulus(inner: 1.2, outer: 1.45))
        masks.append(MaskPhantoms.annulus(inner: 2.5, outer: 4.5))
        masks.append(MaskPhantoms.annulus(inner: 0.1, outer: 1))
        masks.append(MaskPhantoms.rasterize { _ in true })
        masks.append(MaskPhantoms.rasterize { p in Int(p.x / 0.125) % 2 == 0 })
        for mask in masks {
            do {
                let result = try mesh(mask)
                #expect(result.quality.minimumAngle >= 25)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
