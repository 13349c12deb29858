/// The plaque components a wall mesh distinguishes, each with its own material.
///
/// The raw value is the triangle region (`TriangleMesh.triangleRegions`) and the index into the
/// solver's material table; `classCode` is the code of the component in class maps and label files
/// (0 is outside the wall).
public enum TissueComponent: Int32, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Fibrous wall tissue (the one-material wall of the paper); region 0.
    case wall = 0
    /// Lipid pool / necrotic core; region 1.
    case lipid = 1
    /// Dense calcium; region 2.
    case calcium = 2

    /// Name on the command line and in files: `wall`, `lipid`, `calcium`.
    public var name: String {
        switch self {
        case .wall: "wall"
        case .lipid: "lipid"
        case .calcium: "calcium"
        }
    }

    public var description: String { name }

    /// Code in class maps: 1 fibrous wall, 2 lipid, 3 calcium (0 is outside the wall).
    public var classCode: UInt8 { UInt8(rawValue + 1) }

    /// The component called `name`, or nil.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// The component of class code 1, 2 or 3, or nil (0 and anything else).
    public init?(classCode: UInt8) {
        guard classCode >= 1, classCode <= 3 else { return nil }
        self.init(rawValue: Int32(classCode) - 1)
    }
}
