/// A small deterministic pseudo-random number generator: xoshiro256** seeded through SplitMix64.
///
/// The same seed gives the same sequence on every platform and run, so seeded initialisation
/// gives identical parameter bytes.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose four state words are the first four SplitMix64 outputs for `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    /// Returns the next 64 random bits (xoshiro256**: rotl(s1 * 5, 7) * 9).
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// Returns a uniform Double in [0, 1) from the top 53 bits: (next >> 11) * 2^-53.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Returns a standard normal sample by Box–Muller: sqrt(-2 ln(1 - u1)) * cos(2 pi u2).
    public mutating func nextStandardNormal() -> Double {
        let u1 = nextUnitDouble()
        let u2 = nextUnitDouble()
        return (-2 * Double.logarithm(1 - u1)).squareRoot() * _cosine(2 * Double.pi * u2)
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

import Foundation

@inline(__always) private func _cosine(_ x: Double) -> Double { cos(x) }
