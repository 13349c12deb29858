import FEM
import Foundation
import Meshing
import Testing
@testable import Labeling

/// The per-file stiffness calibration on the ring, and its refusals.
@Suite struct StiffnessCalibrationTests {
    static func ring() throws -> TriangleMesh {
        try AnnulusMeshGenerator.ring(innerRadius: 1, outerRadius: 1.5).mesh(meshSize: 0.15)
    }

    @Test(arguments: [nil, 80.0] as [Double?])
    func calibrationHitsTheTargetAreaChange(imagePressure: Double?) throws {
        var options = LabelingOptions()
        options.imagePressureMmHg = imagePressure
        let mesh = try Self.ring()
        let result = try StiffnessCalibration(options: options).calibrate(target: 0.05, meshes: [mesh])
        #expect(abs(result.meanAreaChange / 0.05 - 1) <= 1e-4)
        #expect(result.history.count <= 8, "\(result.history.count) trials")
        // Labeling with the factor reproduces the change, and a stiffer wall changes less.
        options.stiffnessScale = result.scale
        let change = try FEMLabeler(options: options).mechanics(of: mesh).lumenAreaChange
        #expect(abs(change / 0.05 - 1) <= 1e-4)
        options.stiffnessScale = 2 * result.scale
        #expect(try FEMLabeler(options: options).mechanics(of: mesh).lumenAreaChange < 0.05)
    }

    @Test func aShrinkingLumenIsNotCalibrated() throws {
        #expect {
            try StiffnessCalibration(options: LabelingOptions()).calibrate(target: -0.1, meshes: [try Self.ring()])
        } throws: { error in
            guard case CalibrationError.targetNotAnIncrease = error else { return false }
            return "\(error)".contains("lumen pressure only widens the lumen")
        }
    }

    /// Systolic partners by z within half the frame spacing, or by rank without z.
    @Test func systolicContoursPairByPosition() throws {
        func circle(_ frame: Int, _ r: Double, _ z: Double?) -> BorderContour {
            BorderContour(frame: frame, points: (0..<64).map { Point(r * cos(Double($0) * .pi / 32), r * sin(Double($0) * .pi / 32)) }, position: z)
        }
        let diastolic = [circle(1, 1, 0), circle(2, 1, 0.7), circle(3, 1, 1.4)]
        let systolic = [circle(11, 1.05, 0.05), circle(12, 0.9, 0.66), circle(13, 1, 3)]
        let pairs = SystolicPairing.pair(diastolic: diastolic, systolic: systolic)
        #expect(pairs.count == 2 && pairs[1]?.systolicFrame == 11 && pairs[2]?.systolicFrame == 12 && pairs[3] == nil)
        #expect(abs(try #require(pairs[1]).change - (1.05 * 1.05 - 1)) < 2e-3)
        #expect(try #require(pairs[2]).change < 0)
        let byRank = SystolicPairing.pair(diastolic: diastolic.map { circle($0.frame, 1, nil) }, systolic: systolic.map { circle($0.frame, 1.1, nil) })
        #expect(byRank.count == 3 && byRank[3]?.systolicFrame == 13)
    }

    /// The image as the loaded state: a stiff wall's unloaded lumen is a little smaller than the
    /// image's, and the stress-free and loaded-image labels of a stiff wall differ little.
    @Test func loadedImageLabelRecordsItsUnloading() throws {
        var options = LabelingOptions()
        options.imagePressureMmHg = 80
        options.solver.material = MooneyRivlinMaterial.preset(named: "paper-x10")!
        let mechanics = try FEMLabeler(options: options).mechanics(of: try Self.ring())
        let fraction = try #require(mechanics.unloadedLumenFraction)
        #expect(fraction > 0.8 && fraction < 1)
        #expect(try #require(mechanics.unloadingMismatch) < 1e-9)
        #expect(mechanics.lumenAreaChange > 0 && mechanics.lumenAreaChange < 0.1 && mechanics.isPlausible)
    }
}
