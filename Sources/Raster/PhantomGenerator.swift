import Foundation

/// Generates synthetic IVUS vessel-wall masks ("phantoms") that look like coronary cross
/// sections by construction: an irregular outer border, a smaller irregular eccentric lumen,
/// the wall between them, rasterized by testing pixel centres (a pixel is wall iff its centre
/// is inside the outer border and not inside the lumen border) and validated with
/// `Mask.validated(options:)`. The distributions are documented on `PhantomDistribution`.
///
/// Determinism and splitting: phantom k of seed s is drawn from its own generator
/// `Xoshiro256StarStar(seed: seed(forIndex: k))`, so it is computed without generating
/// phantoms 0..<k, and batches can be split across processes. Same seed, same index, same
/// bytes. A shape that fails validation is redrawn from the same stream (deterministic); after
/// 32 failed shapes D and B are redrawn too; after 1,000 a concentric round phantom
/// (D = 4 mm, B = 0.5) is returned. With the default distribution on the default grid neither
/// fallback is expected (the tests check the first hundreds need one attempt).
public struct PhantomGenerator: Sendable {
    /// The base seed.
    public let seed: UInt64
    /// The raster (default 64 x 64 pixels of 0.125 mm).
    public let grid: PixelGrid
    /// The shape distributions.
    public let distribution: PhantomDistribution
    /// The validation every phantom passes.
    public let validationOptions: MaskValidationOptions

    private static let polygonPoints = 192
    private static let lumenSamplePoints = 96
    private static let bisectionSteps = 14
    private static let attemptsPerDraw = 32
    private static let maximumAttempts = 1_000

    /// Creates a generator.
    ///
    /// - Throws: `PhantomError.invalidDistribution` for empty or out-of-range distributions;
    ///   `PhantomError.unsupportedGrid` if the largest vessel (with irregularity and jitter)
    ///   plus one pixel does not fit in the image, or if the thinnest mean wall is not above
    ///   `minimumWallThicknessInPixels` pixels (pixels too coarse), or if `validationOptions`
    ///   reject the fallback round phantom (D = 4 mm, B = 0.5).
    public init(
        seed: UInt64,
        grid: PixelGrid = .standard,
        distribution: PhantomDistribution = PhantomDistribution(),
        validationOptions: MaskValidationOptions = MaskValidationOptions()
    ) throws(PhantomError) {
        let d = distribution
        guard d.outerDiameterRange.lowerBound > 0, d.outerDiameterRange.upperBound.isFinite,
              d.plaqueBurdenRange.lowerBound > 0, d.plaqueBurdenRange.upperBound < 1,
              d.centerJitter >= 0, d.centerJitter.isFinite,
              d.outerOrders.lowerBound >= 1, d.lumenOrders.lowerBound >= 1,
              d.outerIrregularity >= 0, d.lumenIrregularity >= 0,
              PhantomGenerator.irregularityBound(alpha: d.outerIrregularity, orders: d.outerOrders) < 0.5,
              PhantomGenerator.irregularityBound(alpha: d.lumenIrregularity, orders: d.lumenOrders) < 0.5,
              d.minimumWallThickness >= 0, d.minimumWallThicknessInPixels >= 0
        else {
            throw .invalidDistribution(reason: "ranges must be positive, burden below 1, irregularity sums below 0.5")
        }
        let outerBound = PhantomGenerator.irregularityBound(alpha: d.outerIrregularity, orders: d.outerOrders)
        let reach = d.outerDiameterRange.upperBound / 2 * (1 + outerBound) + d.centerJitter * 2.squareRoot()
            + grid.pixelSize
        guard reach < min(grid.width, grid.height) / 2 else {
            throw .unsupportedGrid(
                reason: "vessels reach \(reach) mm from the centre but the image half-size is \(min(grid.width, grid.height) / 2) mm")
        }
        let thinnestMeanWall = PhantomGenerator.meanWallThickness(
            diameter: d.outerDiameterRange.lowerBound, burden: d.plaqueBurdenRange.lowerBound)
        guard thinnestMeanWall > d.minimumWallThicknessInPixels * grid.pixelSize else {
            throw .unsupportedGrid(
                reason: "thinnest mean wall \(thinnestMeanWall) mm is not above \(d.minimumWallThicknessInPixels) pixels of \(grid.pixelSize) mm")
        }
        self.seed = seed
        self.grid = grid
        self.distribution = distribution
        self.validationOptions = validationOptions
        do {
            _ = try rasterize(roundPhantom()).validated(options: validationOptions)
        } catch {
            throw .unsupportedGrid(reason: "the validation options reject even a round phantom: \(error)")
        }
    }

    /// The seed of phantom `index`: mix(mix(seed) + (index + 1) * 0x9E3779B97F4A7C15), with
    /// `mix` the SplitMix64 finaliser; distinct indices give distinct seeds.
    public func seed(forIndex index: Int) -> UInt64 {
        precondition(index >= 0, "phantom index must be non-negative")
        return SplitMix64.mix(SplitMix64.mix(seed) &+ (UInt64(index) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Phantoms `range.lowerBound ..< range.upperBound`, each computed independently.
    public func phantoms(in range: Range<Int>) -> [Phantom] { range.map(phantom(at:)) }

    /// Phantom number `index` (>= 0) of this generator's sequence.
    public func phantom(at index: Int) -> Phantom {
        let indexSeed = seed(forIndex: index)
        var random = Xoshiro256StarStar(seed: indexSeed)
        var diameter = 0.0
        var burden = 0.0
        for attempt in 1...PhantomGenerator.maximumAttempts {
            if attempt % PhantomGenerator.attemptsPerDraw == 1 {
                diameter = random.nextUniform(distribution.outerDiameterRange.lowerBound, distribution.outerDiameterRange.upperBound)
                burden = random.nextUniform(distribution.plaqueBurdenRange.lowerBound, distribution.plaqueBurdenRange.upperBound)
            }
            guard let parameters = drawShape(diameter: diameter, burden: burden, random: &random) else { continue }
            if let mask = try? rasterize(parameters).validated(options: validationOptions) {
                return Phantom(index: index, seed: indexSeed, parameters: parameters, mask: mask, attempts: attempt)
            }
        }
        let parameters = roundPhantom()
        // init checked that the round phantom passes validation on this grid.
        guard let mask = try? rasterize(parameters).validated(options: validationOptions) else {
            preconditionFailure("round phantom failed validation after init accepted it")
        }
        return Phantom(index: index, seed: indexSeed, parameters: parameters, mask: mask,
                       attempts: PhantomGenerator.maximumAttempts + 1)
    }

    /// Rasterizes the continuous shape: wall iff the pixel centre is inside the outer border
    /// and not inside the lumen border.
    public func rasterize(_ parameters: PhantomParameters) -> Mask {
        Mask(grid: grid) { row, column in
            let center = grid.center(row: row, column: column)
            return parameters.outerContour.contains(x: center.x, y: center.y)
                && !parameters.lumenContour.contains(x: center.x, y: center.y)
        }
    }

    // MARK: - Drawing

    /// Mean wall thickness (D - D sqrt(1 - B)) / 2 in mm.
    static func meanWallThickness(diameter: Double, burden: Double) -> Double {
        diameter / 2 * (1 - (1 - burden).squareRoot())
    }

    /// sqrt(2) sum_k c_k: the largest relative radius deviation the coefficient bounds allow.
    static func irregularityBound(alpha: Double, orders: ClosedRange<Int>) -> Double {
        2.squareRoot() * orders.reduce(0) { $0 + PhantomDistribution.coefficientBound(alpha: alpha, order: $1) }
    }

    private func drawModes(alpha: Double, orders: ClosedRange<Int>, random: inout Xoshiro256StarStar) -> [FourierMode] {
        orders.map { order in
            let bound = PhantomDistribution.coefficientBound(alpha: alpha, order: order)
            let cosine = random.nextUniform(-bound, bound)
            let sine = random.nextUniform(-bound, bound)
            return FourierMode(order: order, cosine: cosine, sine: sine)
        }
    }

    /// Mean radius R giving the equal-area radius `equivalentRadius` with these modes.
    private func meanRadius(equivalentRadius: Double, modes: [FourierMode]) -> Double {
        equivalentRadius / (1 + modes.reduce(0) { $0 + 0.5 * $1.amplitude * $1.amplitude }).squareRoot()
    }

    private func drawShape(diameter: Double, burden: Double, random: inout Xoshiro256StarStar) -> PhantomParameters? {
        let d = distribution
        let centerX = grid.width / 2 + random.nextUniform(-d.centerJitter, d.centerJitter)
        let centerY = grid.height / 2 + random.nextUniform(-d.centerJitter, d.centerJitter)
        var outerModes = drawModes(alpha: d.outerIrregularity, orders: d.outerOrders, random: &random)
        var lumenModes = drawModes(alpha: d.lumenIrregularity, orders: d.lumenOrders, random: &random)
        let offsetAngle = random.nextUniform(0, 2 * Double.pi)
        let eccentricity = random.nextUnit()

        let outerRadius = diameter / 2
        let lumenRadius = outerRadius * (1 - burden).squareRoot()
        let meanWall = outerRadius - lumenRadius
        let thickness = max(d.minimumWallThicknessInPixels * grid.pixelSize, min(d.minimumWallThickness, 0.8 * meanWall))
        let budget = 0.6 * (meanWall - thickness)
        guard budget > 0 else { return nil }
        let deviation = outerRadius * outerModes.reduce(0) { $0 + $1.amplitude }
            + lumenRadius * lumenModes.reduce(0) { $0 + $1.amplitude }
        if deviation > budget {
            let factor = budget / deviation
            outerModes = outerModes.map { FourierMode(order: $0.order, cosine: factor * $0.cosine, sine: factor * $0.sine) }
            lumenModes = lumenModes.map { FourierMode(order: $0.order, cosine: factor * $0.cosine, sine: factor * $0.sine) }
        }
        let outer = FourierContour(
            centerX: centerX, centerY: centerY,
            meanRadius: meanRadius(equivalentRadius: outerRadius, modes: outerModes), modes: outerModes)
        let centeredLumen = FourierContour(
            centerX: centerX, centerY: centerY,
            meanRadius: meanRadius(equivalentRadius: lumenRadius, modes: lumenModes), modes: lumenModes)

        let outerPolygon = outer.polygon(count: PhantomGenerator.polygonPoints)
        let lumenSamples = centeredLumen.polygon(count: PhantomGenerator.lumenSamplePoints)
        let directionX = cos(offsetAngle)
        let directionY = sin(offsetAngle)
        func gap(_ offset: Double) -> Double {
            PhantomGenerator.minimumDistance(
                from: lumenSamples, shiftedBy: (offset * directionX, offset * directionY),
                to: outerPolygon, center: (centerX, centerY))
        }
        guard gap(0) >= thickness else { return nil }
        var low = 0.0
        var high = meanWall
        for _ in 0..<PhantomGenerator.bisectionSteps {
            let middle = (low + high) / 2
            if gap(middle) >= thickness { low = middle } else { high = middle }
        }
        let maximumOffset = low
        let offset = eccentricity * maximumOffset
        let lumen = centeredLumen.translated(dx: offset * directionX, dy: offset * directionY)
        return PhantomParameters(
            outerDiameter: diameter, plaqueBurden: burden, outerContour: outer, lumenContour: lumen,
            lumenOffset: offset, lumenOffsetAngle: offsetAngle, eccentricity: eccentricity,
            maximumOffset: maximumOffset, minimumWallThickness: thickness, minimumGap: gap(offset))
    }

    /// Smallest distance from the (shifted) sample points to the closed polygon, or a negative
    /// number if a point lies outside the polygon's star-shaped region (radial test from
    /// `center`). Only segments within +-30 degrees of a point's polar angle are examined:
    /// for these nearly round shapes the nearest boundary point is always in that window.
    static func minimumDistance(
        from samples: [(x: Double, y: Double)], shiftedBy shift: (x: Double, y: Double),
        to polygon: [(x: Double, y: Double)], center: (x: Double, y: Double)
    ) -> Double {
        let count = polygon.count
        let window = count / 12
        var best = Double.infinity
        for sample in samples {
            let px = sample.x + shift.x
            let py = sample.y + shift.y
            var angle = atan2(py - center.y, px - center.x)
            if angle < 0 { angle += 2 * Double.pi }
            let nearest = Int((angle / (2 * Double.pi) * Double(count)).rounded()) % count
            let radius = ((px - center.x) * (px - center.x) + (py - center.y) * (py - center.y)).squareRoot()
            let boundary = polygon[nearest]
            let boundaryRadius = ((boundary.x - center.x) * (boundary.x - center.x)
                + (boundary.y - center.y) * (boundary.y - center.y)).squareRoot()
            if radius >= boundaryRadius { return -1 }
            for step in -window...window {
                let a = polygon[(nearest + step + count) % count]
                let b = polygon[(nearest + step + 1 + count) % count]
                best = min(best, segmentDistance(px, py, a, b))
            }
        }
        return best
    }

    private static func segmentDistance(_ px: Double, _ py: Double, _ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
        let ex = b.x - a.x
        let ey = b.y - a.y
        let lengthSquared = ex * ex + ey * ey
        var t = lengthSquared > 0 ? ((px - a.x) * ex + (py - a.y) * ey) / lengthSquared : 0
        t = min(1, max(0, t))
        let dx = px - (a.x + t * ex)
        let dy = py - (a.y + t * ey)
        return (dx * dx + dy * dy).squareRoot()
    }

    /// The fallback: concentric circles, D = 4 mm, B = 0.5, centred in the image.
    private func roundPhantom() -> PhantomParameters {
        let outer = FourierContour(centerX: grid.width / 2, centerY: grid.height / 2, meanRadius: 2, modes: [])
        let lumen = FourierContour(centerX: grid.width / 2, centerY: grid.height / 2, meanRadius: 2 * 0.5.squareRoot(), modes: [])
        let gap = outer.meanRadius - lumen.meanRadius
        return PhantomParameters(
            outerDiameter: 4, plaqueBurden: 0.5, outerContour: outer, lumenContour: lumen, lumenOffset: 0,
            lumenOffsetAngle: 0, eccentricity: 0, maximumOffset: 0, minimumWallThickness: gap, minimumGap: gap)
    }
}
