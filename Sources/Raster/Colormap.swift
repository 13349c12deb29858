import Foundation

/// Maps scalar values to colours.
///
/// `.viridis` is the perceptually uniform, colour-blind-friendly map of Stéfan van der Walt and
/// Nathaniel J. Smith (with Eric Firing), matplotlib's default since 2.0 (released CC0 in the
/// "mpl-colormaps" project). It is embedded here as a degree-15 Chebyshev least-squares fit,
/// per channel, to its standard 256-entry table: t in [0, 1] -> sRGB in [0, 1], with a
/// largest deviation from the table of 0.19/255, below 8-bit resolution.
/// `.gray` is a linear black-to-white ramp.
public enum Colormap: String, Sendable, Hashable, CaseIterable, Codable {
    /// Perceptually uniform dark blue-violet -> teal -> green -> yellow.
    case viridis
    /// Black -> white, linear in the 8-bit sRGB value.
    case gray

    /// Colour at the fraction `t` in [0, 1] (clamped; NaN maps to 0).
    public func color(atFraction t: Double) -> RGBColor {
        let clamped = t.isNaN ? 0 : min(1, max(0, t))
        switch self {
        case .gray:
            return RGBColor(gray: Colormap.byte(clamped))
        case .viridis:
            let u = 2 * clamped - 1
            return RGBColor(
                red: Colormap.byte(Colormap.chebyshev(Colormap.viridisRed, u)),
                green: Colormap.byte(Colormap.chebyshev(Colormap.viridisGreen, u)),
                blue: Colormap.byte(Colormap.chebyshev(Colormap.viridisBlue, u)))
        }
    }

    /// Colour of `value` on the scale [minimum, maximum]: t = (value - minimum) / (maximum - minimum),
    /// clamped to [0, 1]; a degenerate range (maximum <= minimum) maps everything to t = 0.
    public func color(for value: Double, minimum: Double, maximum: Double) -> RGBColor {
        guard maximum > minimum else { return color(atFraction: 0) }
        return color(atFraction: (value - minimum) / (maximum - minimum))
    }

    private static func byte(_ value: Double) -> UInt8 {
        UInt8(min(255, max(0, (value * 255).rounded())))
    }

    /// Clenshaw evaluation of sum c_k T_k(u).
    private static func chebyshev(_ coefficients: [Double], _ u: Double) -> Double {
        var next = 0.0
        var nextButOne = 0.0
        for coefficient in coefficients.dropFirst().reversed() {
            let current = 2 * u * next - nextButOne + coefficient
            nextButOne = next
            next = current
        }
        return u * next - nextButOne + coefficients[0]
    }

    // Chebyshev coefficients c_0 ... c_15 in u = 2t - 1, fitted to the viridis table.
    private static let viridisRed: [Double] = [
        0.40868530333000402, 0.29833415392327045, 0.25497364519762805, 0.080241262709773303,
        -0.03316152507221172, -0.019658996788042959, -0.0017831453371468142, 0.0065749805026757155,
        0.0020825602622186264, -0.0036426941451866419, -0.0014451942570878756, 0.0017978429302986047,
        0.00088955860858417647, -0.0006656607646562978, -0.00074343174585210351, 0.00022839051336980072,
    ]
    private static let viridisGreen: [Double] = [
        0.5187211417593296, 0.45465767251297462, -0.057370975844825603, -0.0048638248074802347,
        -0.0084699768431875516, 0.0007368978845706765, 0.0021413330394715918, 0.00082434914179738009,
        -0.00032586493054222751, 8.8485088374961853e-05, 0.00018163665261720639, -0.00033002572277773432,
        0.00024935114525460644, -0.00025339048908355885, 0.00016617039838513588, -0.00013542506004537497,
    ]
    private static let viridisBlue: [Double] = [
        0.37588969908875969, -0.14674539276292625, -0.17065812568103692, 0.021115122413759999,
        0.014829223587128432, 0.028787031009704943, 0.014676789184465843, 0.0048315651217603044,
        0.0041313557916029375, 0.0011432953513370386, -0.00071538165541664865, -0.0010157989743590694,
        -0.001076544414657299, -0.0008855116497237034, -0.00052475128421629281, -0.00030938766326284119,
    ]
}
