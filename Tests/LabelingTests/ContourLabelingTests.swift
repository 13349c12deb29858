import FEM
import Foundation
import Labeling
import Meshing
import Raster
import Testing

/// Labeling from border contours: the exact ring, bad grids, and the real pullback when it is there.
@Suite struct ContourLabelingTests {
    static func circle(centre: Point, radius: Double, count: Int = 400) -> [Point] {
        (0..<count).map { k in
            let a = 2 * Double.pi * Double(k) / Double(count)
            return Point(centre.x + radius * cos(a), centre.y + radius * sin(a))
        }
    }

    @Test func ringContoursGiveTheExactHoopStressAtThePixelCentres() throws {
        // Contours in some scanner frame (centre at (10, -3) mm); the grid is centred on the EEM.
        let (inner, outer) = (1.2, 2.2)
        let centre = Point(10, -3)
        let borders = try WallBorders(frame: 5, lumen: Self.circle(centre: centre, radius: inner),
                                      outer: Self.circle(centre: centre, radius: outer))
        let placement = try #require(FramePlacement.centred(on: borders, side: 6, size: 64))
        #expect(abs(placement.originX - 7) < 1e-9 && abs(placement.originY + 6) < 1e-9)
        let label = try FEMLabeler().label(borders, on: placement)
        #expect(label.mask == nil)
        // The 400-gon's area-equivalent radii: the polygon is the geometry the mesh follows.
        let shrink = (sin(2 * Double.pi / 400) / (2 * Double.pi / 400)).squareRoot()
        let exact = try ThickWalledRingSolution(material: .vesselWall, innerRadius: inner * shrink, outerRadius: outer * shrink,
                                                pressureKPa: 120 * kilopascalsPerMillimetreOfMercury)
        let grid = placement.grid
        var errorSquared = 0.0, normSquared = 0.0, wallPixels = 0, expectedPeak = 0.0
        for index in 0..<grid.count {
            let (row, column) = grid.pixel(at: index)
            let p = grid.center(row: row, column: column)
            let R = ((p.x - 3) * (p.x - 3) + (p.y - 3) * (p.y - 3)).squareRoot()
            if label.wall.pixels[index] != 0 {
                #expect(R > inner * 0.999 && R < outer * 1.001)
                wallPixels += 1
                let expected = exact.hoopStress(atReferenceRadius: R)
                expectedPeak = max(expectedPeak, expected)
                errorSquared += (Double(label.stress[index]) - expected) * (Double(label.stress[index]) - expected)
                normSquared += expected * expected
            } else {
                #expect(label.stress[index] == 0)
            }
        }
        // No rasterise-and-reconstruct loss: the map follows the exact ring to a fraction of a per cent
        // (a 64x64 annulus mask of the same ring: 2.7 %, see FEMLabelerTests).
        let relativeL2 = (errorSquared / normSquared).squareRoot()
        #expect(relativeL2 < 0.005, "relative L2 error \(relativeL2)")
        #expect(abs(Double(label.peak) / expectedPeak - 1) < 0.005, "peak \(label.peak) vs \(expectedPeak)")
        #expect(wallPixels > 500)
        #expect(label.report.maximumReaction < 1e-8)
    }

    @Test func aGridThatMissesTheEEMIsATypedError() throws {
        let borders = try WallBorders(frame: 12, lumen: Self.circle(centre: Point(0, 0), radius: 1),
                                      outer: Self.circle(centre: Point(0, 0), radius: 2))
        let grid = try #require(PixelGrid(rows: 32, columns: 32, pixelSize: 0.1))
        let result = Result { () throws(LabelingFailure) in try FEMLabeler().label(borders, on: FramePlacement(originX: 0, originY: 0, grid: grid)) }
        guard case .failure(let failure) = result, case .invalidContours(let error) = failure else {
            Issue.record("expected an invalid-contours failure, got \(result)")
            return
        }
        #expect(error.frame == 12 && failure.code == 408)
        #expect(failure.description.contains("does not fit the pixel grid"))
    }

    /// The pullback's folder: PLAQUEFEM_IVUS_PULLBACK, or ../shared/data/ivus-pullback beside the package.
    static var pullback: String? {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["PLAQUEFEM_IVUS_PULLBACK"],
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/ivus-pullback").path]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("diastolic_contours.csv")) }
    }

    @Test func pullbackFramesConvergeUnderMeshRefinement() throws {
        guard let folder = Self.pullback else {
            print("skipped: the IVUS pullback is not at ../shared/data/ivus-pullback (set PLAQUEFEM_IVUS_PULLBACK)")
            return
        }
        let lumens = try BorderContourFile.read(at: folder + "/diastolic_contours.csv")
        let outers = try BorderContourFile.read(at: folder + "/eem_diastolic_contours.csv")
        let frames = WallBorders.pair(lumens: lumens, outers: outers).compactMap { try? $0.borders.get() }
        #expect(frames.count == 32)
        // A normal thin-walled frame and a calcified lesion frame, on 64x64 grids of the label default's field of view.
        var refined = LabelingOptions()
        refined.contourMeshing.sizing = refined.contourMeshing.sizing.refined(by: 2)
        for borders in frames where [13, 350].contains(borders.frame) {
            let placement = try #require(FramePlacement.centred(on: borders, side: 7.5, size: 64))
            let label = try FEMLabeler().label(borders, on: placement)
            let fine = try FEMLabeler(options: refined).label(borders, on: placement)
            #expect(fine.triangles > 3 * label.triangles)
            let d = label.difference(from: fine)
            #expect(d.relativeL2 < 0.02 && d.relativePeak < 0.02, "frame \(borders.frame): default vs 4x-area mesh \(d)")
        }
    }
}
