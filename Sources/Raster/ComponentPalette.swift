import Foundation

/// The colours of a colour class-mask picture and the class code each stands for.
///
/// The default is the usual VH-IVUS (virtual histology) colour code, with black outside the wall:
///
/// | colour | RGB | tissue | class code |
/// | --- | --- | --- | --- |
/// | black | (0, 0, 0) | outside the wall (lumen, surroundings) | 0 |
/// | dark green | (0, 128, 0) | fibrous | 1 |
/// | light (yellow-) green | (154, 205, 50) | fibro-fatty | 1 (fibrous) |
/// | red | (255, 0, 0) | necrotic core | 2 (lipid) |
/// | white | (255, 255, 255) | dense calcium | 3 |
///
/// Fibro-fatty tissue is fibrous tissue with interspersed lipid, not a necrotic pool: it takes the
/// fibrous material (set `fibroFattyCode` to 2 to count it as lipid). Vendors' exact shades differ
/// and pictures are anti-aliased or compressed, so a pixel takes the class of the nearest palette
/// colour within `tolerance` (Euclidean distance in 8-bit RGB); a pixel farther from every palette
/// colour is refused (`ClassMaskError.unmappedColor`, naming the pixel and its colour). The
/// default tolerance, 60, is below half the smallest distance between two palette colours (black to
/// dark green, 128), so no colour is within the tolerance of two entries.
public struct ComponentPalette: Sendable, Hashable {
    /// One palette colour.
    public struct Entry: Sendable, Hashable {
        /// Name in messages and docs.
        public var name: String
        /// The colour.
        public var color: RGBColor
        /// The class code it stands for (0...3).
        public var code: UInt8

        /// Creates an entry.
        public init(name: String, color: RGBColor, code: UInt8) {
            self.name = name
            self.color = color
            self.code = code
        }
    }

    /// The colours, in the order of the table above.
    public var entries: [Entry]
    /// Largest RGB distance at which a pixel takes a palette colour's class.
    public var tolerance: Double

    /// The VH-IVUS palette (see the table); `fibroFattyCode` is the class of fibro-fatty tissue.
    public static func virtualHistology(fibroFattyCode: UInt8 = ClassMask.fibrousCode, tolerance: Double = 60) -> ComponentPalette {
        ComponentPalette(entries: [
            Entry(name: "black, outside", color: .black, code: ClassMask.outsideCode),
            Entry(name: "dark green, fibrous", color: RGBColor(red: 0, green: 128, blue: 0), code: ClassMask.fibrousCode),
            Entry(name: "light green, fibro-fatty", color: RGBColor(red: 154, green: 205, blue: 50), code: fibroFattyCode),
            Entry(name: "red, necrotic core", color: RGBColor(red: 255, green: 0, blue: 0), code: ClassMask.lipidCode),
            Entry(name: "white, dense calcium", color: .white, code: ClassMask.calciumCode),
        ], tolerance: tolerance)
    }

    /// A palette.
    public init(entries: [Entry], tolerance: Double) {
        self.entries = entries
        self.tolerance = tolerance
    }

    /// The colour pictures use for class `code`: the first entry with that code.
    public func color(ofCode code: UInt8) -> RGBColor? { entries.first { $0.code == code }?.color }

    /// The nearest entry to `color` and its distance.
    func nearest(to color: RGBColor) -> (entry: Entry, distance: Double)? {
        var best: (Entry, Double)?
        for entry in entries {
            let dr = Double(color.red) - Double(entry.color.red)
            let dg = Double(color.green) - Double(entry.color.green)
            let db = Double(color.blue) - Double(entry.color.blue)
            let distance = (dr * dr + dg * dg + db * db).squareRoot()
            if best.map({ distance < $0.1 }) ?? true { best = (entry, distance) }
        }
        return best
    }

    /// The class mask of a picture: a grey image holds the class codes themselves (grey values
    /// 0, 1, 2, 3; anything else is `.invalidCode`), a colour image the palette's colours.
    public func classMask(of image: RasterImage, pixelSize: Double = PixelGrid.defaultPixelSize) throws(ClassMaskError) -> ClassMask {
        guard let grid = PixelGrid(rows: image.height, columns: image.width, pixelSize: pixelSize) else {
            throw .shapeMismatch(rows: image.height, columns: image.width, count: image.samples.count)
        }
        switch image.channels {
        case .gray:
            return try ClassMask(grid: grid, classes: image.samples)
        case .rgb:
            var codes = [UInt8](repeating: 0, count: grid.count)
            // Pictures have few distinct colours: classify each once.
            var known: [RGBColor: UInt8] = [:]
            for index in 0..<grid.count {
                let color = RGBColor(red: image.samples[3 * index], green: image.samples[3 * index + 1], blue: image.samples[3 * index + 2])
                if let code = known[color] {
                    codes[index] = code
                    continue
                }
                guard let (entry, distance) = nearest(to: color), distance <= tolerance else {
                    let near = nearest(to: color)
                    throw .unmappedColor(row: index / grid.columns, column: index % grid.columns, color: color,
                                         nearest: near?.entry.name ?? "none", distance: near?.distance ?? .infinity, tolerance: tolerance)
                }
                known[color] = entry.code
                codes[index] = entry.code
            }
            return try ClassMask(grid: grid, classes: codes)
        }
    }

    /// The picture of a class mask in the palette's colours (RGB); class codes without a colour
    /// are black.
    public func picture(of mask: ClassMask) -> RasterImage {
        var samples = [UInt8](repeating: 0, count: 3 * mask.classes.count)
        let colors = (0...ClassMask.maximumCode).map { color(ofCode: $0) ?? .black }
        for (index, code) in mask.classes.enumerated() {
            let c = colors[Int(code)]
            samples[3 * index] = c.red
            samples[3 * index + 1] = c.green
            samples[3 * index + 2] = c.blue
        }
        // The samples match the grid's shape by construction.
        return try! RasterImage(width: mask.grid.columns, height: mask.grid.rows, channels: .rgb, samples: samples)
    }
}

extension PNGFile {
    /// Reads a PNG as a class mask: grey images hold the codes (0, 1, 2, 3), palette and RGB images
    /// the colours of `palette` (default: VH-IVUS, see `ComponentPalette`).
    public static func readClassMask(path: String, pixelSize: Double = PixelGrid.defaultPixelSize,
                                     palette: ComponentPalette = .virtualHistology()) throws -> ClassMask {
        try palette.classMask(of: readImage(path: path), pixelSize: pixelSize)
    }
}

extension NumPyArray {
    /// Image `index` as a class mask: every value must be one of the codes 0, 1, 2, 3 (bool arrays
    /// are 0/1); else `ClassMaskError.invalidCode` names the pixel and the value.
    public func classMask(at index: Int = 0, pixelSize: Double = PixelGrid.defaultPixelSize) throws(ClassMaskError) -> ClassMask {
        guard let grid = PixelGrid(rows: rows, columns: columns, pixelSize: pixelSize) else {
            throw .shapeMismatch(rows: rows, columns: columns, count: rows * columns)
        }
        switch image(at: index) {
        case let .bool(values): return try ClassMask(grid: grid, classes: values.map { $0 ? 1 : 0 })
        case let .uint8(values): return try ClassMask(grid: grid, classes: values)
        case let .int32(values): return try ClassMask(grid: grid, values: values.map { Double($0) })
        case let .int64(values): return try ClassMask(grid: grid, values: values.map { Double($0) })
        case let .float32(values): return try ClassMask(grid: grid, values: values)
        case let .float64(values): return try ClassMask(grid: grid, values: values)
        }
    }
}
