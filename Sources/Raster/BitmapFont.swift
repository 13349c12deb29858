/// A tiny hand-made 5 x 7 pixel font for colorbar labels.
///
/// Glyphs: digits 0-9, '.', '-', '+', 'k', 'P', 'a', 'M', 'm', 'x', ':', space. Each glyph is
/// 7 rows of 5 bits (most significant of the 5 = leftmost pixel); characters advance by 6
/// columns (one column of spacing). Unknown characters render as a hollow box.
public enum BitmapFont {
    /// Glyph width in font pixels.
    public static let glyphWidth = 5
    /// Glyph height in font pixels.
    public static let glyphHeight = 7
    /// Horizontal advance per character in font pixels (glyph plus one blank column).
    public static let advance = 6

    private static let glyphs: [Character: [UInt8]] = [
        "0": [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        "1": [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "2": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        "3": [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
        "4": [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        "5": [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        "6": [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        "7": [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        "8": [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        "9": [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        ".": [0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100],
        "-": [0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000],
        "+": [0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000],
        "k": [0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010],
        "P": [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
        "a": [0b00000, 0b00000, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111],
        "M": [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001],
        "m": [0b00000, 0b00000, 0b11010, 0b10101, 0b10101, 0b10001, 0b10001],
        "x": [0b00000, 0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001],
        ":": [0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000],
        " ": [0, 0, 0, 0, 0, 0, 0],
    ]
    private static let unknown: [UInt8] = [0b11111, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11111]

    /// Whether `character` has a glyph.
    public static func supports(_ character: Character) -> Bool { glyphs[character] != nil }

    /// Width in image pixels of `text` at `scale` (each font pixel is `scale` x `scale`),
    /// without trailing spacing: (6 n - 1) * scale for n characters.
    public static func width(of text: String, scale: Int) -> Int {
        text.isEmpty ? 0 : (advance * text.count - 1) * scale
    }

    /// Height in image pixels of a line of text at `scale`: 7 * scale.
    public static func height(scale: Int) -> Int { glyphHeight * scale }

    /// Draws `text` with its top-left corner at (x, y), clipped to the image.
    public static func draw(_ text: String, into image: inout RasterImage, x: Int, y: Int, scale: Int, color: RGBColor) {
        var left = x
        for character in text {
            let rows = glyphs[character] ?? unknown
            for (row, bits) in rows.enumerated() {
                for column in 0..<glyphWidth where bits & (1 << (glyphWidth - 1 - column)) != 0 {
                    image.fillRectangle(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
            left += advance * scale
        }
    }
}
