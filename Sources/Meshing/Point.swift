/// A point or vector in the plane, in millimetres.
public struct Point: Hashable, Sendable, Codable {
    /// Horizontal coordinate (mm).
    public var x: Double
    /// Vertical coordinate (mm).
    public var y: Double

    /// Creates a point from its coordinates in mm.
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }

    /// The origin (0, 0).
    public static let zero = Point(0, 0)

    /// Euclidean length |p| = sqrt(x^2 + y^2).
    public var length: Double { (x * x + y * y).squareRoot() }

    /// Distance |p - q| to another point.
    public func distance(to other: Point) -> Double { (self - other).length }

    public static func + (a: Point, b: Point) -> Point { Point(a.x + b.x, a.y + b.y) }
    public static func - (a: Point, b: Point) -> Point { Point(a.x - b.x, a.y - b.y) }
    public static func * (s: Double, a: Point) -> Point { Point(s * a.x, s * a.y) }

    /// Two-dimensional cross product a.x b.y - a.y b.x (signed area of the parallelogram).
    public static func cross(_ a: Point, _ b: Point) -> Double { a.x * b.y - a.y * b.x }

    /// Dot product a.x b.x + a.y b.y.
    public static func dot(_ a: Point, _ b: Point) -> Double { a.x * b.x + a.y * b.y }
}
