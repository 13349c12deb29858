import ArgumentParser
import Foundation
import Labeling
import Meshing
import Raster

/// One frame of a contour job: its checked borders (or why there are none) and where its map lies.
struct ContourFrameItem: Sendable {
    var frame: Int
    var borders: Result<WallBorders, ContourError>
    /// nil when the borders failed (no EEM to centre a field of view on).
    var placement: FramePlacement?
    /// Lipid and calcium outlines of the frame (`label --lipid/--calcium`), in the contours' coordinates.
    var components: [ComponentOutline] = []

    /// The wall rasterised at the pixel centres (what `/masks` holds for the row); zeros without borders.
    func wallPixels(grid: PixelGrid) -> [UInt8] {
        guard case .success(let borders) = self.borders, let placement else { return [UInt8](repeating: 0, count: grid.count) }
        return placement.wall(of: borders).pixels
    }
}

/// How contour frames are put on pixel grids: the same field of view for every frame, either
/// centred on each frame's EEM or at one fixed origin.
struct ContourGridRule {
    /// Pixels per side.
    var size: Int
    /// Side of the square field of view (mm); nil: the largest EEM extent of the job x (1 + 2 margin).
    var fieldOfView: Double?
    /// Margin on each side, as a fraction of the largest EEM extent (for the default field of view).
    var margin: Double
    /// One fixed top-left corner (mm) for every frame instead of centring on the EEM.
    var origin: Point?
    /// The pixel size (mm) with a fixed origin.
    var pixelSize: Double?
}

/// Reads a lumen and an EEM contour file and pairs their frames (see `BorderContourFile`).
enum ContourInput {
    /// The frames of the job in increasing frame number, the grid shared by all of them, and the
    /// input name of each row.
    static func read(lumenPath: String, outerPath: String, unitsInPixels spacing: Double?, rule: ContourGridRule)
        throws -> (items: [ContourFrameItem], grid: PixelGrid, sources: [String]) {
        var lumens = try BorderContourFile.read(at: lumenPath)
        var outers = try BorderContourFile.read(at: outerPath)
        if let spacing {
            lumens = lumens.map { $0.scaled(by: spacing) }
            outers = outers.map { $0.scaled(by: spacing) }
        }
        let pairs = WallBorders.pair(lumens: lumens, outers: outers)
        guard !pairs.isEmpty else { throw ValidationError("\(lumenPath) and \(outerPath) hold no contour rows") }
        let side: Double
        let pixelSize: Double
        if rule.origin != nil {
            guard let size = rule.pixelSize else { throw ValidationError("--grid-origin needs --pixel-size") }
            pixelSize = size
            side = size * Double(rule.size)
        } else if let fieldOfView = rule.fieldOfView {
            side = fieldOfView
            pixelSize = side / Double(rule.size)
        } else {
            // One field of view for the whole job, so every map of the file has the same pixel size.
            var extent = 0.0
            for pair in pairs {
                guard case .success(let borders) = pair.borders else { continue }
                let (lo, hi) = borders.outerBounds
                extent = max(extent, hi.x - lo.x, hi.y - lo.y)
            }
            guard extent > 0 else {
                throw ValidationError("no frame of \(lumenPath) / \(outerPath) has usable borders: "
                    + pairs.prefix(3).map { "\($0.borders)" }.joined(separator: "; "))
            }
            side = extent * (1 + 2 * rule.margin)
            pixelSize = side / Double(rule.size)
        }
        guard let grid = PixelGrid(rows: rule.size, columns: rule.size, pixelSize: pixelSize) else {
            throw ValidationError("no pixel grid of \(rule.size) x \(rule.size) pixels of \(pixelSize) mm")
        }
        let names = [lumenPath, outerPath].map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
        var items: [ContourFrameItem] = []
        for pair in pairs {
            var placement: FramePlacement?
            if case .success(let borders) = pair.borders {
                if let origin = rule.origin {
                    placement = FramePlacement(originX: origin.x, originY: origin.y, grid: grid)
                } else {
                    placement = FramePlacement.centred(on: borders, side: side, size: rule.size)
                }
            }
            items.append(ContourFrameItem(frame: pair.frame, borders: pair.borders, placement: placement))
        }
        return (items, grid, items.map { "frame \($0.frame) (\(names))" })
    }

    /// Attaches the outlines of `paths` (component, file; same layout as --lumen) to the frames of
    /// `items` by frame number; frames without an outline stay one-material. Outlines of frames the
    /// job does not have are reported in the returned count.
    static func attachComponents(_ paths: [(TissueComponent, String)], to items: inout [ContourFrameItem], unitsInPixels spacing: Double?)
        throws -> (attached: Int, unmatched: Int) {
        var attached = 0, unmatched = 0
        for (component, path) in paths {
            var outlines = try BorderContourFile.read(at: path)
            if let spacing { outlines = outlines.map { $0.scaled(by: spacing) } }
            for outline in outlines {
                guard let k = items.firstIndex(where: { $0.frame == outline.frame }) else { unmatched += 1; continue }
                items[k].components.append(ComponentOutline(component: component, points: outline.points))
                attached += 1
            }
        }
        return (attached, unmatched)
    }
}

/// One row of a labeling job: a mask (or why it could not be read) or a contour frame.
struct LabelJobItem: Sendable {
    /// Input name: file, `file.h5[k]`, or "frame N (lumen file, EEM file)".
    var source: String
    var input: Input

    enum Input: Sendable {
        case mask(Result<Mask, InputFailure>)
        /// A class mask (`label --components`): a wall with lipid and calcium regions.
        case classMask(ClassMask)
        case frame(ContourFrameItem)
    }
}
