/// Iso-contours of a scalar field sampled at pixel centres, by marching squares.
///
/// Pixel (r, c) of a row-major `rows` x `columns` field has its centre at
/// (x, y) = ((c + 0.5) s, (r + 0.5) s) with s the pixel size (x right, y down). The field is padded
/// with one ring of zeros so that every contour closes. A sample is inside when its value is
/// strictly greater than `level`; each contour vertex lies on a grid edge between an inside and an
/// outside sample, placed by linear interpolation of the values.
///
/// Properties that hold:
/// - every contour is closed (the last vertex connects to the first) and has at least 4 vertices;
/// - the inside region lies on the LEFT of the direction of travel, so with the shoelace formula
///   an outer border of an inside region has positive signed area and a hole has negative area;
/// - saddle cells (two diagonal inside corners) are resolved by the average of the four corner
///   values: the centre is inside when the average is >= `level`, so a binary mask's diagonal
///   wall pixels stay connected (wall 8-connected, background 4-connected);
/// - the output is a pure function of the input (contours start at the lowest-numbered grid edge).
public struct MarchingSquares: Sendable {
    /// Iso-level separating inside (value > level) from outside.
    public var level: Double

    /// Creates a contour extractor at `level` (0.5 for a wall mask).
    public init(level: Double = 0.5) {
        self.level = level
    }

    /// Closed contours of `values` (row-major, `rows` x `columns`), vertices in mm for pixel size
    /// `pixelSize`, with the inside on the left. Returns no contours when nothing is inside.
    /// Requires `values.count == rows * columns`; non-finite values count as outside.
    public func contours(values: [Double], rows: Int, columns: Int, pixelSize: Double = 1) -> [[Point]] {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows > 0, columns > 0, !overflow, values.count == count else { return [] }
        // Padded node grid: node (i, j) is pixel (i - 1, j - 1); the outer ring is 0.
        let nodeRows = rows + 2, nodeColumns = columns + 2
        var field = [Double](repeating: 0, count: nodeRows * nodeColumns)
        for r in 0..<rows {
            for c in 0..<columns {
                let v = values[r * columns + c]
                field[(r + 1) * nodeColumns + c + 1] = v.isFinite ? v : 0
            }
        }
        let level = self.level
        let inside = field.map { $0 > level }

        // Grid edges: horizontal (i, j)-(i, j+1) first, then vertical (i, j)-(i+1, j).
        let horizontalCount = nodeRows * (nodeColumns - 1)
        let edgeCount = horizontalCount + (nodeRows - 1) * nodeColumns
        func horizontal(_ i: Int, _ j: Int) -> Int { i * (nodeColumns - 1) + j }
        func vertical(_ i: Int, _ j: Int) -> Int { horizontalCount + i * nodeColumns + j }

        var next = [Int32](repeating: -1, count: edgeCount)
        var anyInside = false
        for i in 0..<(nodeRows - 1) {
            for j in 0..<(nodeColumns - 1) {
                // Corners in positive order: top-left, top-right, bottom-right, bottom-left.
                let n0 = i * nodeColumns + j, n1 = n0 + 1, n3 = n0 + nodeColumns, n2 = n3 + 1
                let bits = (inside[n0] ? 1 : 0) | (inside[n1] ? 2 : 0) | (inside[n2] ? 4 : 0) | (inside[n3] ? 8 : 0)
                if bits == 0 { continue }
                anyInside = true
                if bits == 15 { continue }
                // Cell edge k joins corner k to corner k + 1: top, right, bottom, left.
                func edge(_ k: Int) -> Int {
                    switch k {
                    case 0: horizontal(i, j)
                    case 1: vertical(i, j + 1)
                    case 2: horizontal(i + 1, j)
                    default: vertical(i, j)
                    }
                }
                func isIn(_ k: Int) -> Bool { bits & (1 << (k & 3)) != 0 }
                func entering(_ k: Int) -> Bool { !isIn(k) && isIn(k + 1) }
                let saddle = bits == 5 || bits == 10
                var centreInside = true
                if saddle {
                    let mean = (field[n0] + field[n1] + field[n2] + field[n3]) / 4
                    centreInside = mean >= level
                }
                // The inside region on the left means each contour piece runs from a leaving
                // crossing to an entering one: the next one around the cell when the centre is
                // inside (one connected piece), the previous one otherwise.
                for k in 0..<4 where isIn(k) && !isIn(k + 1) {
                    var target = -1
                    for step in 1...3 {
                        let m = centreInside ? (k + step) & 3 : (k + 4 - step) & 3
                        if entering(m) { target = m; break }
                    }
                    next[edge(k)] = Int32(edge(target))
                }
            }
        }
        guard anyInside else { return [] }

        // Crossing point of a grid edge, interpolated from its lower-numbered node so that both
        // cells sharing the edge agree bit for bit.
        func crossing(_ edge: Int) -> Point {
            let i: Int, j: Int, di: Int, dj: Int
            if edge < horizontalCount {
                i = edge / (nodeColumns - 1); j = edge % (nodeColumns - 1); di = 0; dj = 1
            } else {
                let e = edge - horizontalCount
                i = e / nodeColumns; j = e % nodeColumns; di = 1; dj = 0
            }
            let va = field[i * nodeColumns + j], vb = field[(i + di) * nodeColumns + j + dj]
            var t = (level - va) / (vb - va)
            // A sample exactly at the level would put a vertex on a node shared by two edges.
            t = min(max(t, 0.01), 0.99)
            let x = (Double(j) - 0.5 + t * Double(dj)) * pixelSize
            let y = (Double(i) - 0.5 + t * Double(di)) * pixelSize
            return Point(x, y)
        }

        var visited = [Bool](repeating: false, count: edgeCount)
        var result: [[Point]] = []
        for start in 0..<edgeCount where next[start] >= 0 && !visited[start] {
            var contour: [Point] = []
            var edge = start
            while !visited[edge] {
                visited[edge] = true
                contour.append(crossing(edge))
                edge = Int(next[edge])
                if edge < 0 { break }
            }
            if contour.count >= 3 { result.append(contour) }
        }
        return result
    }
}
