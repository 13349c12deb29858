/// An 8-bit sRGB colour.
public struct RGBColor: Sendable, Hashable, Codable {
    /// Red, 0...255.
    public var red: UInt8
    /// Green, 0...255.
    public var green: UInt8
    /// Blue, 0...255.
    public var blue: UInt8

    /// Creates a colour from its 8-bit sRGB components.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A gray with all three components equal to `level`.
    public init(gray level: UInt8) { self.init(red: level, green: level, blue: level) }

    /// Black (0, 0, 0).
    public static let black = RGBColor(gray: 0)
    /// White (255, 255, 255).
    public static let white = RGBColor(gray: 255)
}
