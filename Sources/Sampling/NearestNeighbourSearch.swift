/// Exact nearest-neighbour search among the not-yet-selected points of a pool of latent codes.
///
/// Squared Euclidean distance, ties broken by the lower index; a linear scan over a flat array
/// (60,000 3-d codes: about 0.1 ms per query, cheaper than building and pruning a tree for
/// the few hundred queries of a round). Selected points are never returned again.
public struct NearestNeighbourSearch: Sendable {
    /// d, the dimension of every point.
    public let dimension: Int
    private let coordinates: [Double]
    private var selected: [Bool]
    /// Points not selected yet.
    public private(set) var remainingCount: Int

    /// Creates the search over `points` (all of the same dimension, at least one point).
    public init(points: [[Double]]) throws(SamplingError) {
        guard let first = points.first else { throw .mismatch("empty pool") }
        guard points.allSatisfy({ $0.count == first.count }) else { throw .mismatch("pool codes of different dimensions") }
        dimension = first.count
        coordinates = points.flatMap { $0 }
        selected = Array(repeating: false, count: points.count)
        remainingCount = points.count
    }

    /// Number of points in the pool.
    public var count: Int { selected.count }

    /// Whether point `index` was selected.
    public func isSelected(_ index: Int) -> Bool { selected[index] }

    /// Marks point `index` as selected (it will not be returned again).
    public mutating func markSelected(_ index: Int) {
        if !selected[index] {
            selected[index] = true
            remainingCount -= 1
        }
    }

    /// The index of the unselected point nearest to `query` (nil when none is left).
    public func nearestUnselected(to query: [Double]) -> Int? {
        precondition(query.count == dimension, "query dimension differs from the pool")
        var best: Int?
        var bestDistance = Double.infinity
        coordinates.withUnsafeBufferPointer { points in
            for index in 0..<selected.count where !selected[index] {
                var distance = 0.0
                for k in 0..<dimension {
                    let difference = points[index * dimension + k] - query[k]
                    distance += difference * difference
                }
                if distance < bestDistance {
                    bestDistance = distance
                    best = index
                }
            }
        }
        return best
    }

    /// Selects and returns the unselected point nearest to `query`.
    public mutating func selectNearest(to query: [Double]) -> Int? {
        guard let index = nearestUnselected(to: query) else { return nil }
        markSelected(index)
        return index
    }
}
