import Neural

/// One move in latent space along the normalized loss gradient, kept inside the prior ball.
///
/// z' = z + alpha g / |g| (ascent: towards latent regions where the task model errs more),
/// then, if |z'| > R, z' <- R z' / |z'| (projection onto the ball of radius R, so decoded
/// points stay where the prior N(0, I) puts mass). A zero or non-finite gradient leaves z
/// unchanged (apart from the projection).
public struct LatentStep: Sendable, Codable, Equatable {
    /// alpha, the step length in latent units (> 0).
    public var stepSize: Double
    /// R, the radius of the latent ball kept (> 0); 3 covers about 97 % of N(0, I) in 3-d.
    public var priorRadius: Double

    /// Creates a step rule.
    public init(stepSize: Double, priorRadius: Double) {
        self.stepSize = stepSize
        self.priorRadius = priorRadius
    }

    /// z' = project(z + alpha g / |g|).
    public func displaced(_ latent: [Double], along gradient: [Double]) -> [Double] {
        precondition(latent.count == gradient.count, "latent and gradient dimensions differ")
        let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var moved = latent
        if norm > 0, norm.isFinite {
            for i in moved.indices { moved[i] += stepSize * gradient[i] / norm }
        }
        return projected(moved)
    }

    /// The point itself if |z| <= R, else R z / |z|.
    public func projected(_ latent: [Double]) -> [Double] {
        let norm = latent.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > priorRadius else { return latent }
        return latent.map { $0 * priorRadius / norm }
    }
}

/// Draws from the prior N(0, I) restricted to the ball |z| <= R (rejection; R >= 1 accepts at
/// least 19 % of draws in 3-d, the default R = 3 about 97 %).
public func priorDraw(dimension: Int, radius: Double, generator: inout SeededGenerator) -> [Double] {
    while true {
        let z = (0..<dimension).map { _ in generator.nextStandardNormal() }
        if z.reduce(0, { $0 + $1 * $1 }) <= radius * radius { return z }
    }
}
