import Foundation

/// A picture of a stress map in kPa: the map upscaled by an integer factor (nearest
/// neighbour), a vertical colorbar with tick labels in kPa and a "kPa" label, optionally with
/// the wall mask to its left ("mask | stress map"), drawn with `BitmapFont` into an RGB image.
///
/// Pixels outside the wall are drawn in `outsideColor` (neutral light gray, distinct from
/// every viridis colour); wall pixels whose stress is not finite are drawn in `invalidColor`.
/// Which pixels are wall: those of `wall` if given, else those whose stress is finite and
/// nonzero (the labeling convention stores 0 outside the wall).
/// The colour scale is `range` if given, else the `ColorbarScale` of [min(0, lowest wall
/// stress), highest wall stress], i.e. it starts at 0 unless stresses are negative.
public struct StressMapPicture: Sendable {
    /// Geometry of the stress map.
    public let grid: PixelGrid
    /// Row-major stress in kPa, `grid.count` values.
    public let stress: [Double]
    /// The wall pixels, if known; must have the stress map's shape.
    public let wall: Mask?
    /// Upscaling factor of the map (image pixels per map pixel), at least 1. Default 6.
    public var scale: Int = 6
    /// Colour scale in kPa; nil chooses a nice range from the data.
    public var range: ClosedRange<Double>?
    /// The colormap. Default viridis.
    public var colormap: Colormap = .viridis
    /// Colour of map pixels outside the wall. Default light gray (208, 208, 208).
    public var outsideColor = RGBColor(gray: 208)
    /// Colour of wall pixels with a non-finite stress. Default magenta.
    public var invalidColor = RGBColor(red: 255, green: 0, blue: 255)
    /// Canvas colour. Default white.
    public var backgroundColor = RGBColor.white
    /// Colour of text, ticks and frames. Default black.
    public var foregroundColor = RGBColor.black
    /// Unit label drawn above the colorbar. Default "kPa".
    public var unitLabel = "kPa"
    /// Class map of a wall with components (0 outside, 1 fibrous wall, 2 lipid, 3 calcium), or nil.
    /// With it the left panel shows the classes in VH-IVUS colours (fibrous dark green, lipid red,
    /// calcium white) and the map panel outlines the component borders in `foregroundColor`.
    public var classes: [UInt8]?

    /// Creates a picture of `stress` (kPa, row-major) on `grid`; throws if the count or the
    /// wall mask's shape does not match the grid.
    public init(stress: [Double], grid: PixelGrid, wall: Mask? = nil) throws(RasterError) {
        guard stress.count == grid.count else {
            throw .invalidArray(reason: "stress map of \(stress.count) values on a \(grid.rows) x \(grid.columns) grid")
        }
        if let wall, wall.rows != grid.rows || wall.columns != grid.columns {
            throw .invalidArray(reason: "wall mask \(wall.rows) x \(wall.columns) does not match the \(grid.rows) x \(grid.columns) stress map")
        }
        self.grid = grid
        self.stress = stress
        self.wall = wall
    }

    /// Creates a picture of single-precision stresses (kPa, row-major) on `grid`.
    public init(stress: [Float], grid: PixelGrid, wall: Mask? = nil) throws(RasterError) {
        try self.init(stress: stress.map(Double.init), grid: grid, wall: wall)
    }

    /// Whether map pixel `index` (row-major) is drawn as wall.
    public func isWall(_ index: Int) -> Bool {
        if let wall { return wall.pixels[index] != 0 }
        return stress[index].isFinite && stress[index] != 0
    }

    /// The colorbar scale: nice ticks over `range`, or over the data if `range` is nil.
    public var colorbarScale: ColorbarScale {
        if let range { return ColorbarScale(lower: range.lowerBound, upper: range.upperBound) }
        var lowest = 0.0
        var highest = -Double.infinity
        for index in 0..<stress.count where isWall(index) && stress[index].isFinite {
            lowest = min(lowest, stress[index])
            highest = max(highest, stress[index])
        }
        return ColorbarScale(lower: lowest, upper: highest.isFinite ? highest : 1)
    }

    /// The stress map picture: map, colorbar, ticks and unit label.
    public func render() -> RasterImage { render(mask: nil) }

    /// "mask | stress map": the mask (white wall on black) left of the stress map and colorbar.
    public func render(besideMask mask: Mask) -> RasterImage { render(mask: mask) }

    /// Writes `render()` as an RGB PNG file.
    public func writePNG(to path: String) throws(RasterError) {
        try PNGFile.write(render(), to: path)
    }

    /// Writes `render(besideMask:)` as an RGB PNG file.
    public func writePNG(besideMask mask: Mask, to path: String) throws(RasterError) {
        try PNGFile.write(render(besideMask: mask), to: path)
    }

    /// Where the panels, colorbar and labels go, with or without the mask panel.
    public func layout(besideMask: Bool) -> StressMapLayout {
        let factor = max(1, scale)
        let fontScale = max(1, factor / 3)
        let margin = 6 * fontScale
        let textHeight = BitmapFont.height(scale: fontScale)
        let top = margin + textHeight + textHeight / 2 + 3 * fontScale
        let panelWidth = grid.columns * factor
        let panelHeight = grid.rows * factor
        let gap = 8 * fontScale
        let barWidth = max(8, 3 * factor)
        let tickLength = 3 * fontScale
        let colorScale = colorbarScale
        let labelWidth = colorScale.ticks.map { BitmapFont.width(of: colorScale.label(for: $0), scale: fontScale) }.max() ?? 0
        let mapX = margin + (besideMask ? panelWidth + gap : 0)
        let barX = mapX + panelWidth + gap
        let labelX = barX + barWidth + tickLength + 4 * fontScale
        let width = max(labelX + labelWidth, barX + BitmapFont.width(of: unitLabel, scale: fontScale)) + margin
        let height = top + panelHeight + textHeight / 2 + margin
        return StressMapLayout(
            width: width, height: height, maskX: besideMask ? margin : nil, mapX: mapX, panelY: top,
            panelWidth: panelWidth, panelHeight: panelHeight, barX: barX, barWidth: barWidth, tickLength: tickLength, labelX: labelX,
            fontScale: fontScale)
    }

    private func render(mask: Mask?) -> RasterImage {
        let layout = layout(besideMask: mask != nil)
        let factor = max(1, scale)
        let fontScale = layout.fontScale
        let textHeight = BitmapFont.height(scale: fontScale)
        let top = layout.panelY
        let panelHeight = layout.panelHeight
        let mapX = layout.mapX
        let barX = layout.barX
        let barWidth = layout.barWidth
        let labelX = layout.labelX
        let tickLength = layout.tickLength
        let colorScale = colorbarScale
        let labels = colorScale.ticks.map(colorScale.label(for:))
        var image = RasterImage(width: layout.width, height: layout.height, filledWith: backgroundColor)

        if let mask {
            drawPanel(into: &image, x: layout.maskX ?? 0, y: top, factor: factor) { index in
                if let classes, classes.count == grid.count {
                    switch classes[index] {
                    case 1: return RGBColor(red: 0, green: 110, blue: 0)
                    case 2: return RGBColor(red: 220, green: 0, blue: 0)
                    case 3: return .white
                    default: return mask.pixels[index] != 0 ? RGBColor(gray: 128) : .black
                    }
                }
                return mask.pixels[index] != 0 ? .white : .black
            }
        }
        drawPanel(into: &image, x: mapX, y: top, factor: factor) { index in
            guard isWall(index) else { return outsideColor }
            let value = stress[index]
            guard value.isFinite else { return invalidColor }
            return colormap.color(for: value, minimum: colorScale.minimum, maximum: colorScale.maximum)
        }

        // Component borders on the map: a line along every pixel edge between two wall classes.
        if let classes, classes.count == grid.count {
            let width = max(1, factor / 3)
            for row in 0..<grid.rows {
                for column in 0..<grid.columns {
                    let a = classes[row * grid.columns + column]
                    guard a != 0 else { continue }
                    if column + 1 < grid.columns, case let b = classes[row * grid.columns + column + 1], b != 0, b != a {
                        image.fillRectangle(x: mapX + (column + 1) * factor - width / 2, y: top + row * factor, width: width,
                                            height: factor, color: foregroundColor)
                    }
                    if row + 1 < grid.rows, case let b = classes[(row + 1) * grid.columns + column], b != 0, b != a {
                        image.fillRectangle(x: mapX + column * factor, y: top + (row + 1) * factor - width / 2, width: factor,
                                            height: width, color: foregroundColor)
                    }
                }
            }
        }

        // Colorbar: row y shows the value at its centre, maximum at the top.
        let span = colorScale.maximum - colorScale.minimum
        for y in 0..<panelHeight {
            let value = colorScale.maximum - (Double(y) + 0.5) / Double(panelHeight) * span
            let color = colormap.color(for: value, minimum: colorScale.minimum, maximum: colorScale.maximum)
            image.fillRectangle(x: barX, y: top + y, width: barWidth, height: 1, color: color)
        }
        image.strokeRectangle(x: barX - 1, y: top - 1, width: barWidth + 2, height: panelHeight + 2, color: foregroundColor)
        for (tick, label) in zip(colorScale.ticks, labels) {
            let fraction = (colorScale.maximum - tick) / span
            let y = top + Int((fraction * Double(panelHeight - 1)).rounded())
            image.fillRectangle(x: barX + barWidth + 1, y: y - fontScale / 2, width: tickLength, height: fontScale, color: foregroundColor)
            BitmapFont.draw(label, into: &image, x: labelX, y: y - textHeight / 2, scale: fontScale, color: foregroundColor)
        }
        BitmapFont.draw(unitLabel, into: &image, x: barX, y: 6 * fontScale, scale: fontScale, color: foregroundColor)
        return image
    }

    private func drawPanel(into image: inout RasterImage, x: Int, y: Int, factor: Int, color: (Int) -> RGBColor) {
        for row in 0..<grid.rows {
            for column in 0..<grid.columns {
                let pixelColor = color(row * grid.columns + column)
                image.fillRectangle(x: x + column * factor, y: y + row * factor, width: factor, height: factor, color: pixelColor)
            }
        }
        image.strokeRectangle(
            x: x - 1, y: y - 1, width: grid.columns * factor + 2, height: grid.rows * factor + 2, color: foregroundColor)
    }
}
