import Foundation
import Testing
@testable import FEM

@Suite struct MooneyRivlinMaterialTests {
    let material = MooneyRivlinMaterial.vesselWall
    /// Deformation gradients with det F > 0, including one far from the identity.
    let gradients: [SIMD4<Double>] = [
        SIMD4(1, 0, 0, 1), SIMD4(1.1, 0.2, -0.05, 0.95), SIMD4(0.8, -0.3, 0.25, 1.3), SIMD4(1.6, 0.4, 0.1, 0.7),
    ]

    @Test func stressFreeAtIdentityWithTheReferencePressure() {
        let p0 = 2 * material.energyDerivative(firstInvariant: 3)
        let P = material.firstPiolaKirchhoff(deformationGradient: SIMD4(1, 0, 0, 1), pressure: p0)
        #expect(maxAbs(P) < 1e-14)
        let sigma = MixedDiscretization.cauchyStress(deformationGradient: SIMD4(1, 0, 0, 1), pressure: p0, material: material)
        #expect(max(abs(sigma.xx), abs(sigma.yy), abs(sigma.xy), abs(sigma.zz)) < 1e-13)
        #expect(material.energy(firstInvariant: 3) == 0)
    }

    @Test func energyDerivativesMatchFiniteDifferences() {
        for i1 in [3.0, 3.2, 4.5] {
            let h = 1e-5
            let dW = (material.energy(firstInvariant: i1 + h) - material.energy(firstInvariant: i1 - h)) / (2 * h)
            let d2W = (material.energyDerivative(firstInvariant: i1 + h) - material.energyDerivative(firstInvariant: i1 - h)) / (2 * h)
            #expect(abs(dW - material.energyDerivative(firstInvariant: i1)) < 1e-7 * abs(dW))
            #expect(abs(d2W - material.energySecondDerivative(firstInvariant: i1)) < 1e-7 * abs(d2W))
        }
    }

    @Test func stressIsTheFiniteDifferenceDerivativeOfTheEnergy() {
        let h = 1e-6
        for F in gradients {
            for p in [0.0, 17.5, 131.2] {
                let P = material.firstPiolaKirchhoff(deformationGradient: F, pressure: p)
                for k in 0..<4 {
                    var plus = F, minus = F
                    plus[k] += h
                    minus[k] -= h
                    let fd = (material.mixedEnergy(deformationGradient: plus, pressure: p)
                        - material.mixedEnergy(deformationGradient: minus, pressure: p)) / (2 * h)
                    #expect(abs(fd - P[k]) <= 1e-7 * max(1, maxAbs(P)), "F = \(F), p = \(p), component \(k)")
                }
            }
        }
    }

    @Test func tangentIsTheFiniteDifferenceDerivativeOfTheStress() {
        let h = 1e-6
        for F in gradients {
            for p in [0.0, 131.2] {
                let A = material.tangent(deformationGradient: F, pressure: p)
                for c in 0..<4 {
                    var plus = F, minus = F
                    plus[c] += h
                    minus[c] -= h
                    let fd = (material.firstPiolaKirchhoff(deformationGradient: plus, pressure: p)
                        - material.firstPiolaKirchhoff(deformationGradient: minus, pressure: p)) / (2 * h)
                    for r in 0..<4 {
                        #expect(abs(fd[r] - A[4 * r + c]) <= 1e-6 * max(1, A.map(abs).max()!), "F = \(F), entry (\(r), \(c))")
                    }
                }
                // Major symmetry of a hyperelastic tangent.
                for r in 0..<4 { for c in 0..<4 { #expect(abs(A[4 * r + c] - A[4 * c + r]) < 1e-12) } }
            }
        }
    }

    @Test func cauchyStressIsSymmetricPartOfPFT() {
        let F = SIMD4(1.2, 0.3, -0.1, 0.9), p = 40.0
        let P = material.firstPiolaKirchhoff(deformationGradient: F, pressure: p)
        let J = F[0] * F[3] - F[1] * F[2]
        // sigma = P F^T / J
        let sxx = (P[0] * F[0] + P[1] * F[1]) / J, syy = (P[2] * F[2] + P[3] * F[3]) / J
        let sxy = (P[0] * F[2] + P[1] * F[3]) / J, syx = (P[2] * F[0] + P[3] * F[1]) / J
        let sigma = MixedDiscretization.cauchyStress(deformationGradient: F, pressure: p, material: material)
        #expect(abs(sxy - syx) < 1e-12)
        #expect(abs(sigma.xx - sxx) < 1e-12 && abs(sigma.yy - syy) < 1e-12 && abs(sigma.xy - sxy) < 1e-12)
    }

    @Test func invalidConstantsAreRejected() {
        #expect(throws: FEMError.self) { try MooneyRivlinMaterial(c1: 0, d1: 1, d2: 1).validate() }
        #expect(throws: FEMError.self) { try MooneyRivlinMaterial(c1: 1, d1: -1, d2: 1).validate() }
        #expect(throws: FEMError.self) { try MooneyRivlinMaterial(c1: .nan, d1: 1, d2: 1).validate() }
    }

    @Test func principalAndVonMisesStresses() {
        let uniaxial = CauchyStress(xx: 10, yy: 0, xy: 0, zz: 0)
        #expect(abs(uniaxial.vonMises - 10) < 1e-12)
        #expect(uniaxial.maximumPrincipal == 10)
        let shear = CauchyStress(xx: 0, yy: 0, xy: 5, zz: 0)
        #expect(abs(shear.maximumPrincipal - 5) < 1e-12)
        #expect(abs(shear.vonMises - 5 * 3.0.squareRoot()) < 1e-12)
        let hydrostatic = CauchyStress(xx: -3, yy: -3, xy: 0, zz: -3)
        #expect(abs(hydrostatic.vonMises) < 1e-12)
    }
}

/// Largest absolute component of a 2x2 tensor stored as SIMD4.
func maxAbs(_ v: SIMD4<Double>) -> Double { max(max(abs(v[0]), abs(v[1])), max(abs(v[2]), abs(v[3]))) }
