/// One entry of a group listing.
public struct HDF5Child: Sendable, Hashable {
    /// The kind of object a link points to.
    public enum Kind: String, Sendable, Hashable {
        /// A group.
        case group
        /// A dataset (numeric or string).
        case dataset
        /// A named datatype, a dangling or external link, or anything else.
        case other
    }

    /// The link name inside the group (no slashes).
    public let name: String
    /// What the link points to.
    public let kind: Kind

    /// Creates a listing entry.
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
