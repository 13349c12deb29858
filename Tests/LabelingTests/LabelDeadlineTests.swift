import FEM
import Foundation
import Meshing
import Raster
import Testing
@testable import Labeling

/// The per-mask time limit reaches inside the mesher and the solver. No clock: a `DeadlineProbe`
/// ends a label's deadline at a chosen check, so which stage stops is deterministic.
@Suite struct LabelDeadlineTests {
    static func expiring(after checks: Int) -> Deadline { Deadline(nil, probe: DeadlineProbe(expiringAfterChecks: checks)) }

    static func stage(of result: Result<StressLabel, LabelingFailure>) -> LabelingStage? {
        guard case .failure(.timeLimitExceeded(_, let stage)) = result else { return nil }
        return stage
    }

    @Test func theLimitStopsTheMesherAndTheSolveFromInside() throws {
        let mask = FEMLabelerTests.annulus(inner: 1.2, outer: 2.2)
        let labeler = FEMLabeler()
        // The mesher's own checks on this mask: the labeler checks once before meshing (check 1),
        // the mesher's are checks 2 ... m + 1, the labeler's before the solve check m + 2.
        let meshCounter = DeadlineProbe()
        _ = try labeler.wallMesh(of: try mask.validated(), deadline: Deadline(nil, probe: meshCounter))
        let m = meshCounter.checks
        #expect(m > 10)
        let label = { (deadline: Deadline) in Result { () throws(LabelingFailure) in try labeler.label(mask, deadline: deadline) } }
        #expect(Self.stage(of: label(Self.expiring(after: 0))) == .meshing)  // the labeler's check before meshing
        // Check 2 is the mesher's first: without checks inside the mesher the next one would be the
        // labeler's before the solve, stage solve.
        #expect(Self.stage(of: label(Self.expiring(after: 1))) == .meshing)
        #expect(Self.stage(of: label(Self.expiring(after: m))) == .meshing)  // the mesher's last check
        #expect(Self.stage(of: label(Self.expiring(after: m + 1))) == .solve)  // the labeler's before the solve
        // Inside the solve: before iteration 0, then the checks of its assembly.
        for k in (m + 2)...(m + 4) { #expect(Self.stage(of: label(Self.expiring(after: k))) == .solve, "check \(k + 1)") }
        if case .failure(let failure) = label(Self.expiring(after: 1)) {
            #expect(failure.code == 500 && failure.description == "time limit: 0.0 s per mask reached (meshing)")
        }
        // A label's checks all pass with a probe that does not expire, and the map is the one without.
        let counter = DeadlineProbe()
        let watched = try labeler.label(mask, deadline: Deadline(nil, probe: counter))
        #expect(watched.stress == (try labeler.label(mask)).stress)
        #expect(counter.checks > m + 4)
        #expect(Self.stage(of: label(Self.expiring(after: counter.checks - 1))) == .solve)  // the sampling's last check
        #expect((try? label(Self.expiring(after: counter.checks)).get()) != nil)
    }

    @Test func aDeadlineInThePastStopsEveryInputKindBeforeMeshing() throws {
        let past = Deadline(ContinuousClock.now - .seconds(1))
        let labeler = FEMLabeler()
        let mask = FEMLabelerTests.annulus(inner: 1.2, outer: 2.2)
        let result = Result { () throws(LabelingFailure) in try labeler.label(mask, deadline: past) }
        #expect(Self.stage(of: result) == .meshing)
        // The options' limit and a given deadline: the earlier one wins, and says its seconds.
        var options = LabelingOptions()
        options.timeLimit = 1_000
        let limited = Result { () throws(LabelingFailure) in try FEMLabeler(options: options).label(mask, deadline: Deadline(seconds: 0)) }
        guard case .failure(.timeLimitExceeded(let seconds, .meshing)) = limited else {
            Issue.record("expected the time limit before meshing, got \(limited)")
            return
        }
        #expect(seconds == 0)
    }

    @Test func aCalibrationStopsInsideItsSolvesWithATypedError() throws {
        let mask = FEMLabelerTests.annulus(inner: 1.2, outer: 2.2)
        let mesh = try FEMLabeler().wallMesh(of: try mask.validated()).mesh
        let calibration = StiffnessCalibration(options: LabelingOptions())
        // Check 3 is inside the first trial's solve (setup, before iteration 0, then its assembly).
        let result = Result { () throws(CalibrationError) in try calibration.calibrate(target: 0.05, meshes: [mesh], deadline: Self.expiring(after: 2)) }
        guard case .failure(.timeLimitExceeded(let seconds)) = result else {
            Issue.record("expected the time limit, got \(result)")
            return
        }
        #expect(seconds == 0)
        #expect(CalibrationError.timeLimitExceeded(seconds: 5).description == "time limit of 5.0 s reached while calibrating")
    }

    @Test func aBatchRecordsAMaskStoppedInsideTheMesherAndGoesOn() throws {
        let masks = [FEMLabelerTests.annulus(inner: 1.2, outer: 2.2), FEMLabelerTests.annulus(inner: 1.0, outer: 2.4),
                     FEMLabelerTests.annulus(inner: 1.4, outer: 2.3)]
        let results = BatchLabeler().label(masks, jobs: 2, deadline: { index in index == 1 ? Self.expiring(after: 1) : nil })
        #expect(results.count == 3)
        #expect((try? results[0].get()) != nil && (try? results[2].get()) != nil)
        #expect(Self.stage(of: results[1]) == .meshing)
    }
}
