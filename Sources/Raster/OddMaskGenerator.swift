import Foundation

/// Seeded random masks of the kinds segmentation networks and hand-drawn files produce, for
/// property tests and the robustness benchmark: blobs without a lumen, rings with random bumps,
/// rings with holes, bridges across the lumen, specks, one-pixel features and thresholded noise.
///
/// Mask `index` depends only on the seed and the index (`SplitMix64.mix(seed ^ mix(index))`
/// seeds its generator), so any case can be replayed on its own. Most kinds are near a vessel wall
/// and some of them are valid walls; the others must be refused with a typed reason.
public struct OddMaskGenerator: Sendable {
    /// The kinds of mask, drawn in turn (`index % allCases.count`).
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// A filled star-shaped blob (no lumen).
        case blob
        /// A ring whose two borders carry random harmonic bumps, off centre.
        case bumpyRing
        /// A ring with 1 to 4 holes punched into the wall (1 to 5 pixels across).
        case ringWithHoles
        /// A ring with a straight bridge of wall across its lumen (1 to 3 pixels thick).
        case bridgedRing
        /// A ring with up to 12 specks of 1 to 4 pixels inside the lumen and outside.
        case ringWithSpecks
        /// A ring with a one-pixel feature: a one-pixel-thick wall, a one-pixel lumen, a spur, a
        /// one-pixel gap in the wall, a lone pixel, or a diagonal-only connection.
        case onePixelFeature
        /// A random field, box-blurred and thresholded.
        case thresholdedNoise
    }

    /// The seed of the whole sequence.
    public let seed: UInt64
    /// Mask side in pixels (square masks), at least 8.
    public let size: Int
    /// Pixel size (mm).
    public let pixelSize: Double

    /// A generator of `size` x `size` masks (clamped to at least 8) of `pixelSize` mm.
    public init(seed: UInt64, size: Int = 32, pixelSize: Double = PixelGrid.defaultPixelSize) {
        self.seed = seed
        self.size = max(size, 8)
        self.pixelSize = pixelSize
    }

    /// Mask number `index` and its kind.
    public func mask(at index: Int) -> (kind: Kind, mask: Mask) {
        let kind = Kind.allCases[index % Kind.allCases.count]
        var random = Random(seed: SplitMix64.mix(seed ^ SplitMix64.mix(UInt64(truncatingIfNeeded: index))))
        var canvas = Canvas(size: size)
        draw(kind, on: &canvas, random: &random)
        let grid = PixelGrid(rows: size, columns: size, pixelSize: pixelSize) ?? .standard
        // The canvas holds only 0 and 1 and has the grid's size, so this cannot fail.
        let mask = (try? Mask(grid: grid, values: canvas.pixels)) ?? Mask(grid: grid, isMember: { _, _ in false })
        return (kind, mask)
    }

    private func draw(_ kind: Kind, on canvas: inout Canvas, random: inout Random) {
        let n = Double(size)
        switch kind {
        case .blob:
            let centre = (random.uniform(0.3 * n, 0.7 * n), random.uniform(0.3 * n, 0.7 * n))
            let bumps = random.harmonics(count: random.integer(0, 5), amplitude: 0.3)
            let radius = random.uniform(0.1 * n, 0.4 * n)
            canvas.fill { x, y in
                let (r, theta) = polar(x, y, centre)
                return r <= radius * (1 + bumps(theta))
            }
        case .bumpyRing:
            ring(on: &canvas, random: &random, bumpAmplitude: random.uniform(0, 0.35))
        case .ringWithHoles:
            let (centre, inner, outer) = ring(on: &canvas, random: &random, bumpAmplitude: 0.05)
            for _ in 0..<random.integer(1, 4) {
                let theta = random.uniform(0, 2 * Double.pi)
                let r = random.uniform(inner, outer)
                canvas.disc(x: centre.0 + r * cos(theta), y: centre.1 + r * sin(theta), radius: random.uniform(0.5, 2.5), value: 0)
            }
        case .bridgedRing:
            let (centre, _, outer) = ring(on: &canvas, random: &random, bumpAmplitude: 0.05)
            let theta = random.uniform(0, Double.pi)
            let half = random.uniform(0.5, 1.5)
            canvas.line(from: (centre.0 - outer * cos(theta), centre.1 - outer * sin(theta)),
                        to: (centre.0 + outer * cos(theta), centre.1 + outer * sin(theta)), halfWidth: half)
        case .ringWithSpecks:
            let (centre, inner, _) = ring(on: &canvas, random: &random, bumpAmplitude: 0.1)
            for _ in 0..<random.integer(0, 12) {
                let inside = random.integer(0, 1) == 0
                let (x, y): (Double, Double)
                if inside {
                    let r = random.uniform(0, 0.7 * inner), theta = random.uniform(0, 2 * Double.pi)
                    (x, y) = (centre.0 + r * cos(theta), centre.1 + r * sin(theta))
                } else {
                    (x, y) = (random.uniform(1, n - 1), random.uniform(1, n - 1))
                }
                // Mostly single pixels (removed as specks), now and then a clump of up to 9.
                canvas.disc(x: x, y: y, radius: random.integer(0, 3) == 0 ? random.uniform(0.8, 1.7) : 0.3, value: 1)
            }
        case .onePixelFeature:
            onePixelFeature(on: &canvas, random: &random)
        case .thresholdedNoise:
            var field = (0..<(size * size)).map { _ in random.uniform(0, 1) }
            for _ in 0..<random.integer(0, 3) { field = boxBlur(field) }
            let threshold = random.uniform(0.3, 0.7)
            canvas.pixels = field.map { $0 > threshold ? 1 : 0 }
            if random.integer(0, 1) == 0 {
                // Noise on a ring: a segmentation with ragged borders, off the image border.
                let outer = random.uniform(0.25 * n, 0.45 * n), inner = random.uniform(0.3, 0.7) * outer
                let keep = random.uniform(0.1, 0.25) * outer
                for row in 0..<size {
                    for column in 0..<size {
                        let r = polar(Double(column) + 0.5, Double(row) + 0.5, (0.5 * n, 0.5 * n)).r
                        let k = row * size + column
                        if r > outer + keep || r < inner - keep { canvas.pixels[k] = 0 }
                        if r <= outer - keep, r >= inner + keep { canvas.pixels[k] = 1 }
                    }
                }
            }
        }
    }

    /// Draws a ring (possibly bumpy, off centre, possibly touching the image border) and returns
    /// its centre and mean radii (pixels).
    @discardableResult
    private func ring(on canvas: inout Canvas, random: inout Random,
                      bumpAmplitude: Double) -> (centre: (Double, Double), inner: Double, outer: Double) {
        let n = Double(size)
        let outer = random.uniform(0.18 * n, 0.42 * n)
        let inner = random.uniform(0.15, 0.85) * outer
        // Mostly inside the image; one ring in eight is pushed up to 3 pixels past the border.
        let slack = max(0.5 * n - outer - 2, 0) + (random.integer(0, 7) == 0 ? 3 : 0)
        let centre = (0.5 * n + random.uniform(-slack, slack), 0.5 * n + random.uniform(-slack, slack))
        let outerBumps = random.harmonics(count: random.integer(0, 4), amplitude: bumpAmplitude)
        let innerBumps = random.harmonics(count: random.integer(0, 4), amplitude: bumpAmplitude)
        canvas.fill { x, y in
            let (r, theta) = polar(x, y, centre)
            return r <= outer * (1 + outerBumps(theta)) && r >= inner * (1 + innerBumps(theta))
        }
        return (centre, inner, outer)
    }

    private func onePixelFeature(on canvas: inout Canvas, random: inout Random) {
        let n = Double(size)
        let c = (0.5 * n, 0.5 * n)
        switch random.integer(0, 5) {
        case 0:  // one-pixel-thick wall
            let r = random.uniform(0.15 * n, 0.4 * n)
            canvas.fill { x, y in abs(polar(x, y, c).r - r) <= 0.5 }
        case 1:  // one-pixel lumen
            let outer = random.uniform(0.2 * n, 0.4 * n)
            canvas.fill { x, y in polar(x, y, c).r <= outer }
            canvas.set(x: c.0, y: c.1, to: 0)
        case 2:  // a one-pixel spur out of a ring
            let (centre, _, outer) = ring(on: &canvas, random: &random, bumpAmplitude: 0)
            let theta = random.uniform(0, 2 * Double.pi)
            for k in 0..<Int(random.uniform(1, 0.4 * n)) {
                let r = outer + Double(k)
                canvas.set(x: centre.0 + r * cos(theta), y: centre.1 + r * sin(theta), to: 1)
            }
        case 3:  // a one-pixel gap through the wall
            let (centre, inner, outer) = ring(on: &canvas, random: &random, bumpAmplitude: 0)
            let theta = random.uniform(0, 2 * Double.pi)
            var r = inner - 1
            while r <= outer + 1 {
                canvas.set(x: centre.0 + r * cos(theta), y: centre.1 + r * sin(theta), to: 0)
                r += 0.25
            }
        case 4:  // a lone pixel
            canvas.set(x: random.uniform(0, n), y: random.uniform(0, n), to: 1)
        default:  // two rings touching only diagonally (8- but not 4-connected)
            let half = Int(n / 2)
            for k in 0..<half / 2 {
                canvas.set(x: Double(half - k) + 0.5, y: Double(half + k) + 0.5, to: 1)
            }
            ring(on: &canvas, random: &random, bumpAmplitude: 0.1)
        }
    }

    /// Polar coordinates (pixels, radians) of the pixel centre (x, y) around `centre`.
    private func polar(_ x: Double, _ y: Double, _ centre: (Double, Double)) -> (r: Double, theta: Double) {
        let dx = x - centre.0, dy = y - centre.1
        return ((dx * dx + dy * dy).squareRoot(), atan2(dy, dx))
    }

    /// The 3 x 3 mean of `field` (clamped at the image border).
    private func boxBlur(_ field: [Double]) -> [Double] {
        var out = field
        for row in 0..<size {
            for column in 0..<size {
                var sum = 0.0, count = 0.0
                for r in max(row - 1, 0)...min(row + 1, size - 1) {
                    for c in max(column - 1, 0)...min(column + 1, size - 1) {
                        sum += field[r * size + c]
                        count += 1
                    }
                }
                out[row * size + column] = sum / count
            }
        }
        return out
    }
}

/// A square 0/1 image with pixel centres at (column + 0.5, row + 0.5).
private struct Canvas {
    let size: Int
    var pixels: [UInt8]

    init(size: Int) {
        self.size = size
        pixels = [UInt8](repeating: 0, count: size * size)
    }

    /// Sets every pixel whose centre satisfies `inside` to 1.
    mutating func fill(_ inside: (Double, Double) -> Bool) {
        for row in 0..<size {
            for column in 0..<size where inside(Double(column) + 0.5, Double(row) + 0.5) {
                pixels[row * size + column] = 1
            }
        }
    }

    /// Sets the pixel containing (x, y), if any.
    mutating func set(x: Double, y: Double, to value: UInt8) {
        guard x.isFinite, y.isFinite, x >= 0, y >= 0 else { return }
        let column = Int(x), row = Int(y)
        guard row < size, column < size else { return }
        pixels[row * size + column] = value
    }

    /// Sets the pixels whose centre lies within `radius` of (x, y).
    mutating func disc(x: Double, y: Double, radius: Double, value: UInt8) {
        set(x: x, y: y, to: value)
        for row in 0..<size {
            for column in 0..<size {
                let dx = Double(column) + 0.5 - x, dy = Double(row) + 0.5 - y
                if dx * dx + dy * dy <= radius * radius { pixels[row * size + column] = value }
            }
        }
    }

    /// Sets the pixels whose centre lies within `halfWidth` of the segment from `a` to `b`.
    mutating func line(from a: (Double, Double), to b: (Double, Double), halfWidth: Double) {
        let (ex, ey) = (b.0 - a.0, b.1 - a.1)
        let length2 = max(ex * ex + ey * ey, 1e-12)
        fill { x, y in
            let t = min(max(((x - a.0) * ex + (y - a.1) * ey) / length2, 0), 1)
            let (dx, dy) = (x - a.0 - t * ex, y - a.1 - t * ey)
            return dx * dx + dy * dy <= halfWidth * halfWidth
        }
    }
}

/// Uniform numbers from SplitMix64.
private struct Random {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// Uniform in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(generator.next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in low...high.
    mutating func integer(_ low: Int, _ high: Int) -> Int {
        low + Int(generator.next() % UInt64(high - low + 1))
    }

    /// A sum of `count` harmonics of order 2 to 12 with random phases, each of amplitude up to
    /// `amplitude` (relative), as a function of the angle.
    mutating func harmonics(count: Int, amplitude: Double) -> @Sendable (Double) -> Double {
        let terms = (0..<count).map { _ in
            (order: Double(integer(2, 12)), amplitude: uniform(0, amplitude), phase: uniform(0, 2 * Double.pi))
        }
        return { theta in terms.reduce(0) { $0 + $1.amplitude * sin($1.order * theta + $1.phase) } }
    }
}
