import Foundation
import Testing
@testable import Meshing

/// The mesher checks a `Deadline` from inside its loops. No clock: a `DeadlineProbe` ends the
/// deadline at a chosen check, so every check site is reached deterministically.
@Suite struct MesherDeadlineTests {
    /// The step each check names when the deadline ends there, for every check of one meshing.
    static func stepsAtEachCheck(_ mesh: (Deadline) throws(MeshError) -> MaskMeshResult) throws -> [String] {
        let counter = DeadlineProbe()
        _ = try mesh(Deadline(nil, probe: counter))
        var steps: [String] = []
        for k in 0..<counter.checks {
            do {
                _ = try mesh(Deadline(nil, probe: DeadlineProbe(expiringAfterChecks: k)))
                Issue.record("a deadline ending at check \(k + 1) of \(counter.checks) did not stop the mesher")
            } catch .timeLimitExceeded(let step) {
                steps.append(step)
            } catch {
                Issue.record("check \(k + 1): expected the time limit, got \(error)")
            }
        }
        // One check more than the meshing makes never ends it.
        _ = try mesh(Deadline(nil, probe: DeadlineProbe(expiringAfterChecks: counter.checks)))
        return steps
    }

    @Test func aPassedDeadlineStopsTheMaskMesherAtItsFirstCheck() throws {
        let past = Deadline(ContinuousClock.now - .seconds(1))
        #expect(throws: MeshError.timeLimitExceeded(during: "mask contouring")) {
            try MaskMesher().mesh(values: MaskPhantoms.annulus(), rows: MaskPhantoms.size, columns: MaskPhantoms.size,
                                  pixelSize: MaskPhantoms.pixelSize, deadline: past)
        }
        #expect(MeshError.timeLimitExceeded(during: "mesh refinement (10 triangles)").description
            == "time limit reached during mesh refinement (10 triangles)")
    }

    @Test func theMaskMesherChecksInsideTriangulationAndRefinement() throws {
        let steps = try Self.stepsAtEachCheck { deadline throws(MeshError) in
            try MaskMesher().mesh(values: MaskPhantoms.annulus(), rows: MaskPhantoms.size, columns: MaskPhantoms.size,
                                  pixelSize: MaskPhantoms.pixelSize, deadline: deadline)
        }
        #expect(steps.first == "mask contouring")
        for step in ["border blurring", "border smoothing", "outer border fit", "lumen border fit", "border splines", "border sampling",
                     "border checks", "border triangulation", "border segment recovery", "mesh assembly and quality checks"] {
            #expect(steps.contains { $0.hasPrefix(step) }, "no check during \(step): \(steps)")
        }
        // Refinement inserts about 1,000 vertices here: checked many times, with the count so far.
        let refinement = steps.filter { $0.hasPrefix("mesh refinement (") }
        #expect(refinement.count >= 10, "\(refinement.count) checks in the refinement")
        #expect(Set(refinement).count == refinement.count, "each refinement check sees more triangles")
    }

    @Test func theContourMesherChecksInsideRefinement() throws {
        let circle = { (r: Double) in (0..<120).map { k in Point(r * cos(Double(k) * .pi / 60), r * sin(Double(k) * .pi / 60)) } }
        let borders = try WallBorders(frame: 1, lumen: circle(1.2), outer: circle(2.0))
        let steps = try Self.stepsAtEachCheck { deadline throws(MeshError) in try ContourMesher().mesh(borders, deadline: deadline) }
        #expect(steps.first == "border splines")
        #expect(steps.filter { $0.hasPrefix("mesh refinement (") }.count >= 2, "\(steps)")
    }

    @Test func probesCountChecksAndRecordTheLongestSpan() {
        let probe = DeadlineProbe(expiringAfterChecks: 2)
        let deadline = Deadline(nil, probe: probe)
        #expect(!deadline.isExpired() && !deadline.isExpired())
        #expect(deadline.isExpired() && deadline.isExpired())
        #expect(probe.checks == 4)
        #expect(probe.longestSpan.map { $0.seconds >= 0 && $0.to.contains("DeadlineTests.swift") } == true)
        #expect(!Deadline.never.isExpired() && !Deadline(seconds: nil).isExpired() && !Deadline(seconds: 1e12).isExpired())
        #expect(Deadline(seconds: 0).isExpired() && Deadline(seconds: -3).isExpired())
        // The earlier of two deadlines, with its own limit in seconds; a probe from either side.
        let soon = Deadline(seconds: 5), late = Deadline(seconds: 500)
        #expect(late.earlier(soon).seconds == 5 && soon.earlier(late).seconds == 5)
        #expect(Deadline.never.earlier(soon).seconds == 5 && soon.earlier(.never).seconds == 5)
        #expect(Deadline.never.earlier(deadline).probe === probe && deadline.earlier(soon).probe === probe)
        #expect(deadline.earlier(soon).isExpired())
    }
}
