import Foundation

/// One harmonic of a `FourierContour`: a_k cos(k theta) + b_k sin(k theta).
public struct FourierMode: Sendable, Hashable, Codable {
    /// The order k (number of lobes), at least 1.
    public let order: Int
    /// Cosine coefficient a_k (relative to the mean radius).
    public let cosine: Double
    /// Sine coefficient b_k (relative to the mean radius).
    public let sine: Double

    /// Creates a mode.
    public init(order: Int, cosine: Double, sine: Double) {
        self.order = order
        self.cosine = cosine
        self.sine = sine
    }

    /// Amplitude sqrt(a_k^2 + b_k^2).
    public var amplitude: Double { (cosine * cosine + sine * sine).squareRoot() }
}

/// A smooth star-shaped closed curve in image coordinates (mm, x right, y down):
/// r(theta) = R (1 + sum_k a_k cos(k theta) + b_k sin(k theta)), with theta = atan2(y - cy, x - cx)
/// (so theta grows clockwise on screen). Star-shaped as long as sum_k amplitude_k < 1.
/// Mode orders must be distinct and at least 1.
public struct FourierContour: Sendable, Hashable, Codable {
    /// Centre x in mm.
    public let centerX: Double
    /// Centre y in mm.
    public let centerY: Double
    /// Mean radius R in mm.
    public let meanRadius: Double
    /// The harmonics, relative to R, in increasing order.
    public let modes: [FourierMode]

    /// Creates a contour; the modes are sorted by order.
    public init(centerX: Double, centerY: Double, meanRadius: Double, modes: [FourierMode]) {
        self.centerX = centerX
        self.centerY = centerY
        self.meanRadius = meanRadius
        self.modes = modes.sorted { $0.order < $1.order }
    }

    private enum CodingKeys: String, CodingKey {
        case centerX, centerY, meanRadius, modes
    }

    /// Decodes a contour (modes are sorted by order, as by `init(centerX:centerY:meanRadius:modes:)`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            centerX: try container.decode(Double.self, forKey: .centerX),
            centerY: try container.decode(Double.self, forKey: .centerY),
            meanRadius: try container.decode(Double.self, forKey: .meanRadius),
            modes: try container.decode([FourierMode].self, forKey: .modes))
    }

    /// Radius in mm at polar angle `theta` (radians) about the centre.
    public func radius(at theta: Double) -> Double {
        radius(cosine: cos(theta), sine: sin(theta))
    }

    /// Radius in mm in the direction (cos theta, sin theta) = (`cosine`, `sine`), a unit
    /// vector; cos k theta and sin k theta come from the angle-addition recurrence, no trigonometry.
    public func radius(cosine: Double, sine: Double) -> Double {
        var factor = 1.0
        var order = 1
        var cosK = cosine
        var sinK = sine
        for mode in modes where mode.order >= 1 {
            while order < mode.order {
                (cosK, sinK) = (cosK * cosine - sinK * sine, sinK * cosine + cosK * sine)
                order += 1
            }
            factor += mode.cosine * cosK + mode.sine * sinK
        }
        return meanRadius * factor
    }

    /// The point of the curve at polar angle `theta`, in mm.
    public func point(at theta: Double) -> (x: Double, y: Double) {
        let r = radius(at: theta)
        return (centerX + r * cos(theta), centerY + r * sin(theta))
    }

    /// Whether (x, y) in mm lies strictly inside the curve.
    public func contains(x: Double, y: Double) -> Bool {
        let dx = x - centerX
        let dy = y - centerY
        let distance = (dx * dx + dy * dy).squareRoot()
        guard distance > 0 else { return meanRadius > 0 }
        return distance < radius(cosine: dx / distance, sine: dy / distance)
    }

    /// Exact enclosed area in mm^2: pi R^2 (1 + sum_k (a_k^2 + b_k^2) / 2), for distinct orders.
    public var area: Double {
        Double.pi * meanRadius * meanRadius * (1 + modes.reduce(0) { $0 + 0.5 * $1.amplitude * $1.amplitude })
    }

    /// Diameter of the circle of equal area, 2 sqrt(area / pi), in mm.
    public var equivalentDiameter: Double { 2 * (area / Double.pi).squareRoot() }

    /// The same shape moved by (dx, dy) mm.
    public func translated(dx: Double, dy: Double) -> FourierContour {
        FourierContour(centerX: centerX + dx, centerY: centerY + dy, meanRadius: meanRadius, modes: modes)
    }

    /// `count` points at equally spaced angles, starting at theta = 0.
    public func polygon(count: Int) -> [(x: Double, y: Double)] {
        (0..<count).map { point(at: 2 * Double.pi * Double($0) / Double(count)) }
    }
}
