import Learning

/// The MNIST side of a run: the training images as a labeled pool, encoded by a VAE; labels
/// come from the pool (no labeling tool), so only SNN and random apply.
public final class DigitDomain: SampleDomain {
    /// The pool images and classes.
    public let pool: DigitImages
    /// Encoder means of the pool images.
    public let poolLatents: [[Double]]
    /// d.
    public let latentDimension: Int
    /// The pool labeler (stored classes).
    public let labeler: PoolLabeler<Int>

    /// Creates the domain; encodes the pool with the VAE.
    public init(pool: DigitImages, autoencoder: VAETrainer) throws(SamplingError) {
        self.pool = pool
        latentDimension = autoencoder.latentDimension
        labeler = PoolLabeler(labels: pool.labels)
        let images = try learning {
            try ImageBatch(count: pool.count, height: pool.rows, width: pool.columns, values: pool.pixels.map { Float($0) / 255 })
        }
        let means = try learning { try autoencoder.encodeMeans(images: images) }
        poolLatents = rows(of: means, dimension: latentDimension)
    }

    /// Number of pool images.
    public var poolCount: Int { pool.count }

    /// Pool image `index`.
    public func poolCandidate(_ index: Int) -> SampleCandidate<Int> {
        SampleCandidate(latent: poolLatents[index], origin: .pool, poolIndex: index, anchor: nil, image: pool.image(index),
                        labelerInput: index)
    }

    /// SI needs a labeling tool, which a digit pool does not have.
    public func decode(_ latents: [[Double]]) throws(SamplingError) -> [SampleCandidate<Int>] {
        throw .invalidOption(name: "strategy", reason: "SI needs a labeling tool; a digit pool has none (use SNN or random)")
    }

    /// The stored classes.
    public func label(_ inputs: [Int]) -> [Result<Int, LabelerFailure>] { labeler.label(batch: inputs, jobs: 1) }
}
