/// The region a pixel of a validated wall mask belongs to.
public enum PixelClass: UInt8, Sendable, Hashable, Codable {
    /// Outside the vessel (adventitial background): the background component touching the border.
    case outside = 0
    /// Vessel wall (including filled small holes).
    case wall = 1
    /// Lumen: the largest background region enclosed by the wall.
    case lumen = 2
}
