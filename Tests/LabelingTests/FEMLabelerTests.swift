import Foundation
import Testing
import FEM
import Labeling
import Raster

@Suite struct FEMLabelerTests {
    /// A 64x64 annulus mask (radii in mm) centred in the image.
    static func annulus(inner: Double, outer: Double) -> Mask {
        let grid = PixelGrid.standard
        let c = 0.5 * grid.width
        return Mask(grid: grid) { row, column in
            let p = grid.center(row: row, column: column)
            let r = ((p.x - c) * (p.x - c) + (p.y - c) * (p.y - c)).squareRoot()
            return r >= inner && r <= outer
        }
    }

    @Test func annulusStressMapFollowsTheExactRingSolution() throws {
        let (inner, outer) = (1.2, 2.2)
        let label = try FEMLabeler().label(Self.annulus(inner: inner, outer: outer))
        let mask = try #require(label.mask)
        // Compare with the ring the mask actually describes: its lumen and vessel pixel areas give the
        // radii (the 64x64 rasterization alone moves the lumen area of this ring by -1.9 %).
        let maskInner = (mask.lumenArea / Double.pi).squareRoot()
        let maskOuter = (mask.vesselArea / Double.pi).squareRoot()
        #expect(abs(maskInner - inner) < 0.125 && abs(maskOuter - outer) < 0.125)
        let exact = try ThickWalledRingSolution(material: .vesselWall, innerRadius: maskInner, outerRadius: maskOuter,
                                                pressureKPa: 120 * kilopascalsPerMillimetreOfMercury)
        let grid = mask.grid
        let c = 0.5 * grid.width
        var errorSquared = 0.0, normSquared = 0.0, wallPixels = 0, expectedPeak = 0.0
        for index in 0..<grid.count {
            let (row, column) = grid.pixel(at: index)
            let p = grid.center(row: row, column: column)
            let R = ((p.x - c) * (p.x - c) + (p.y - c) * (p.y - c)).squareRoot()
            if mask.classes[index] == .wall {
                wallPixels += 1
                let expected = exact.hoopStress(atReferenceRadius: min(max(R, maskInner), maskOuter))
                expectedPeak = max(expectedPeak, expected)
                errorSquared += (Double(label.stress[index]) - expected) * (Double(label.stress[index]) - expected)
                normSquared += expected * expected
            } else {
                #expect(label.stress[index] == 0)
                _ = R
            }
        }
        // Measured: 2.7 % (4.0 % before the pixel fit of the borders). Most of it sits next to the
        // borders, where the stress gradient is steep; averaged around circles the sampled hoop stress
        // is within 0.5 % of the exact one.
        let relativeL2 = (errorSquared / normSquared).squareRoot()
        #expect(relativeL2 < 0.08, "relative L2 error \(relativeL2)")
        // The map's peak is at the innermost wall pixel centres, about half a pixel from the lumen;
        // measured +6.5 % against these area-equivalent radii (+3.7 % against the true radii in
        // AccuracyStudyTests).
        #expect(abs(Double(label.peak) - expectedPeak) < 0.08 * expectedPeak, "peak \(label.peak) vs \(expectedPeak), L2 \(relativeL2)")
        #expect(wallPixels > 500)
        #expect(label.quality.minimumAngle >= 25)
        #expect(label.report.maximumReaction < 1e-8)
    }

    @Test func vonMisesIsOffered() throws {
        var options = LabelingOptions()
        options.measure = .vonMises
        let label = try FEMLabeler(options: options).label(Self.annulus(inner: 1.2, outer: 2.2))
        #expect(label.measure == .vonMises)
        #expect(label.peak > 0)
    }

    @Test func invalidMasksGiveTypedFailuresWithCodes() throws {
        let empty = Mask(grid: .standard) { _, _ in false }
        let disk = Mask(grid: .standard) { row, column in abs(row - 32) < 10 && abs(column - 32) < 10 }
        for mask in [empty, disk] {
            let result = Result { () throws(LabelingFailure) in try FEMLabeler().label(mask) }
            guard case .failure(let failure) = result, case .invalidMask = failure else {
                Issue.record("expected an invalid-mask failure, got \(result)")
                continue
            }
            #expect(failure.code > 100 && failure.code < 200)
            #expect(!failure.description.isEmpty)
        }
    }

    @Test func sameMaskSameBytes() throws {
        let phantom = try PhantomGenerator(seed: 3).phantom(at: 5)
        let a = try FEMLabeler().label(phantom.mask.original), b = try FEMLabeler().label(phantom.mask.original)
        #expect(a.stress == b.stress)
    }
}
