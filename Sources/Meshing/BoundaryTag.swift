/// Which border of the vessel wall a boundary segment belongs to.
///
/// The lumen border carries the blood pressure; the outer (adventitial) border is traction free.
public enum BoundaryTag: Int32, Sendable, Codable, CaseIterable {
    /// The border between the wall and the lumen (inner border).
    case lumen = 1
    /// The outer border of the wall.
    case outer = 2

    /// Name used in mesh files (Gmsh physical names, VTU field values).
    public var name: String {
        switch self {
        case .lumen: "lumen"
        case .outer: "outer"
        }
    }
}
