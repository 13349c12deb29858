import FEM
import Foundation
import Labeling
import Raster
import Testing

/// Faults injected into the solve (`SolverOptions.injectedFault`, Newton limits): each ends as the
/// row's typed failure with its reason, or is recovered from by a cutback; the batch goes on.
@Suite struct FaultInjectionTests {
    static func options(_ fault: InjectedFault?) -> LabelingOptions {
        var options = LabelingOptions()
        options.solver.injectedFault = fault
        options.solver.maximumCutbacks = 2
        return options
    }

    static func failure(_ options: LabelingOptions, _ mask: Mask) -> LabelingFailure? {
        let result = Result { () throws(LabelingFailure) in try FEMLabeler(options: options).label(mask) }
        if case .failure(let failure) = result { return failure }
        return nil
    }

    @Test(arguments: [InjectedFault.Kind.singularTangent, .nonFiniteTangent, .nonFiniteIncrement])
    func aPersistentFaultIsTheRowsTypedFailure(_ kind: InjectedFault.Kind) throws {
        let mask = FEMLabelerTests.annulus(inner: 1.2, outer: 2.2)
        let failure = try #require(Self.failure(Self.options(InjectedFault(kind)), mask), "\(kind) went unnoticed")
        guard case .solve(.notConverged(_, let report)) = failure else {
            Issue.record("\(kind): expected a Newton failure after the cutbacks, got \(failure)")
            return
        }
        #expect(failure.code == 300)
        #expect(report.cutbacks == 2, "every cutback was tried")
        let reasons = report.steps.compactMap(\.failure)
        #expect(!reasons.isEmpty && reasons.allSatisfy { !$0.isEmpty }, "\(kind): \(reasons)")
        print("\(kind): \(reasons.first ?? "")")
    }

    @Test(arguments: [InjectedFault.Kind.singularTangent, .nonFiniteTangent, .nonFiniteIncrement])
    func aPassingFaultIsRecoveredByACutback(_ kind: InjectedFault.Kind) throws {
        let mask = FEMLabelerTests.annulus(inner: 1.2, outer: 2.2)
        let clean = try FEMLabeler(options: Self.options(nil)).label(mask)
        let recovered = try FEMLabeler(options: Self.options(InjectedFault(kind, firstIteration: 1, count: 1))).label(mask)
        #expect(recovered.report.cutbacks >= 1)
        // The wall is hyperelastic: the path to systole does not change the answer.
        var worst: Float = 0
        for (a, b) in zip(clean.stress, recovered.stress) { worst = max(worst, abs(a - b)) }
        #expect(worst <= 1e-4 * clean.peak, "\(kind): maps differ by \(worst) kPa")
    }

    @Test func newtonThatRunsOutOfIterationsAndCutbacksIsATypedFailure() throws {
        var options = LabelingOptions()
        options.solver.maximumIterations = 1
        options.solver.maximumCutbacks = 0
        let failure = try #require(Self.failure(options, FEMLabelerTests.annulus(inner: 1.2, outer: 2.2)))
        #expect(failure.code == 300 && failure.description.contains("did not converge") || failure.description.contains("no convergence"),
                "\(failure)")
    }

    @Test func aBatchWithFailingSolvesGoesOn() throws {
        let masks = [FEMLabelerTests.annulus(inner: 1.2, outer: 2.2), Mask(grid: .standard) { _, _ in false },
                     FEMLabelerTests.annulus(inner: 1.0, outer: 2.0)]
        let results = BatchLabeler(labeler: FEMLabeler(options: Self.options(InjectedFault(.nonFiniteIncrement)))).label(masks, jobs: 2)
        #expect(results.count == 3)
        let codes = results.map { result -> Int32 in
            switch result {
            case .success: 0
            case .failure(let failure): failure.code
            }
        }
        #expect(codes[0] == 300 && codes[2] == 300 && codes[1] > 100 && codes[1] < 200, "\(codes)")
    }
}
