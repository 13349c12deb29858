/// Pixel positions of the parts of a `StressMapPicture` (image pixels, origin top-left).
public struct StressMapLayout: Sendable, Hashable {
    /// Width of the whole picture.
    public let width: Int
    /// Height of the whole picture.
    public let height: Int
    /// Left edge of the mask panel, or nil without one.
    public let maskX: Int?
    /// Left edge of the stress map panel.
    public let mapX: Int
    /// Top edge of the panels and of the colorbar.
    public let panelY: Int
    /// Width of each panel: columns x scale.
    public let panelWidth: Int
    /// Height of each panel and of the colorbar: rows x scale.
    public let panelHeight: Int
    /// Left edge of the colorbar.
    public let barX: Int
    /// Width of the colorbar.
    public let barWidth: Int
    /// Length of the tick marks right of the colorbar.
    public let tickLength: Int
    /// Left edge of the tick labels.
    public let labelX: Int
    /// Size of one font pixel in image pixels.
    public let fontScale: Int
}
