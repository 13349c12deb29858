/// Connected components of a set of pixels on a grid.
///
/// Components are numbered 0, 1, ... in the row-major order of their first pixel, so the
/// labeling is deterministic.
public struct ComponentLabeling: Sendable, Hashable {
    /// Number of rows of the labelled grid.
    public let rows: Int
    /// Number of columns of the labelled grid.
    public let columns: Int
    /// The adjacency used.
    public let connectivity: Connectivity
    /// Row-major component index of every pixel, or -1 for pixels not in the set.
    public let labels: [Int32]
    /// Pixel count of each component.
    public let sizes: [Int]
    /// Row-major index of the first pixel (in scan order) of each component.
    public let firstPixels: [Int]
    /// Whether each component has a pixel on the outermost ring of the image.
    public let touchesBorder: [Bool]

    /// Number of components.
    public var count: Int { sizes.count }

    /// Labels the pixels for which `isMember` is true (row-major, `rows * columns` entries).
    ///
    /// Flood fill with an explicit stack; O(rows * columns).
    public init(isMember: [Bool], rows: Int, columns: Int, connectivity: Connectivity) {
        precondition(rows >= 0 && columns >= 0 && isMember.count == rows * columns, "shape mismatch")
        self.rows = rows
        self.columns = columns
        self.connectivity = connectivity
        var labels = [Int32](repeating: -1, count: isMember.count)
        var sizes: [Int] = []
        var firstPixels: [Int] = []
        var touchesBorder: [Bool] = []
        let offsets = connectivity.offsets
        var stack: [Int] = []
        for start in 0..<isMember.count where isMember[start] && labels[start] < 0 {
            let label = Int32(sizes.count)
            var size = 0
            var border = false
            labels[start] = label
            stack.append(start)
            while let index = stack.popLast() {
                size += 1
                let row = index / columns
                let column = index % columns
                if row == 0 || column == 0 || row == rows - 1 || column == columns - 1 { border = true }
                for offset in offsets {
                    let r = row + offset.row
                    let c = column + offset.column
                    guard r >= 0, r < rows, c >= 0, c < columns else { continue }
                    let neighbour = r * columns + c
                    if isMember[neighbour] && labels[neighbour] < 0 {
                        labels[neighbour] = label
                        stack.append(neighbour)
                    }
                }
            }
            sizes.append(size)
            firstPixels.append(start)
            touchesBorder.append(border)
        }
        self.labels = labels
        self.sizes = sizes
        self.firstPixels = firstPixels
        self.touchesBorder = touchesBorder
    }

    /// Component indices ordered by decreasing size; ties keep scan order.
    public var indicesBySizeDescending: [Int] {
        Array(0..<count).sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
    }

    /// Membership of one component as a row-major Bool array.
    public func member(of component: Int) -> [Bool] {
        labels.map { $0 == Int32(component) }
    }
}
