/// A triangulation of the vessel wall in the reference (image) configuration, lengths in mm.
///
/// Triangles are stored counter-clockwise (positive signed area). Boundary segments tag the lumen
/// and outer borders; a segment may carry a `midpoint` on the true curved border, which quadratic
/// (P2) finite elements use as their mid-side node so that curved borders are represented to
/// third order instead of as a polygon.
public struct TriangleMesh: Sendable, Equatable {
    /// Vertex positions (mm).
    public var points: [Point]
    /// Vertex indices of each triangle, counter-clockwise.
    public var triangles: [SIMD3<Int32>]
    /// Tagged border segments.
    public var boundarySegments: [BoundarySegment]
    /// Region of each triangle, an index into the solver's material table (`TissueComponent`
    /// raw values: 0 wall / fibrous tissue, 1 lipid / necrotic core, 2 calcium); empty when the
    /// whole wall is one region (region 0).
    public var triangleRegions: [Int32]
    /// Interior edges on the border between two regions (component outlines), each with the point
    /// of the smooth outline halfway along it, so that P2 elements see curved component borders.
    public var interfaceSegments: [InterfaceSegment]

    /// An interior edge on a component border.
    public struct InterfaceSegment: Sendable, Equatable {
        /// First vertex index.
        public var start: Int32
        /// Second vertex index.
        public var end: Int32
        /// Point of the curved outline halfway along the edge (mm), if curved.
        public var midpoint: Point?

        /// Creates an interface segment.
        public init(start: Int32, end: Int32, midpoint: Point? = nil) {
            self.start = start
            self.end = end
            self.midpoint = midpoint
        }
    }

    /// A border segment between two vertices.
    public struct BoundarySegment: Sendable, Equatable {
        /// First vertex index.
        public var start: Int32
        /// Second vertex index.
        public var end: Int32
        /// Which border the segment lies on.
        public var tag: BoundaryTag
        /// Point of the curved border halfway along the segment, if the border is curved (mm).
        public var midpoint: Point?

        /// Creates a boundary segment.
        public init(start: Int32, end: Int32, tag: BoundaryTag, midpoint: Point? = nil) {
            self.start = start
            self.end = end
            self.tag = tag
            self.midpoint = midpoint
        }
    }

    /// Creates a mesh and checks it: indices in range, no degenerate or clockwise triangles, every
    /// boundary segment an edge of exactly one triangle.
    ///
    /// `triangleRegions` (empty, or one region >= 0 per triangle) and `interfaceSegments` (interior
    /// edges, each shared by two triangles) describe a wall of several components.
    public init(points: [Point], triangles: [SIMD3<Int32>], boundarySegments: [BoundarySegment],
                triangleRegions: [Int32] = [], interfaceSegments: [InterfaceSegment] = []) throws(MeshError) {
        self.points = points
        self.triangles = triangles
        self.boundarySegments = boundarySegments
        self.triangleRegions = triangleRegions
        self.interfaceSegments = interfaceSegments
        try validate()
    }

    /// Region of triangle `index` (0 when the mesh has no regions).
    @inline(__always)
    public func region(ofTriangle index: Int) -> Int {
        triangleRegions.isEmpty ? 0 : Int(triangleRegions[index])
    }

    /// Number of regions, 1 + the largest region index (1 for a one-region mesh).
    public var regionCount: Int { Int(triangleRegions.max() ?? 0) + 1 }

    /// Area of each region's straight-sided triangles (mm^2), indexed by region.
    public var regionAreas: [Double] {
        var areas = [Double](repeating: 0, count: regionCount)
        for t in triangles.indices { areas[region(ofTriangle: t)] += signedArea(ofTriangle: t) }
        return areas
    }

    /// Signed area of triangle `index`, (1/2) (b - a) x (c - a), in mm^2 (positive when counter-clockwise).
    public func signedArea(ofTriangle index: Int) -> Double {
        let t = triangles[index]
        let a = points[Int(t.x)], b = points[Int(t.y)], c = points[Int(t.z)]
        return 0.5 * Point.cross(b - a, c - a)
    }

    /// Total area of the straight-sided triangulation, in mm^2.
    public var area: Double { (0..<triangles.count).reduce(0) { $0 + signedArea(ofTriangle: $1) } }

    /// Boundary segments with the given tag.
    public func segments(tagged tag: BoundaryTag) -> [BoundarySegment] {
        boundarySegments.filter { $0.tag == tag }
    }

    /// Undirected edge key (smaller index first).
    static func edgeKey(_ a: Int32, _ b: Int32) -> SIMD2<Int32> { a < b ? SIMD2(a, b) : SIMD2(b, a) }

    private func validate() throws(MeshError) {
        if triangles.isEmpty { throw .empty }
        let n = Int32(points.count)
        var edgeUse: [SIMD2<Int32>: Int] = [:]
        edgeUse.reserveCapacity(triangles.count * 3 / 2 + 8)
        for (index, t) in triangles.enumerated() {
            for v in [t.x, t.y, t.z] where v < 0 || v >= n {
                throw .invalidVertexIndex(triangle: index, vertex: Int(v))
            }
            let area = signedArea(ofTriangle: index)
            if !(area > 0) { throw .invertedOrDegenerateTriangle(index: index, signedArea: area) }
            for (a, b) in [(t.x, t.y), (t.y, t.z), (t.z, t.x)] {
                edgeUse[Self.edgeKey(a, b), default: 0] += 1
            }
        }
        for (index, segment) in boundarySegments.enumerated() {
            guard edgeUse[Self.edgeKey(segment.start, segment.end)] == 1 else {
                throw .boundarySegmentNotOnBoundary(index: index)
            }
        }
        let boundaryEdgeCount = edgeUse.values.filter { $0 == 1 }.count
        if boundaryEdgeCount != boundarySegments.count {
            throw .untaggedBoundary(taggedSegments: boundarySegments.count, boundaryEdges: boundaryEdgeCount)
        }
        if let bad = edgeUse.first(where: { $0.value > 2 }) {
            throw .nonManifoldEdge(vertices: (Int(bad.key.x), Int(bad.key.y)))
        }
        if !triangleRegions.isEmpty {
            guard triangleRegions.count == triangles.count else {
                throw .invalidGeometry("\(triangleRegions.count) triangle regions for \(triangles.count) triangles")
            }
            if let bad = triangleRegions.firstIndex(where: { $0 < 0 || $0 > 255 }) {
                throw .invalidGeometry("triangle \(bad) has region \(triangleRegions[bad]) (regions are 0 ... 255)")
            }
        }
        for (index, segment) in interfaceSegments.enumerated() where edgeUse[Self.edgeKey(segment.start, segment.end)] != 2 {
            throw .invalidGeometry("interface segment \(index) is not an interior edge")
        }
    }
}

/// Why a mesh cannot be built or used.
public enum MeshError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The mesh has no triangles.
    case empty
    /// A triangle refers to a vertex that does not exist.
    case invalidVertexIndex(triangle: Int, vertex: Int)
    /// A triangle is clockwise or has zero area.
    case invertedOrDegenerateTriangle(index: Int, signedArea: Double)
    /// A tagged segment is not an edge of exactly one triangle.
    case boundarySegmentNotOnBoundary(index: Int)
    /// Some boundary edges carry no lumen/outer tag.
    case untaggedBoundary(taggedSegments: Int, boundaryEdges: Int)
    /// An edge is shared by more than two triangles.
    case nonManifoldEdge(vertices: (Int, Int))
    /// Geometry parameters that cannot describe a vessel wall.
    case invalidGeometry(String)
    /// A mesh file could not be read or parsed.
    case unreadableFile(path: String, reason: String)
    /// A mesh file could not be written.
    case cannotWrite(path: String, reason: String)
    /// A scalar field or mask that cannot be meshed as given (size mismatch, non-finite values,
    /// no wall pixels, bad pixel size or meshing options).
    case invalidMask(String)
    /// Marching squares did not find exactly one outer border (wall on its left, positive area)
    /// and one lumen border (negative area) inside it.
    case unexpectedContours(outer: Int, lumen: Int)
    /// A smoothed border crosses itself or the other border.
    case borderSelfIntersects(String)
    /// The constrained Delaunay triangulation or its refinement could not be completed.
    case triangulationFailed(String)
    /// Refinement ended with a triangle below the requested minimum angle (degrees).
    case angleBoundNotReached(minimumAngle: Double, bound: Double)
    /// The `Deadline` given to the mesher passed; `during` names the step that was running (and
    /// how far it had come).
    case timeLimitExceeded(during: String)

    public static func == (lhs: MeshError, rhs: MeshError) -> Bool { lhs.description == rhs.description }

    public var description: String {
        switch self {
        case .empty: "mesh has no triangles"
        case .invalidVertexIndex(let t, let v): "triangle \(t) refers to missing vertex \(v)"
        case .invertedOrDegenerateTriangle(let i, let a): "triangle \(i) is clockwise or degenerate (signed area \(a) mm^2)"
        case .boundarySegmentNotOnBoundary(let i): "boundary segment \(i) is not an edge of exactly one triangle"
        case .untaggedBoundary(let t, let b): "\(b) boundary edges but \(t) tagged segments: every border edge needs a lumen or outer tag"
        case .nonManifoldEdge(let v): "edge \(v.0)-\(v.1) is shared by more than two triangles"
        case .invalidGeometry(let why): "invalid geometry: \(why)"
        case .unreadableFile(let path, let why): "cannot read mesh file \(path): \(why)"
        case .cannotWrite(let path, let why): "cannot write \(path): \(why)"
        case .invalidMask(let why): "invalid mask: \(why)"
        case .unexpectedContours(let outer, let lumen):
            "expected exactly one outer and one lumen contour, found \(outer) outer and \(lumen) lumen contours"
        case .borderSelfIntersects(let detail): "border self-intersects after smoothing: \(detail)"
        case .triangulationFailed(let why): "triangulation failed: \(why)"
        case .angleBoundNotReached(let angle, let bound):
            "triangulation failed to reach the angle bound: minimum angle \(angle) degrees < \(bound) degrees"
        case .timeLimitExceeded(let step): "time limit reached during \(step)"
        }
    }
}
