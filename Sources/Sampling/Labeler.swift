
import Foundation
import Labeling
import Raster

/// Why a labeler gave no label for an input.
public enum LabelerFailure: Error, Sendable, CustomStringConvertible {
    /// The FEM tool failed (invalid mask, meshing, solve).
    case labeling(LabelingFailure)
    /// The pool has no sample with this index.
    case notInPool(index: Int, poolSize: Int)

    /// Status code stored with the sample: the labeling code (100 + mask error, 200 meshing,
    /// 300 solve) or 400 for an index outside the pool.
    public var code: Int32 {
        switch self {
        case .labeling(let failure): failure.code
        case .notInPool: 400
        }
    }

    public var description: String {
        switch self {
        case .labeling(let failure): failure.description
        case .notInPool(let index, let size): "no pool sample \(index) (pool of \(size))"
        }
    }
}

/// Something that labels inputs: given an input, a label or a typed reason why not.
///
/// The FE stack and the neural stack meet here: `FEMToolLabeler` runs the finite-element tool
/// on any mask; `PoolLabeler` returns the stored label of a real sample. Implementations must
/// be safe to call from several threads at once (batch labeling runs parallel jobs).
public protocol Labeler<Input, Label>: Sendable {
    /// What is labeled (a mask, a pool index).
    associatedtype Input: Sendable
    /// The label (a stress map in kPa, a class).
    associatedtype Label: Sendable

    /// Labels one input.
    func label(_ input: Input) throws(LabelerFailure) -> Label

    /// Labels a batch with `jobs` parallel workers; results come back in input order.
    func label(batch inputs: [Input], jobs: Int) -> [Result<Label, LabelerFailure>]
}

extension Labeler {
    /// Default batch labeling: `jobs` workers claim inputs in order; results in input order,
    /// independent of `jobs` (each label depends only on its input).
    public func label(batch inputs: [Input], jobs: Int) -> [Result<Label, LabelerFailure>] {
        let slots = ResultSlots<Result<Label, LabelerFailure>>(count: inputs.count)
        BatchLabeler.forEachConcurrently(count: inputs.count, jobs: jobs) { index in
            let result: Result<Label, LabelerFailure>
            do throws(LabelerFailure) { result = .success(try label(inputs[index])) } catch { result = .failure(error) }
            slots.store(result, at: index)
        }
        return slots.values()
    }
}

/// Results stored by index from several threads.
private final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ value: Value, at index: Int) { lock.withLock { slots[index] = value } }

    /// Every slot is filled once `forEachConcurrently` has returned.
    func values() -> [Value] { lock.withLock { slots.compactMap { $0 } } }
}

/// The FEM labeling tool as a labeler: a mask in, its systolic stress map (kPa, row-major,
/// 0 outside the wall) out; validation, meshing and the solve as in `plaquefem label`.
public struct FEMToolLabeler: Labeler {
    /// The wrapped labeling tool.
    public let labeler: FEMLabeler

    /// Creates the labeler with the given labeling options.
    public init(options: LabelingOptions = LabelingOptions()) {
        labeler = FEMLabeler(options: options)
    }

    /// The stress map (kPa) of one mask.
    public func label(_ input: Mask) throws(LabelerFailure) -> [Float] {
        do { return try labeler.label(input).stress } catch { throw .labeling(error) }
    }

    /// Labels masks with the package's `BatchLabeler` (`jobs` parallel jobs, results in order).
    public func label(batch inputs: [Mask], jobs: Int) -> [Result<[Float], LabelerFailure>] {
        BatchLabeler(labeler: labeler).label(inputs, jobs: jobs).map { result in
            result.map(\.stress).mapError { LabelerFailure.labeling($0) }
        }
    }
}

/// A labeled pool as a labeler: returns the stored label of pool sample `index`
/// (for MNIST, the digit class).
public struct PoolLabeler<Label: Sendable>: Labeler {
    /// The stored labels, by pool index.
    public let labels: [Label]

    /// Creates a pool labeler from the stored labels.
    public init(labels: [Label]) {
        self.labels = labels
    }

    /// The stored label of pool sample `index`.
    public func label(_ input: Int) throws(LabelerFailure) -> Label {
        guard labels.indices.contains(input) else { throw .notInPool(index: input, poolSize: labels.count) }
        return labels[input]
    }
}
