import Foundation

/// A "nice" linear scale for a colorbar: end points and ticks on multiples of a step
/// 1, 2 or 5 x 10^k, with labels printed with just enough decimals.
public struct ColorbarScale: Sendable, Hashable {
    /// Value at the bottom of the colorbar.
    public let minimum: Double
    /// Value at the top of the colorbar.
    public let maximum: Double
    /// Distance between ticks.
    public let step: Double
    /// Tick values from `minimum` to `maximum` inclusive.
    public let ticks: [Double]
    /// Decimals used by `label(for:)`: max(0, -floor(log10(step))).
    public let decimals: Int

    /// Expands [lower, upper] outwards to multiples of a nice step chosen so that there are at
    /// most `maximumTickCount` ticks (at least 2). Non-finite bounds become 0; an empty range
    /// becomes [lower, lower + 1].
    public init(lower: Double, upper: Double, maximumTickCount: Int = 6) {
        var low = lower.isFinite ? lower : 0
        var high = upper.isFinite ? upper : 0
        if low > high { swap(&low, &high) }
        if high - low <= 1e-12 * max(1, abs(low)) { high = low + 1 }
        let intervals = Double(max(1, maximumTickCount - 1))
        var exponent = (log10((high - low) / intervals)).rounded(.down)
        var step = 0.0
        var first = 0.0
        var last = 0.0
        search: while true {
            for multiplier in [1.0, 2.0, 5.0] {
                step = multiplier * pow(10, exponent)
                first = (low / step).rounded(.down)
                last = (high / step).rounded(.up)
                if last - first <= intervals { break search }
            }
            exponent += 1
        }
        self.step = step
        self.minimum = first * step
        self.maximum = last * step
        self.ticks = (0...Int(last - first)).map { (first + Double($0)) * step }
        self.decimals = max(0, Int(-(log10(step) + 1e-9).rounded(.down)))
    }

    /// The tick label of `value`, e.g. "12.5"; "-0" is printed as "0".
    public func label(for value: Double) -> String {
        let text = String(format: "%.\(decimals)f", value)
        if Double(text) == 0 { return String(format: "%.\(decimals)f", 0.0) }
        return text
    }
}
