import Foundation

/// The random distributions of plaque components in component phantoms
/// (`ComponentPhantomGenerator`). Lengths in mm, angles in degrees; every draw uniform and
/// independent unless stated. Polar coordinates (rho, phi) are about the lumen's centre; r_l(phi)
/// is the lumen radius and r_o(phi) the distance to the outer border along the same ray, so the
/// local wall is w(phi) = r_o(phi) - r_l(phi).
///
/// - Lipid pool, with probability `lipidProbability`: fibrous cap t ~ U[`capThicknessRange`]
///   between the lumen and the pool; centre angle theta uniform over the angles where the wall
///   leaves room for it (w(theta) - t - m >= 2.5 pixels, m = `outerMargin`; tested every 5 degrees,
///   theta uniform within the chosen 5-degree step; no such angle: no pool); angular width 2 a
///   with a ~ U[`lipidHalfWidthRange`]; depth d = max(f (w(theta) - t - m), 2.5 pixels) with
///   f ~ U[`lipidDepthFractionRange`] (a pool is at least 2.5 pixels deep at its centre: thinner
///   ones are strips one pixel wide, below what the pixels resolve as a shape). A pixel centre is lipid where |phi - theta| < a and
///   r_l(phi) + t <= rho <= min(r_l(phi) + t + d sqrt(cos(90 |phi - theta| / a)), r_o(phi) - m):
///   a crescent along the lumen under a cap of thickness t, rounded at its shoulders, never
///   reaching the outer border. Only its largest 8-connected piece is kept (the thin shoulders
///   can leave single pixels); a pool below `minimumComponentPixels` is left out.
/// - Calcium deposits: n ~ U{`calciumCountRange`}; each an ellipse of equal-area diameter
///   D ~ U[`calciumDiameterRange`] and aspect ratio q ~ U[1, `calciumMaximumAspect`] (long axis
///   along the wall, circumferential), centred at angle phi_c ~ U[0, 360) and radius
///   r_l + u w with u ~ U[0, 1] (0 at the lumen, 1 at the outer border): deposits may touch or cross
///   the lumen or the outer border, where the wall clips them.
/// - Every component keeps `minimumGapPixels` pixels (Chebyshev) from every other, and has at
///   least `minimumComponentPixels` pixels (its largest 8-connected piece, the one kept); a deposit
///   that does not is redrawn (up to 16 times), else left out. The lipid pool is drawn first. A
///   fibrous pixel whose four neighbours are all the deposit's or outside the wall (where a deposit
///   meets a border) joins the deposit.
public struct ComponentPhantomDistribution: Sendable, Hashable, Codable {
    /// Probability of a lipid pool. Default 0.7.
    public var lipidProbability: Double
    /// Range of the fibrous cap thickness t (mm). Default 0.1875...0.5 (1.5 to 4 pixels of 0.125 mm).
    public var capThicknessRange: ClosedRange<Double>
    /// Range of the pool's depth as a fraction f of the room behind the cap. Default 0.3...0.8.
    public var lipidDepthFractionRange: ClosedRange<Double>
    /// Range of the pool's angular half-width a (degrees). Default 20...60.
    public var lipidHalfWidthRange: ClosedRange<Double>
    /// Fibrous margin m kept between the pool and the outer border (mm). Default 0.1875 (1.5 pixels:
    /// at least one fibrous pixel between the pool and the surroundings, as the cap's lower bound
    /// keeps one towards the lumen).
    public var outerMargin: Double
    /// Range of the number of calcium deposits. Default 0...2.
    public var calciumCountRange: ClosedRange<Int>
    /// Range of a deposit's equal-area diameter D (mm). Default 0.25...0.75.
    public var calciumDiameterRange: ClosedRange<Double>
    /// Largest aspect ratio q of a deposit's ellipse. Default 2.5.
    public var calciumMaximumAspect: Double
    /// Smallest gap between components (pixels, Chebyshev). Default 2.
    public var minimumGapPixels: Int
    /// Smallest component (pixels). Default 8.
    public var minimumComponentPixels: Int

    /// The defaults documented on each property.
    public init(lipidProbability: Double = 0.7, capThicknessRange: ClosedRange<Double> = 0.1875...0.5,
                lipidDepthFractionRange: ClosedRange<Double> = 0.3...0.8, lipidHalfWidthRange: ClosedRange<Double> = 20...60,
                outerMargin: Double = 0.1875, calciumCountRange: ClosedRange<Int> = 0...2,
                calciumDiameterRange: ClosedRange<Double> = 0.25...0.75, calciumMaximumAspect: Double = 2.5,
                minimumGapPixels: Int = 2, minimumComponentPixels: Int = 8) {
        self.lipidProbability = lipidProbability
        self.capThicknessRange = capThicknessRange
        self.lipidDepthFractionRange = lipidDepthFractionRange
        self.lipidHalfWidthRange = lipidHalfWidthRange
        self.outerMargin = outerMargin
        self.calciumCountRange = calciumCountRange
        self.calciumDiameterRange = calciumDiameterRange
        self.calciumMaximumAspect = calciumMaximumAspect
        self.minimumGapPixels = minimumGapPixels
        self.minimumComponentPixels = minimumComponentPixels
    }
}

/// A phantom with plaque components: the wall of a `Phantom` (the same as the plain phantom of the
/// same seed and index) and its class mask.
public struct ComponentPhantom: Sendable, Hashable {
    /// The wall phantom.
    public let phantom: Phantom
    /// Class codes: 0 outside the wall, 1 fibrous, 2 lipid, 3 calcium; nonzero exactly on the wall.
    public let classMask: ClassMask
    /// Drawn cap thickness t of the lipid pool (mm), nil without a pool.
    public let capThickness: Double?
    /// Calcium deposits drawn and kept.
    public let calciumDeposits: Int
}

/// Adds lipid pools and calcium deposits to the phantoms of a `PhantomGenerator` (distributions
/// on `ComponentPhantomDistribution`). Phantom k's wall is the plain generator's phantom k; its
/// components come from a second stream seeded with mix(phantom seed xor 0xC0A1), so adding
/// components never changes the walls. Same seed, same index, same bytes.
public struct ComponentPhantomGenerator: Sendable {
    /// The wall generator.
    public let walls: PhantomGenerator
    /// The component distributions.
    public let distribution: ComponentPhantomDistribution

    /// Creates a generator; throws `PhantomError.invalidDistribution` for empty or out-of-range ranges.
    public init(walls: PhantomGenerator, distribution: ComponentPhantomDistribution = ComponentPhantomDistribution()) throws(PhantomError) {
        let d = distribution
        guard (0...1).contains(d.lipidProbability), d.capThicknessRange.lowerBound > 0, d.lipidDepthFractionRange.lowerBound > 0,
              d.lipidDepthFractionRange.upperBound <= 1, d.lipidHalfWidthRange.lowerBound > 0, d.lipidHalfWidthRange.upperBound <= 170,
              d.outerMargin >= 0, d.calciumCountRange.lowerBound >= 0, d.calciumCountRange.upperBound <= 16,
              d.calciumDiameterRange.lowerBound > 0, d.calciumDiameterRange.upperBound.isFinite, d.calciumMaximumAspect >= 1,
              d.minimumGapPixels >= 1, d.minimumComponentPixels >= 1
        else {
            throw .invalidDistribution(reason: "component ranges must be positive, probability in [0, 1], half-width at most 170 degrees, gap at least 1 pixel")
        }
        self.walls = walls
        self.distribution = distribution
    }

    /// Phantoms `range`, each computed independently.
    public func phantoms(in range: Range<Int>) -> [ComponentPhantom] { range.map(phantom(at:)) }

    /// Component phantom number `index`.
    public func phantom(at index: Int) -> ComponentPhantom {
        let wall = walls.phantom(at: index)
        var random = Xoshiro256StarStar(seed: SplitMix64.mix(wall.seed ^ 0xC0A1))
        let grid = walls.grid, d = distribution
        let lumen = wall.parameters.lumenContour, outer = wall.parameters.outerContour
        let wallPixels = wall.mask.wall.pixels
        var classes = wallPixels.map { $0 != 0 ? ClassMask.fibrousCode : ClassMask.outsideCode }

        // Polar coordinates of the wall pixel centres about the lumen centre, and the outer radius
        // along each ray (bisection on the star-shaped outer border).
        func outerRadius(_ phi: Double, from inner: Double) -> Double {
            var low = inner, high = inner + 2 * wall.parameters.outerDiameter
            let (c, s) = (cos(phi), sin(phi))
            for _ in 0..<30 {
                let mid = 0.5 * (low + high)
                if outer.contains(x: lumen.centerX + mid * c, y: lumen.centerY + mid * s) { low = mid } else { high = mid }
            }
            return low
        }
        struct Polar { var index: Int; var rho: Double; var phi: Double; var lumen: Double; var outer: Double }
        var polar: [Polar] = []
        for index in 0..<grid.count where wallPixels[index] != 0 {
            let (row, column) = grid.pixel(at: index)
            let centre = grid.center(row: row, column: column)
            let dx = centre.x - lumen.centerX, dy = centre.y - lumen.centerY
            let phi = atan2(dy, dx)
            let rl = lumen.radius(at: phi)
            polar.append(Polar(index: index, rho: (dx * dx + dy * dy).squareRoot(), phi: phi, lumen: rl, outer: outerRadius(phi, from: rl)))
        }
        func angleBetween(_ a: Double, _ b: Double) -> Double {
            let d = abs((a - b).truncatingRemainder(dividingBy: 2 * Double.pi))
            return min(d, 2 * Double.pi - d)
        }
        /// Whether `pixels` keep the gap to every component pixel already placed.
        func keepsGap(_ pixels: [Int]) -> Bool {
            let g = d.minimumGapPixels
            for index in pixels {
                let (row, column) = grid.pixel(at: index)
                for r in max(0, row - g)...min(grid.rows - 1, row + g) {
                    for c in max(0, column - g)...min(grid.columns - 1, column + g) where classes[r * grid.columns + c] >= ClassMask.lipidCode {
                        return false
                    }
                }
            }
            return true
        }

        func neighbours4(_ index: Int) -> [Int] {
            let (r, c) = grid.pixel(at: index)
            return [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)].filter { grid.contains(row: $0.0, column: $0.1) }.map { $0.0 * grid.columns + $0.1 }
        }

        /// The largest 8-connected piece of `pixels`.
        func largestPiece(_ pixels: [Int]) -> [Int] {
            guard !pixels.isEmpty else { return [] }
            var member = [Bool](repeating: false, count: grid.count)
            for index in pixels { member[index] = true }
            let pieces = ComponentLabeling(isMember: member, rows: grid.rows, columns: grid.columns, connectivity: .eight)
            let largest = Int32(pieces.indicesBySizeDescending[0])
            return pixels.filter { pieces.labels[$0] == largest }
        }

        var capThickness: Double?
        if random.nextUnit() < d.lipidProbability {
            let cap = random.nextUniform(d.capThicknessRange.lowerBound, d.capThicknessRange.upperBound)
            let halfWidth = random.nextUniform(d.lipidHalfWidthRange.lowerBound, d.lipidHalfWidthRange.upperBound) * Double.pi / 180
            let fraction = random.nextUniform(d.lipidDepthFractionRange.lowerBound, d.lipidDepthFractionRange.upperBound)
            let step = 5 * Double.pi / 180
            func room(_ theta: Double) -> Double {
                let rl = lumen.radius(at: theta)
                return outerRadius(theta, from: rl) - rl - cap - d.outerMargin
            }
            let admissible = (0..<72).map { Double($0) * step }.filter { room($0) >= 2.5 * grid.pixelSize }
            let pick = random.next(), jitter = random.nextUnit()
            if !admissible.isEmpty {
                let theta = admissible[Int(pick % UInt64(admissible.count))] + (jitter - 0.5) * step
                let depth = min(max(fraction * room(theta), 2.5 * grid.pixelSize), max(room(theta), 0))
                let pixels = largestPiece(polar.filter { p in
                    let delta = angleBetween(p.phi, theta)
                    guard delta < halfWidth else { return false }
                    let top = min(p.lumen + cap + depth * cos(0.5 * Double.pi * delta / halfWidth).squareRoot(), p.outer - d.outerMargin)
                    return p.rho >= p.lumen + cap && p.rho <= top
                }.map(\.index))
                if pixels.count >= d.minimumComponentPixels {
                    for index in pixels { classes[index] = ClassMask.lipidCode }
                    capThickness = cap
                }
            }
        }

        let deposits = d.calciumCountRange.lowerBound + Int(random.next() % UInt64(d.calciumCountRange.count))
        var kept = 0
        for _ in 0..<deposits {
            for _ in 0..<16 {
                let phi = random.nextUniform(-Double.pi, Double.pi)
                let u = random.nextUnit()
                let diameter = random.nextUniform(d.calciumDiameterRange.lowerBound, d.calciumDiameterRange.upperBound)
                let aspect = random.nextUniform(1, d.calciumMaximumAspect)
                let rl = lumen.radius(at: phi)
                let rho = rl + u * (outerRadius(phi, from: rl) - rl)
                let (cx, cy) = (lumen.centerX + rho * cos(phi), lumen.centerY + rho * sin(phi))
                // Semi-axes with a b = (D / 2)^2: a along the wall (tangent), b across it (radial).
                let a = 0.5 * diameter * aspect.squareRoot(), b = 0.5 * diameter / aspect.squareRoot()
                let (tx, ty) = (-sin(phi), cos(phi))
                let pixels = largestPiece(polar.filter { p in
                    let (row, column) = grid.pixel(at: p.index)
                    let centre = grid.center(row: row, column: column)
                    let (dx, dy) = (centre.x - cx, centre.y - cy)
                    let along = dx * tx + dy * ty, across = dx * ty - dy * tx
                    return (along / a) * (along / a) + (across / b) * (across / b) < 1
                }.map(\.index))
                guard pixels.count >= d.minimumComponentPixels, keepsGap(pixels) else { continue }
                for index in pixels { classes[index] = ClassMask.calciumCode }
                // Fibrous pixels the deposit and a border enclose join it (a second pass lets a pixel whose
                // last fibrous neighbour joined in the first pass join too).
                for _ in 0..<2 {
                    for index in pixels.flatMap({ neighbours4($0) }) where classes[index] == ClassMask.fibrousCode
                        && neighbours4(index).count == 4
                        && neighbours4(index).allSatisfy({ classes[$0] == ClassMask.calciumCode || classes[$0] == ClassMask.outsideCode }) {
                        classes[index] = ClassMask.calciumCode
                    }
                }
                kept += 1
                break
            }
        }
        // The codes are 0...3 on the phantom's grid by construction.
        let classMask = try! ClassMask(grid: grid, classes: classes)
        return ComponentPhantom(phantom: wall, classMask: classMask, capThickness: capThickness, calciumDeposits: kept)
    }
}
