import Foundation

/// The encoder's aggregate posterior, summarized from the pool's encoder means, and the latent
/// step matched to it (the SI-data, SI-mix and SI-pool strategies).
///
/// The paper's step works in N(0, I) units: z' = z + alpha g/|g|, projected onto |z| <= R. A
/// trained VAE's pool codes are not N(0, I) (measured here: mean |z| of 2.5 for the phantom
/// pool against 1.5 for N(0, I) in 3-d), so SI under-samples the outer part of the data. This
/// type whitens per dimension, w = (z - mu) / sigma with the mean mu and standard deviation
/// sigma of the pool codes, and takes the step there: w' = w + alpha (g . sigma)/|g . sigma|
/// (g . sigma = dL/dw), projected onto |w| <= R_data, then z' = mu + sigma . w'. R_data is the
/// quantile of the pool's |w| at the mass that the prior keeps inside R (for R = 3 in 3-d,
/// 97.1 %), so the ball keeps the same share of the data as the paper's ball keeps of the prior.
public struct AggregatePosterior: Sendable, Equatable {
    /// mu, the mean of the pool codes.
    public let mean: [Double]
    /// sigma, the standard deviation of the pool codes per dimension (> 0).
    public let standardDeviation: [Double]
    /// R_data, the radius of the ball kept, in whitened units.
    public let radius: Double

    /// Summarizes `codes` (at least two, all of one dimension) for a prior ball of radius
    /// `priorRadius`.
    public init(codes: [[Double]], priorRadius: Double) throws(SamplingError) {
        guard codes.count >= 2, let d = codes.first?.count, d >= 1, codes.allSatisfy({ $0.count == d }) else {
            throw .mismatch("the aggregate posterior needs at least two codes of one dimension")
        }
        guard priorRadius > 0, priorRadius.isFinite else {
            throw .invalidOption(name: "priorRadius", reason: "must be positive and finite, got \(priorRadius)")
        }
        let n = Double(codes.count)
        let mean = (0..<d).map { k in codes.reduce(0) { $0 + $1[k] } / n }
        let deviation = (0..<d).map { k in
            max((codes.reduce(0) { $0 + ($1[k] - mean[k]) * ($1[k] - mean[k]) } / (n - 1)).squareRoot(), 1e-9)
        }
        let norms = codes.map { z in (0..<d).reduce(0.0) { $0 + pow((z[$1] - mean[$1]) / deviation[$1], 2) }.squareRoot() }.sorted()
        let coverage = Self.chiSquareCDF(priorRadius * priorRadius, degrees: d)
        let position = coverage * Double(norms.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, norms.count - 1)
        let fraction = position - Double(lower)
        self.mean = mean
        self.standardDeviation = deviation
        self.radius = max(norms[lower] + fraction * (norms[upper] - norms[lower]), 1e-9)
    }

    /// d.
    public var dimension: Int { mean.count }

    /// z' = mu + sigma . project(w + alpha (g . sigma)/|g . sigma|) with w = (z - mu)/sigma; a zero
    /// or non-finite gradient only projects.
    public func displaced(_ latent: [Double], along gradient: [Double], stepSize: Double) -> [Double] {
        precondition(latent.count == dimension && gradient.count == dimension, "latent, gradient and posterior dimensions differ")
        var w = (0..<dimension).map { (latent[$0] - mean[$0]) / standardDeviation[$0] }
        let scaled = (0..<dimension).map { gradient[$0] * standardDeviation[$0] }
        let norm = scaled.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0, norm.isFinite {
            for k in w.indices { w[k] += stepSize * scaled[k] / norm }
        }
        let length = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if length > radius { w = w.map { $0 * radius / length } }
        return (0..<dimension).map { mean[$0] + standardDeviation[$0] * w[$0] }
    }

    /// P(chi^2_d <= x), the regularized lower incomplete gamma P(d/2, x/2) (series).
    static func chiSquareCDF(_ x: Double, degrees: Int) -> Double {
        let a = Double(degrees) / 2, t = x / 2
        guard t > 0 else { return 0 }
        var term = 1 / a, sum = 1 / a
        for n in 1..<1_000 {
            term *= t / (a + Double(n))
            sum += term
            if term < sum * 1e-15 { break }
        }
        return min(1, exp(a * log(t) - t - lgamma(a)) * sum)
    }
}

/// k-center greedy (Sener and Savarese 2018): repeatedly picks the point farthest from its
/// nearest centre (the given centres and the points picked so far), skipping excluded points;
/// ties go to the lower index. Squared Euclidean distance.
/// - Returns: Up to `count` indices of `points`, in the order picked.
public func kCenterGreedy(points: [[Double]], centers: [[Double]], excluded: [Bool], count: Int) -> [Int] {
    precondition(excluded.count == points.count, "one exclusion flag per point")
    func distance(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for k in a.indices { sum += (a[k] - b[k]) * (a[k] - b[k]) }
        return sum
    }
    var nearest = points.map { point in centers.reduce(Double.infinity) { min($0, distance(point, $1)) } }
    var taken = excluded
    var picked: [Int] = []
    while picked.count < count {
        var best: Int?
        for index in points.indices where !taken[index] {
            if best == nil || nearest[index] > nearest[best!] { best = index }
        }
        guard let chosen = best else { break }
        picked.append(chosen)
        taken[chosen] = true
        for index in points.indices where !taken[index] {
            nearest[index] = min(nearest[index], distance(points[index], points[chosen]))
        }
    }
    return picked
}

/// The `count` indices with the largest scores, largest first; ties go to the lower index.
public func largestScores(_ scores: [Double], count: Int) -> [Int] {
    Array(scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(count))
}
