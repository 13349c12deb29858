import Datasets
import Foundation
import Learning
import Raster

/// What the IVUS labeler labels: a pool phantom (labeled once, then cached) or a decoded mask.
public enum PhantomInput: Sendable {
    /// Pool phantom `index`.
    case pool(Int)
    /// A mask decoded from a latent code.
    case decoded(Mask)
}

/// The IVUS side of a run: a pool of phantom masks, the VAE that encodes and decodes them, and
/// the FEM tool that labels any mask on demand (pool labels are cached across runs, since a
/// phantom's stress map does not depend on the run that asks for it).
public final class PhantomDomain<MaskLabeler: Labeler>: SampleDomain
where MaskLabeler.Input == Mask, MaskLabeler.Label == [Float] {
    /// The pool masks.
    public let poolMasks: [Mask]
    /// Encoder means of the pool masks.
    public let poolLatents: [[Double]]
    /// The trained VAE (frozen here).
    public let autoencoder: VAETrainer
    /// The labeling tool (the FEM tool in experiments).
    public let labeler: MaskLabeler
    /// Parallel labeling jobs.
    public let jobs: Int
    private let cache = LabelCache<[Float]>()

    /// Creates the domain; encodes the pool with the VAE.
    public init(poolMasks: [Mask], autoencoder: VAETrainer, labeler: MaskLabeler, jobs: Int) throws(SamplingError) {
        guard let first = poolMasks.first else { throw .mismatch("empty phantom pool") }
        self.poolMasks = poolMasks
        self.autoencoder = autoencoder
        self.labeler = labeler
        self.jobs = jobs
        let batch = try learning {
            try ImageBatch(masks: poolMasks.flatMap(\.pixels), count: poolMasks.count, height: first.rows, width: first.columns)
        }
        let means = try learning { try autoencoder.encodeMeans(images: batch) }
        poolLatents = rows(of: means, dimension: autoencoder.latentDimension)
    }

    /// d.
    public var latentDimension: Int { autoencoder.latentDimension }
    /// Number of pool phantoms.
    public var poolCount: Int { poolMasks.count }

    /// Pool phantom `index` with its encoder mean.
    public func poolCandidate(_ index: Int) -> SampleCandidate<PhantomInput> {
        SampleCandidate(latent: poolLatents[index], origin: .pool, poolIndex: index, anchor: nil,
                        image: poolMasks[index].pixels.map(Float.init), labelerInput: .pool(index))
    }

    /// Decodes codes, binarizes at 0.5; validation happens in the labeler.
    public func decode(_ latents: [[Double]]) throws(SamplingError) -> [SampleCandidate<PhantomInput>] {
        let probabilities = try learning { try autoencoder.decodeProbabilities(latent: latents.flatMap { $0.map(Float.init) }) }
        let grid = poolMasks[0].grid
        var candidates: [SampleCandidate<PhantomInput>] = []
        for n in latents.indices {
            let values: [UInt8] = probabilities.slice(n..<n + 1).binarized()
            let mask: Mask
            do { mask = try Mask(grid: grid, values: values) } catch { throw .mismatch("decoded image: \(error)") }
            candidates.append(SampleCandidate(latent: latents[n], origin: .synthesized, poolIndex: nil, anchor: nil,
                                              image: values.map(Float.init), labelerInput: .decoded(mask)))
        }
        return candidates
    }

    /// Encoder means of 0/1 mask images (64 x 64 flattened, e.g. decoded masks), as `poolLatents`.
    public func encode(_ images: [[Float]]) throws(SamplingError) -> [[Double]] {
        let grid = poolMasks[0].grid
        let batch = try learning { try ImageBatch(count: images.count, height: grid.rows, width: grid.columns, values: images.flatMap { $0 }) }
        let means = try learning { try autoencoder.encodeMeans(images: batch) }
        return rows(of: means, dimension: autoencoder.latentDimension)
    }

    /// Labels pool phantoms (from the cache when already labeled) and decoded masks with the FEM tool.
    public func label(_ inputs: [PhantomInput]) -> [Result<[Float], LabelerFailure>] {
        var results = [Result<[Float], LabelerFailure>?](repeating: nil, count: inputs.count)
        var pending: [(slot: Int, pool: Int?, mask: Mask)] = []
        for (slot, input) in inputs.enumerated() {
            switch input {
            case .pool(let index):
                if let cached = cache[index] { results[slot] = cached } else { pending.append((slot, index, poolMasks[index])) }
            case .decoded(let mask):
                pending.append((slot, nil, mask))
            }
        }
        let labeled = labeler.label(batch: pending.map(\.mask), jobs: jobs)
        for (item, result) in zip(pending, labeled) {
            results[item.slot] = result
            if let pool = item.pool { cache[pool] = result }
        }
        return results.map { $0! }
    }

    /// Labels pool phantoms labeled so far (cache size).
    public var cachedLabelCount: Int { cache.count }
}

/// A thread-safe memo of labels by pool index.
final class LabelCache<Label: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int: Result<Label, LabelerFailure>] = [:]

    subscript(index: Int) -> Result<Label, LabelerFailure>? {
        get { lock.withLock { storage[index] } }
        set { lock.withLock { storage[index] = newValue } }
    }

    var count: Int { lock.withLock { storage.count } }
}

/// Runs a throwing Learning call and rewraps its error as `SamplingError.network`.
@inline(__always) @discardableResult
func learning<T>(_ body: () throws -> T) throws(SamplingError) -> T {
    do { return try body() } catch { throw .network(String(describing: error)) }
}

/// Splits flat values into rows of `dimension` Doubles.
func rows(of values: [Float], dimension: Int) -> [[Double]] {
    stride(from: 0, to: values.count, by: dimension).map { start in values[start..<start + dimension].map(Double.init) }
}
