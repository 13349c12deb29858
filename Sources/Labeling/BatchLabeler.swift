import Dispatch
import Foundation
import Meshing
import Raster

/// Labels many masks with parallel jobs; results come back in input order.
///
/// Each job claims the next unlabeled mask, so a slow mask does not hold up the others. The
/// labeler itself is a value without shared mutable state, so jobs need no other coordination.
public struct BatchLabeler: Sendable {
    /// The labeler every job uses.
    public let labeler: FEMLabeler

    /// A batch labeler with `labeler`'s options.
    public init(labeler: FEMLabeler = FEMLabeler()) {
        self.labeler = labeler
    }

    /// Labels `masks` with `jobs` parallel jobs (clamped to 1...masks.count).
    ///
    /// - Parameter deadline: Called as each mask starts, with its index: a deadline of that mask
    ///   besides the labeler's `timeLimit` (nil: none). Past either, the mask fails with
    ///   `.timeLimitExceeded` and the batch goes on.
    /// - Parameter progress: Called after each mask, serialized, with the number finished so far.
    /// - Returns: One result per mask, in input order; a failure never stops the batch.
    public func label(_ masks: [Mask], jobs: Int, deadline: (@Sendable (_ index: Int) -> Deadline?)? = nil,
                      progress: (@Sendable (_ finished: Int) -> Void)? = nil) -> [Result<StressLabel, LabelingFailure>] {
        let results = ResultSlots<Result<StressLabel, LabelingFailure>>(count: masks.count)
        Self.forEachConcurrently(count: masks.count, jobs: jobs) { index in
            let result: Result<StressLabel, LabelingFailure>
            do throws(LabelingFailure) {
                result = .success(try labeler.label(masks[index], deadline: deadline?(index)))
            } catch {
                result = .failure(error)
            }
            let finished = results.store(result, at: index)
            progress?(finished)
        }
        return results.values()
    }

    /// Runs `body(i)` for i in 0..<count on `jobs` threads, each claiming the next index.
    public static func forEachConcurrently(count: Int, jobs: Int, _ body: @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let counter = NextIndex(limit: count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
            while let index = counter.claim() { body(index) }
        }
    }
}

/// A shared counter handing out 0, 1, 2, ... up to a limit.
private final class NextIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func claim() -> Int? {
        lock.withLock {
            guard next < limit else { return nil }
            next += 1
            return next - 1
        }
    }
}

/// Results stored by index from several threads.
private final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]
    private var finished = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Stores a result and returns how many are stored.
    func store(_ value: Value, at index: Int) -> Int {
        lock.withLock {
            slots[index] = value
            finished += 1
            return finished
        }
    }

    /// Every slot is filled once `forEachConcurrently` has returned.
    func values() -> [Value] { lock.withLock { slots.compactMap { $0 } } }
}
