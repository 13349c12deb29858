/// One synthetic IVUS vessel-wall mask with the parameters that generated it.
public struct Phantom: Sendable, Hashable {
    /// Index within its generator's sequence.
    public let index: Int
    /// The per-index seed (`PhantomGenerator.seed(forIndex:)`) the phantom was drawn from.
    public let seed: UInt64
    /// The generating parameters.
    public let parameters: PhantomParameters
    /// The rasterized, validated mask.
    public let mask: ValidatedMask
    /// Number of shapes drawn until one passed validation (1 = first try).
    public let attempts: Int
}
