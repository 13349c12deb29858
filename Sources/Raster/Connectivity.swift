/// Pixel adjacency used for connected components.
public enum Connectivity: Sendable, Hashable {
    /// Edge neighbours only: up, down, left, right.
    case four
    /// Edge and corner neighbours (the 8 surrounding pixels).
    case eight

    /// Row and column offsets of the neighbours, in a fixed order.
    public var offsets: [(row: Int, column: Int)] {
        switch self {
        case .four: [(-1, 0), (0, -1), (0, 1), (1, 0)]
        case .eight: [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
        }
    }
}
