import Foundation

/// Writing VTK XML unstructured grids (.vtu, ASCII) that ParaView opens.
///
/// Meshes are written as their six-node quadratic triangulation (VTK cell type 22,
/// VTK_QUADRATIC_TRIANGLE), so curved borders and P2 fields are shown as computed; pixel
/// grids as one quadrilateral (VTK_QUAD, 9) per pixel.
public struct VTUFile: Sendable {
    /// A named array of values at the nodes or cells.
    public struct Field: Sendable {
        /// Array name as shown in ParaView.
        public var name: String
        /// Components per entry (1 scalar, 3 vector, 9 tensor).
        public var components: Int
        /// `components` values per node (or cell), entry-major.
        public var values: [Double]

        /// Creates a field; `values.count` must be a multiple of `components`.
        public init(name: String, components: Int, values: [Double]) {
            self.name = name
            self.components = components
            self.values = values
        }

        /// A scalar field.
        public static func scalar(_ name: String, _ values: [Double]) -> Field {
            Field(name: name, components: 1, values: values)
        }

        /// A planar vector field padded with a zero third component, as ParaView expects.
        public static func vector(_ name: String, _ values: [Point]) -> Field {
            Field(name: name, components: 3, values: values.flatMap { [$0.x, $0.y, 0] })
        }
    }

    /// Point positions (mm).
    public var positions: [Point]
    /// Point indices of each cell (6 per quadratic triangle, 4 per quadrilateral).
    public var cells: [[Int]]
    /// The VTK cell type of every cell (22 quadratic triangle, 9 quadrilateral).
    public var cellType: UInt8
    /// Node fields, one entry per point.
    public var pointFields: [Field] = []
    /// Cell fields, one entry per cell.
    public var cellFields: [Field] = []

    /// Creates a writer for the quadratic triangulation of `mesh`.
    public init(mesh: TriangleMesh) {
        self.init(nodes: QuadraticNodes(mesh: mesh))
    }

    /// Creates a writer for an existing P2 node set.
    public init(nodes: QuadraticNodes) {
        positions = nodes.positions
        cells = nodes.triangleNodes.map { $0.map(Int.init) }
        cellType = 22
    }

    /// Creates a writer for a pixel grid: one quadrilateral per pixel, row-major (cell
    /// `r * columns + c` is pixel (r, c)). Pixel (r, c) spans x in [c, c + 1] s and
    /// y in [rows - r - 1, rows - r] s, so the image is upright in ParaView's y-up view.
    public init(pixelRows rows: Int, columns: Int, pixelSize s: Double) {
        positions = (0...rows).flatMap { r in (0...columns).map { c in Point(Double(c) * s, Double(rows - r) * s) } }
        cells = (0..<rows).flatMap { r in
            (0..<columns).map { c in
                let top = r * (columns + 1) + c, bottom = (r + 1) * (columns + 1) + c
                return [bottom, bottom + 1, top + 1, top]
            }
        }
        cellType = 9
    }

    /// The XML text.
    public func render() -> String {
        let cellCount = cells.count
        var out = "<?xml version=\"1.0\"?>\n"
        out += "<VTKFile type=\"UnstructuredGrid\" version=\"0.1\" byte_order=\"LittleEndian\">\n<UnstructuredGrid>\n"
        out += "<Piece NumberOfPoints=\"\(positions.count)\" NumberOfCells=\"\(cellCount)\">\n"
        out += "<Points>\n<DataArray type=\"Float64\" NumberOfComponents=\"3\" format=\"ascii\">\n"
        for p in positions { out += "\(p.x) \(p.y) 0\n" }
        out += "</DataArray>\n</Points>\n<Cells>\n<DataArray type=\"Int32\" Name=\"connectivity\" format=\"ascii\">\n"
        for t in cells { out += t.map(String.init).joined(separator: " ") + "\n" }
        out += "</DataArray>\n<DataArray type=\"Int32\" Name=\"offsets\" format=\"ascii\">\n"
        var offset = 0
        out += cells.map { offset += $0.count; return String(offset) }.joined(separator: " ") + "\n"
        out += "</DataArray>\n<DataArray type=\"UInt8\" Name=\"types\" format=\"ascii\">\n"
        out += Array(repeating: String(cellType), count: cellCount).joined(separator: " ") + "\n"
        out += "</DataArray>\n</Cells>\n"
        out += Self.section("PointData", pointFields)
        out += Self.section("CellData", cellFields)
        out += "</Piece>\n</UnstructuredGrid>\n</VTKFile>\n"
        return out
    }

    /// Writes the file to `path`.
    public func write(to path: String) throws(MeshError) {
        for f in pointFields where f.values.count != f.components * positions.count {
            throw .cannotWrite(path: path, reason: "point field '\(f.name)' has \(f.values.count) values for \(positions.count) points x \(f.components)")
        }
        for f in cellFields where f.values.count != f.components * cells.count {
            throw .cannotWrite(path: path, reason: "cell field '\(f.name)' has \(f.values.count) values for \(cells.count) cells x \(f.components)")
        }
        do {
            try render().write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    private static func section(_ tag: String, _ fields: [Field]) -> String {
        guard !fields.isEmpty else { return "" }
        var out = "<\(tag)>\n"
        for f in fields {
            out += "<DataArray type=\"Float64\" Name=\"\(f.name)\" NumberOfComponents=\"\(f.components)\" format=\"ascii\">\n"
            var row: [String] = []
            for (k, v) in f.values.enumerated() {
                row.append(v.isFinite ? "\(v)" : "0")
                if (k + 1) % f.components == 0 {
                    out += row.joined(separator: " ") + "\n"
                    row.removeAll(keepingCapacity: true)
                }
            }
            out += "</DataArray>\n"
        }
        return out + "</\(tag)>\n"
    }
}
