/// xoshiro256** 1.0 (Blackman and Vigna 2018), a fast 64-bit generator with 256 bits of state.
///
/// Seeded from four SplitMix64 outputs, as its authors recommend. Uniform doubles use the top
/// 53 bits: `(next() >> 11) * 2^-53` in [0, 1). Same seed, same sequence, on every platform;
/// this type deliberately does not rely on the standard library's `random(in:using:)`,
/// whose algorithm is not guaranteed to stay the same.
public struct Xoshiro256StarStar: Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates a generator from a 64-bit seed (state = four SplitMix64 outputs).
    public init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        s0 = seeder.next()
        s1 = seeder.next()
        s2 = seeder.next()
        s3 = seeder.next()
    }

    /// The next 64-bit output: rotl(s1 * 5, 7) * 9.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in [lower, upper): lower + (upper - lower) * nextUnit().
    public mutating func nextUniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUnit()
    }

    private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
