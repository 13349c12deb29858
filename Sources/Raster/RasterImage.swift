/// An 8-bit image in memory: grayscale (1 sample per pixel) or RGB (3 samples per pixel),
/// row-major, row 0 at the top.
///
/// Invariant: `samples.count == width * height * channels.count`.
public struct RasterImage: Sendable, Hashable {
    /// Sample layout of a pixel.
    public enum Channels: Int, Sendable, Hashable {
        /// One luminance sample per pixel.
        case gray = 1
        /// Red, green and blue samples per pixel.
        case rgb = 3

        /// Samples per pixel.
        public var count: Int { rawValue }
    }

    /// Width in pixels (columns), at least 1.
    public let width: Int
    /// Height in pixels (rows), at least 1.
    public let height: Int
    /// Sample layout.
    public let channels: Channels
    /// Row-major samples, `channels.count` per pixel.
    public private(set) var samples: [UInt8]

    /// Creates an image from samples; throws unless `samples.count == width * height * channels`.
    public init(width: Int, height: Int, channels: Channels, samples: [UInt8]) throws(RasterError) {
        guard width >= 1, height >= 1, width <= 1 << 20, height <= 1 << 20,
              samples.count == width * height * channels.count
        else {
            throw .invalidArray(
                reason: "\(width) x \(height) x \(channels.count) image needs "
                    + "\(max(0, width) * max(0, height) * channels.count) samples, got \(samples.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// Creates an RGB image filled with one colour (width and height clamped to at least 1).
    public init(width: Int, height: Int, filledWith color: RGBColor) {
        self.width = max(1, width)
        self.height = max(1, height)
        self.channels = .rgb
        var samples = [UInt8](repeating: 0, count: self.width * self.height * 3)
        for index in 0..<(self.width * self.height) {
            samples[3 * index] = color.red
            samples[3 * index + 1] = color.green
            samples[3 * index + 2] = color.blue
        }
        self.samples = samples
    }

    /// The colour of pixel (x, y) = (column, row); gray images give equal components.
    public func color(x: Int, y: Int) -> RGBColor {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel off the image")
        let index = (y * width + x) * channels.count
        switch channels {
        case .gray: return RGBColor(gray: samples[index])
        case .rgb: return RGBColor(red: samples[index], green: samples[index + 1], blue: samples[index + 2])
        }
    }

    /// Sets pixel (x, y) = (column, row); ignored off the image. Gray images store the green component.
    public mutating func setColor(_ color: RGBColor, x: Int, y: Int) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let index = (y * width + x) * channels.count
        switch channels {
        case .gray:
            samples[index] = color.green
        case .rgb:
            samples[index] = color.red
            samples[index + 1] = color.green
            samples[index + 2] = color.blue
        }
    }

    /// Fills the rectangle of pixels [x, x + width) x [y, y + height), clipped to the image.
    public mutating func fillRectangle(x: Int, y: Int, width rectangleWidth: Int, height rectangleHeight: Int, color: RGBColor) {
        let x0 = max(0, x)
        let y0 = max(0, y)
        let x1 = min(width, x + rectangleWidth)
        let y1 = min(height, y + rectangleHeight)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 { setColor(color, x: column, y: row) }
        }
    }

    /// Draws a one-pixel rectangle outline around [x, x + width) x [y, y + height), clipped.
    public mutating func strokeRectangle(x: Int, y: Int, width rectangleWidth: Int, height rectangleHeight: Int, color: RGBColor) {
        fillRectangle(x: x, y: y, width: rectangleWidth, height: 1, color: color)
        fillRectangle(x: x, y: y + rectangleHeight - 1, width: rectangleWidth, height: 1, color: color)
        fillRectangle(x: x, y: y, width: 1, height: rectangleHeight, color: color)
        fillRectangle(x: x + rectangleWidth - 1, y: y, width: 1, height: rectangleHeight, color: color)
    }

    /// Copies `other` with its top-left corner at (x, y), clipped; gray sources become gray RGB.
    public mutating func draw(_ other: RasterImage, x: Int, y: Int) {
        for row in 0..<other.height {
            for column in 0..<other.width {
                setColor(other.color(x: column, y: row), x: x + column, y: y + row)
            }
        }
    }
}
