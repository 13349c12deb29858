import Neural
import Testing
@testable import Sampling

struct NearestNeighbourTests {
    /// Every selection equals the brute-force minimum over the still-unselected points (ties:
    /// lowest index), and no point is returned twice.
    @Test func selectionMatchesBruteForce() throws {
        var generator = SeededGenerator(seed: 3)
        // Coarse coordinates so that ties occur.
        let points = (0..<400).map { _ in (0..<3).map { _ in Double(Int(generator.next() % 5)) } }
        var search = try NearestNeighbourSearch(points: points)
        var taken = Set<Int>()
        for _ in 0..<400 {
            let query = (0..<3).map { _ in generator.nextUnitDouble() * 5 - 0.5 }
            let distances = points.indices.filter { !taken.contains($0) }.map { index in
                (index, zip(points[index], query).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) })
            }
            let expected = distances.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }!.0
            let chosen = search.selectNearest(to: query)
            #expect(chosen == expected)
            taken.insert(expected)
        }
        #expect(search.remainingCount == 0)
        #expect(search.selectNearest(to: [0, 0, 0]) == nil)
    }

    @Test func rejectsEmptyAndRaggedPools() {
        #expect(throws: SamplingError.self) { try NearestNeighbourSearch(points: []) }
        #expect(throws: SamplingError.self) { try NearestNeighbourSearch(points: [[0, 1], [1]]) }
    }
}
