import Foundation
import Testing
@testable import FEM
@testable import Labeling
@testable import Meshing
import Raster

/// The 12 calcified frames of the real pullback: every one meshes with its calcium outline
/// (clipped where it crosses the lumen or EEM), solves, and keeps the stress jump at the calcium border.
@Suite struct CalcifiedPullbackTests {
    /// The pullback's diastolic lumen, EEM and calcium contours; nil (with a message) when the data is absent.
    static func pullbackContours() throws -> (lumens: [BorderContour], outers: [BorderContour], calcium: [BorderContour])? {
        guard let folder = ContourLabelingTests.pullback else {
            print("skipped: the IVUS pullback is not at ../shared/data/ivus-pullback (set PLAQUEFEM_IVUS_PULLBACK)")
            return nil
        }
        return (try BorderContourFile.read(at: folder + "/diastolic_contours.csv"),
                try BorderContourFile.read(at: folder + "/eem_diastolic_contours.csv"),
                try BorderContourFile.read(at: folder + "/calcium_diastolic_contours.csv"))
    }

    @Test func everyCalcifiedFrameLabelsWithItsCalcium() throws {
        guard let (lumens, outers, calcium) = try Self.pullbackContours() else { return }
        #expect(calcium.count == 12)
        let labeler = FEMLabeler()
        var clipped = 0
        for outline in calcium {
            let lumen = try #require(lumens.first { $0.frame == outline.frame }), outer = try #require(outers.first { $0.frame == outline.frame })
            let borders = try WallBorders(frame: outline.frame, lumen: lumen.points, outer: outer.points)
            let placement = try #require(FramePlacement.centred(on: borders, side: 4, size: 48))
            let label = try labeler.label(borders, on: placement, components: [ComponentOutline(component: .calcium, points: outline.points)])
            let classes = try #require(label.components)
            #expect(classes.contains(3) && classes.contains(1), "frame \(outline.frame)")
            #expect(zip(classes, label.wall.pixels).allSatisfy { ($0 != 0) == ($1 != 0) })
            #expect(label.componentClipping.count == 1)
            if label.componentClipping[0].isClipped { clipped += 1 }
            // Angles stay reasonable away from corners; the smallest anywhere is reported, not hidden.
            #expect(label.quality.minimumAngle > 1, "frame \(outline.frame): \(label.quality.minimumAngle) degrees")
            #expect(label.report.steps.allSatisfy { $0.converged })
        }
        #expect(clipped >= 9, "most outlines cross or touch a border")
    }

    /// The class map of each calcified frame's contour label, fed back as a class mask (the mask front
    /// end of components): every frame labels, with about the same calcium and the same stress.
    @Test func theClassMapsOfTheCalcifiedFramesLabelAsClassMasks() throws {
        try classMapsLabelAsClassMasks(size: 64, frames: nil)
    }

    /// The same on a 512 x 512 grid (8 micrometre pixels), two frames (calcium inside the wall;
    /// across the lumen and the EEM). Before the outline was allowed to stay where moving its points
    /// off a border folds it, every frame failed here ("component outline 0 crosses itself"), and
    /// 11 of 12 at 256 x 256: half an element is many pixels on such a grid.
    @Test func fineClassMapsOfTheCalcifiedFramesLabelAsClassMasks() throws {
        try classMapsLabelAsClassMasks(size: 512, frames: [329, 456])
    }

    /// Labels each calcified frame (`frames`, or all) from contours on a `size` x `size` grid, then its
    /// class map as a class mask, and compares the two.
    func classMapsLabelAsClassMasks(size: Int, frames: Set<Int>?) throws {
        guard let (lumens, outers, calcium) = try Self.pullbackContours() else { return }
        let labeler = FEMLabeler()
        var summary: [String] = []
        for outline in calcium where frames?.contains(outline.frame) ?? true {
            let lumen = try #require(lumens.first { $0.frame == outline.frame }), outer = try #require(outers.first { $0.frame == outline.frame })
            let borders = try WallBorders(frame: outline.frame, lumen: lumen.points, outer: outer.points)
            let placement = try #require(FramePlacement.centred(on: borders, side: 4, size: size))
            let contour = try labeler.label(borders, on: placement, components: [ComponentOutline(component: .calcium, points: outline.points)])
            let classes = try ClassMask(grid: placement.grid, classes: try #require(contour.components))
            let label = try labeler.label(classes)
            let map = try #require(label.components)
            let given = classes.counts[3], kept = zip(map, classes.classes).filter { $0 == 3 && $1 == 3 }.count
            #expect(Double(kept) > 0.9 * Double(given), "frame \(outline.frame): \(kept) of \(given) calcium pixels")
            let difference = label.difference(from: contour)
            summary.append(String(format: "%d: calcium %d/%d px, L2 %.3f, peak %.3f", outline.frame, kept, given,
                                  difference.relativeL2, difference.relativePeak))
            #expect(difference.relativeL2 < 0.3, "frame \(outline.frame): \(difference)")
        }
        #expect(summary.count == frames?.count ?? 12)
        print("class masks of the calcified frames (\(size)x\(size)): " + summary.joined(separator: "; "))
    }
}
