import Foundation
@testable import Meshing

/// Rasterized test masks on a 64 x 64 grid of 0.125 mm pixels (pixel (r, c) centred at
/// ((c + 0.5) s, (r + 0.5) s), y down).
enum MaskPhantoms {
    static let size = 64
    static let pixelSize = 0.125

    /// 1 where `isWall` holds at the pixel centre, else 0.
    static func rasterize(_ isWall: (Point) -> Bool) -> [Double] {
        var values = [Double](repeating: 0, count: size * size)
        for r in 0..<size {
            for c in 0..<size where isWall(Point((Double(c) + 0.5) * pixelSize, (Double(r) + 0.5) * pixelSize)) {
                values[r * size + c] = 1
            }
        }
        return values
    }

    /// Centre of the image (mm).
    static let centre = Point(4, 4)

    /// Concentric circle annulus with radii 1.2 and 2.2 mm about the image centre.
    static func annulus(inner: Double = 1.2, outer: Double = 2.2, centre: Point = centre) -> [Double] {
        rasterize { p in
            let d = p.distance(to: centre)
            return d >= inner && d <= outer
        }
    }

    /// Centre of the eccentric lumen (mm): off to +x, so the wall is thinnest on the +x side.
    static let lumenCentre = Point(4.55, 3.75)

    /// Outer radius (mm) of the irregular wall at polar angle theta about the image centre.
    static func outerRadius(_ theta: Double) -> Double { 2.4 + 0.15 * cos(3 * theta + 0.4) + 0.1 * sin(2 * theta) }
    /// Lumen radius (mm) at polar angle theta about `lumenCentre`.
    static func lumenRadius(_ theta: Double) -> Double { 1.0 + 0.12 * cos(2 * theta + 1.0) + 0.08 * sin(4 * theta) }

    /// Eccentric, irregular plaque: a few Fourier modes on both radii, lumen off-centre.
    static func eccentric() -> [Double] {
        rasterize { p in
            let o = p - centre, l = p - lumenCentre
            return o.length <= outerRadius(atan2(o.y, o.x)) && l.length >= lumenRadius(atan2(l.y, l.x))
        }
    }
}
