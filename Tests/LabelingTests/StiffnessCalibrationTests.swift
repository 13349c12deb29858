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
            return "\(error)".contains("cannot be produced by lumen pressure")
        }
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
