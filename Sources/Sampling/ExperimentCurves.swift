import Foundation

/// The learning curves of an experiment: every strategy, every repeat, every round.
public struct ExperimentCurves: Sendable, Codable, Equatable {
    /// One run's curve.
    public struct Curve: Sendable, Codable, Equatable {
        /// The strategy ("SI", "SNN", "random").
        public var strategy: SamplingStrategy
        /// The repeat (0-based).
        public var repeatIndex: Int
        /// The metric after every round.
        public var rounds: [RoundResult]
    }

    /// Name of the metric, e.g. "test MSE".
    public var metricName: String
    /// Unit of the metric, e.g. "kPa^2" or "%".
    public var metricUnit: String
    /// Whether a smaller metric is better (MSE) or a larger one (accuracy).
    public var lowerIsBetter: Bool
    /// The curves in run order.
    public var curves: [Curve] = []

    /// Creates an empty set of curves.
    public init(metricName: String, metricUnit: String, lowerIsBetter: Bool) {
        self.metricName = metricName
        self.metricUnit = metricUnit
        self.lowerIsBetter = lowerIsBetter
    }

    /// The strategies in order of first appearance.
    public var strategies: [SamplingStrategy] {
        var seen: [SamplingStrategy] = []
        for curve in curves where !seen.contains(curve.strategy) { seen.append(curve.strategy) }
        return seen
    }

    /// Mean and sample standard deviation (n - 1; 0 for one repeat) of the metric per round.
    public func summary(of strategy: SamplingStrategy) -> [(labelCount: Int, mean: Double, standardDeviation: Double, repeats: Int)] {
        let runs = curves.filter { $0.strategy == strategy }
        guard let roundCount = runs.map(\.rounds.count).min() else { return [] }
        return (0..<roundCount).map { index in
            let values = runs.map { $0.rounds[index].metric }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.count > 1
                ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1) : 0
            return (runs[0].rounds[index].labelCount, mean, variance.squareRoot(), values.count)
        }
    }

    /// A Markdown table of the detail metrics (`RoundResult.details`) after the last round: one
    /// row per strategy, the mean over repeats of each detail; empty when no round has details.
    /// Values are fractions shown in percent (the surrogate's wall errors).
    public func finalDetailsMarkdownTable() -> String {
        let finals = curves.compactMap { $0.rounds.last }
        guard let names = finals.first(where: { !$0.details.isEmpty })?.details.map(\.name) else { return "" }
        var out = "| strategy | labels | " + names.joined(separator: " | ") + " |\n|"
        out += String(repeating: " --- |", count: 2 + names.count) + "\n"
        for strategy in strategies {
            let runs = curves.filter { $0.strategy == strategy }.compactMap { $0.rounds.last }
            guard let labels = runs.first?.labelCount else { continue }
            let means = names.map { name -> String in
                let values = runs.compactMap { $0.details.first { $0.name == name }?.value }
                guard !values.isEmpty else { return "" }
                return String(format: "%.1f %%", 100 * values.reduce(0, +) / Double(values.count))
            }
            out += "| \(strategy.rawValue) | \(labels) | " + means.joined(separator: " | ") + " |\n"
        }
        return out
    }

    /// CSV with a header: strategy,repeat,round,labels,metric,failures (one line per run and
    /// round), then one column per detail metric (`RoundResult.details`, named as in the first
    /// round that has details; empty cells where a round lacks one).
    public func csv() -> String {
        let detailNames = curves.lazy.flatMap(\.rounds).first { !$0.details.isEmpty }?.details.map(\.name) ?? []
        var out = "strategy,repeat,round,labels,\(metricName.replacingOccurrences(of: " ", with: "_"))_\(metricUnit.replacingOccurrences(of: "^", with: "")),failures"
        out += detailNames.map { "," + $0 }.joined() + "\n"
        for curve in curves {
            for round in curve.rounds {
                out += "\(curve.strategy.rawValue),\(curve.repeatIndex),\(round.round),\(round.labelCount),"
                out += "\(round.metric),\(round.failures)"
                for name in detailNames {
                    out += "," + (round.details.first { $0.name == name }.map { "\($0.value)" } ?? "")
                }
                out += "\n"
            }
        }
        return out
    }

    /// The strategy the others are compared with: random when present, else the last one.
    public var baseline: SamplingStrategy? { strategies.contains(.random) ? .random : strategies.last }

    /// Per round, the paired difference of `strategy` against `baseline` over the repeats both
    /// ran (same repeat index = same seed and initial network): relative (%) for errors, in
    /// percentage points for metrics in %; mean and sample standard deviation.
    public func pairedDifference(of strategy: SamplingStrategy, against baseline: SamplingStrategy)
        -> [(labelCount: Int, mean: Double, standardDeviation: Double, pairs: Int)] {
        let runs = curves.filter { $0.strategy == strategy }
        let reference = curves.filter { $0.strategy == baseline }
        let pairs = runs.compactMap { run in reference.first { $0.repeatIndex == run.repeatIndex }.map { (run, $0) } }
        guard let roundCount = pairs.map({ min($0.0.rounds.count, $0.1.rounds.count) }).min() else { return [] }
        return (0..<roundCount).map { index in
            let values = pairs.map { pair -> Double in
                let (value, base) = (pair.0.rounds[index].metric, pair.1.rounds[index].metric)
                if metricUnit == "%" { return value - base }
                return base != 0 ? 100 * (value - base) / abs(base) : .nan
            }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.count > 1 ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1) : 0
            return (pairs[0].0.rounds[index].labelCount, mean, variance.squareRoot(), values.count)
        }
    }

    /// The fewest labels at which the mean curve of `strategy` is at least as good as the
    /// baseline's mean after its last round (nil when it never is): "labels needed to reach
    /// random's final test MSE", read at the rounds (no interpolation).
    public func labelsToReachFinal(of baseline: SamplingStrategy, strategy: SamplingStrategy) -> Int? {
        guard let target = summary(of: baseline).last?.mean else { return nil }
        return summary(of: strategy).first { lowerIsBetter ? $0.mean <= target : $0.mean >= target }?.labelCount
    }

    /// Markdown tables in the shape of the paper's Table 1: one row per round (labels), one
    /// column per strategy with mean ± sd over repeats (with exactly two strategies, also the
    /// change of the first against the second: relative (%) for errors, in percentage points (pp)
    /// for metrics in %); then, with a baseline (random) and other strategies, the paired
    /// difference against it per round (mean ± sd over repeats) and the labels each strategy
    /// needs to reach the baseline's final value.
    public func markdownTable() -> String {
        let strategies = self.strategies
        let summaries = strategies.map { summary(of: $0) }
        guard let rowCount = summaries.map(\.count).min(), rowCount > 0 else { return "(no results)\n" }
        let repeats = summaries.first?.first?.repeats ?? 0
        let percent = metricUnit == "%"
        var out = "\(metricName) (\(metricUnit)), mean ± sd over \(repeats) repeat\(repeats == 1 ? "" : "s")"
        out += lowerIsBetter ? "; lower is better\n\n" : "; higher is better\n\n"
        out += "| round | labels | " + strategies.map(\.rawValue).joined(separator: " | ")
        let compare = strategies.count == 2
        if compare { out += " | \(strategies[0].rawValue) vs \(strategies[1].rawValue)" }
        out += " |\n|" + String(repeating: " --- |", count: 2 + strategies.count + (compare ? 1 : 0)) + "\n"
        for row in 0..<rowCount {
            out += "| \(row + 1) | \(summaries[0][row].labelCount) | "
            out += summaries.map { Self.format($0[row].mean) + " ± " + Self.format($0[row].standardDeviation) }.joined(separator: " | ")
            if compare {
                let (first, last) = (summaries[0][row].mean, summaries[1][row].mean)
                if percent {
                    out += " | " + String(format: "%+.2f pp", first - last)
                } else {
                    out += " | " + (last != 0 ? String(format: "%+.1f %%", 100 * (first - last) / abs(last)) : "n/a")
                }
            }
            out += " |\n"
        }
        guard let baseline, strategies.count >= 2 else { return out }
        let others = strategies.filter { $0 != baseline }
        let differences = others.map { pairedDifference(of: $0, against: baseline) }
        let pairedRows = differences.map(\.count).min() ?? 0
        if pairedRows > 0 {
            out += "\nPaired difference against \(baseline.rawValue) (same repeat = same seed and initial network), mean ± sd over "
            out += "repeats, " + (percent ? "in percentage points" : "relative, in %") + (lowerIsBetter ? "; negative is better" : "; positive is better")
            out += ":\n\n| round | labels | " + others.map(\.rawValue).joined(separator: " | ") + " |\n|"
            out += String(repeating: " --- |", count: 2 + others.count) + "\n"
            for row in 0..<pairedRows {
                out += "| \(row + 1) | \(differences[0][row].labelCount) | "
                out += differences.map { d in
                    String(format: percent ? "%+.2f ± %.2f" : "%+.1f ± %.1f", d[row].mean, d[row].standardDeviation)
                }.joined(separator: " | ") + " |\n"
            }
        }
        if let target = summary(of: baseline).last {
            out += "\nLabels needed to reach \(baseline.rawValue)'s final \(metricName) (\(Self.format(target.mean)) \(metricUnit) at "
            out += "\(target.labelCount) labels), mean curves read at the rounds: "
            out += strategies.map { strategy in
                let labels = labelsToReachFinal(of: baseline, strategy: strategy)
                return "\(strategy.rawValue) " + (labels.map(String.init) ?? "not reached")
            }.joined(separator: ", ") + ".\n"
        }
        return out
    }

    /// About three significant digits, without exponents for the usual ranges.
    static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3g", value)
    }

    /// An SVG line plot of mean ± sd per strategy against the number of labels (a shaded band
    /// for ± sd), with labeled axes and units; self-contained, readable in a browser.
    public func svg(title: String) -> String {
        let strategies = self.strategies
        // The legend sits right of the plot; its width follows the longest entry (about 7.5 px
        // per character at 13 px), so no entry is clipped.
        let legendCharacters = strategies.map { "\($0.rawValue) (mean ± sd)".count }.max() ?? 10
        let right = 60.0 + 7.5 * Double(legendCharacters)
        let width = 550.0 + right, height = 460.0
        let left = 90.0, top = 50.0, bottom = 60.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let summaries = strategies.map { summary(of: $0) }
        let points = summaries.flatMap { $0 }
        guard !points.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n" }
        let xMin = Double(points.map(\.labelCount).min()!), xMax = Double(points.map(\.labelCount).max()!)
        var yMin = points.map { $0.mean - $0.standardDeviation }.min()!
        let yMax = points.map { $0.mean + $0.standardDeviation }.max()!
        // Errors that fall by orders of magnitude read better on a log axis; the band's lower
        // edge is clipped at half the smallest mean there.
        let smallestMean = points.map(\.mean).min()!
        let logarithmic = smallestMean > 0 && yMax / smallestMean > 10
        if logarithmic { yMin = max(yMin, smallestMean / 2) }
        let axis = logarithmic ? Self.logarithmicTicks(yMin, yMax) : Self.linearTicks(yMin, yMax)
        let transform: (Double) -> Double = logarithmic ? { log10(max($0, 1e-300)) } : { $0 }
        let (yLow, yHigh) = (transform(axis.low), transform(axis.high))
        let xSpan = max(xMax - xMin, 1)
        func x(_ value: Double) -> Double { left + (value - xMin) / xSpan * plotWidth }
        func y(_ value: Double) -> Double {
            let clamped = min(max(transform(value), yLow), yHigh)
            return top + (yHigh - clamped) / (yHigh - yLow) * plotHeight
        }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }
        let colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="13">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left + plotWidth / 2))" y="28" text-anchor="middle" font-size="16">\(Self.escaped(title))</text>

            """
        for tick in axis.ticks {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick.value)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(tick.value)))\" stroke=\"#e0e0e0\"/>\n"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick.value) + 4))\" text-anchor=\"end\">\(tick.label)</text>\n"
        }
        let labelCounts = Array(Set(points.map(\.labelCount))).sorted()
        let every = max(1, labelCounts.count / 10)
        for (k, count) in labelCounts.enumerated() where k % every == 0 {
            out += "<line x1=\"\(f(x(Double(count))))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(x(Double(count))))\" y2=\"\(f(top + plotHeight + 5))\" stroke=\"black\"/>\n"
            out += "<text x=\"\(f(x(Double(count))))\" y=\"\(f(top + plotHeight + 20))\" text-anchor=\"middle\">\(count)</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"black\"/>\n"
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 15))\" text-anchor=\"middle\">labeled training samples</text>\n"
        out += "<text transform=\"translate(22 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">"
        out += "\(Self.escaped(metricName)) (\(Self.escaped(metricUnit)))\(logarithmic ? ", log scale" : "")</text>\n"
        for (k, summary) in summaries.enumerated() {
            let color = colors[k % colors.count]
            let upper = summary.map { "\(f(x(Double($0.labelCount)))),\(f(y($0.mean + $0.standardDeviation)))" }
            let lower = summary.reversed().map { "\(f(x(Double($0.labelCount)))),\(f(y($0.mean - $0.standardDeviation)))" }
            out += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
            let line = summary.map { "\(f(x(Double($0.labelCount)))),\(f(y($0.mean)))" }.joined(separator: " ")
            out += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for point in summary {
                out += "<circle cx=\"\(f(x(Double(point.labelCount))))\" cy=\"\(f(y(point.mean)))\" r=\"3\" fill=\"\(color)\"/>\n"
            }
            let legendY = top + 20 + Double(k) * 22
            out += "<line x1=\"\(f(left + plotWidth + 15))\" y1=\"\(f(legendY))\" x2=\"\(f(left + plotWidth + 40))\" y2=\"\(f(legendY))\" stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            out += "<text x=\"\(f(left + plotWidth + 46))\" y=\"\(f(legendY + 4))\">\(strategies[k].rawValue) (mean ± sd)</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Linear axis on round numbers: about five steps, labels with the step's decimals.
    static func linearTicks(_ low: Double, _ high: Double) -> (low: Double, high: Double, ticks: [(value: Double, label: String)]) {
        var (low, high) = (low, high)
        if high - low < 1e-12 * max(1, abs(high)) { low -= 1; high += 1 }
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let (first, last) = (floor(low / step), ceil(high / step))
        let decimals = max(0, Int(-floor(log10(step))) + (step / magnitude == 2.5 ? 1 : 0))
        let ticks = stride(from: first, through: last, by: 1).map { k -> (value: Double, label: String) in
            let value = k * step
            return (value, String(format: "%.\(decimals)f", abs(value) < step / 2 ? 0 : value))
        }
        return (first * step, last * step, ticks)
    }

    /// Logarithmic axis with ticks at 1, 2, 5 x 10^k, from the largest tick <= `low` to the
    /// smallest tick >= `high`.
    static func logarithmicTicks(_ low: Double, _ high: Double) -> (low: Double, high: Double, ticks: [(value: Double, label: String)]) {
        let (first, last) = (floor(log10(low)), ceil(log10(high)))
        var values: [Double] = []
        for exponent in stride(from: first, through: last, by: 1) {
            for mantissa in [1.0, 2, 5] { values.append(mantissa * pow(10, exponent)) }
        }
        let lower = values.last { $0 <= low * (1 + 1e-12) } ?? values[0]
        let upper = values.first { $0 >= high * (1 - 1e-12) } ?? values[values.count - 1]
        let ticks = values.filter { $0 >= lower && $0 <= upper }.map { value -> (value: Double, label: String) in
            (value, value >= 1 ? String(format: "%.0f", value) : String(format: "%g", value))
        }
        return (lower, upper, ticks)
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
