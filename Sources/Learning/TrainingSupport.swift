import Neural

/// A seeded permutation of 0..<count (Fisher-Yates) for one epoch.
///
/// The generator is seeded with a mix of `seed` and the epoch number, so that the order of an
/// epoch does not depend on how the epochs were split across `train` calls.
func shuffledIndices(count: Int, seed: UInt64, epoch: Int) -> [Int] {
    var generator = SeededGenerator(seed: epochSeed(seed, epoch))
    var indices = Array(0..<count)
    if count > 1 {
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            indices.swapAt(i, j)
        }
    }
    return indices
}

/// A seed for epoch `epoch` derived from a base seed (golden-ratio increment, as SplitMix64).
func epochSeed(_ seed: UInt64, _ epoch: Int) -> UInt64 {
    seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: epoch &+ 1)
}

/// Mini-batches of a permutation: batches of `size`; a last batch of a single sample is dropped
/// when `droppingSingletons` (BatchNorm cannot normalize one sample whose code is 1 x 1).
func miniBatches(_ order: [Int], size: Int, droppingSingletons: Bool) -> [[Int]] {
    var batches: [[Int]] = []
    var start = 0
    while start < order.count {
        let end = min(start + size, order.count)
        if !(droppingSingletons && end - start == 1 && !batches.isEmpty) {
            batches.append(Array(order[start..<end]))
        }
        start = end
    }
    return batches
}

/// Checks an option that must be a positive integer.
func requirePositive(_ value: Int, _ name: String) throws(LearningError) {
    guard value > 0 else { throw .invalidOption(name: name, reason: "must be positive, got \(value)") }
}

/// Checks an option that must be a finite positive number.
func requirePositive(_ value: Double, _ name: String) throws(LearningError) {
    guard value.isFinite, value > 0 else { throw .invalidOption(name: name, reason: "must be finite and positive, got \(value)") }
}
