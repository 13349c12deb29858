/// SplitMix64 (Steele, Lea and Flood 2014; constants as in Vigna's reference code):
/// a 64-bit generator used here to seed `Xoshiro256StarStar` and to derive per-index seeds.
///
/// state += 0x9E3779B97F4A7C15; output = mix(state). Deterministic on every platform.
public struct SplitMix64: Sendable, Hashable {
    /// The current state.
    public private(set) var state: UInt64

    /// Creates a generator whose first output is `mix(seed + 0x9E3779B97F4A7C15)`.
    public init(seed: UInt64) { state = seed }

    /// The next 64-bit output.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser, a bijection of UInt64 with good avalanche:
    /// z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB; z ^ (z >> 31).
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
