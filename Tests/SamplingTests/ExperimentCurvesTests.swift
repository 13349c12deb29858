import Testing
@testable import Sampling

struct ExperimentCurvesTests {
    static var curves: ExperimentCurves {
        var curves = ExperimentCurves(metricName: "test MSE", metricUnit: "kPa^2", lowerIsBetter: true)
        func rounds(_ values: [Double]) -> [RoundResult] {
            values.enumerated().map { RoundResult(round: $0.offset + 1, labelCount: 10 * ($0.offset + 1), metric: $0.element, failures: 0) }
        }
        curves.curves = [
            .init(strategy: .interpolation, repeatIndex: 0, rounds: rounds([1000, 100])),
            .init(strategy: .random, repeatIndex: 0, rounds: rounds([1200, 200])),
            .init(strategy: .interpolation, repeatIndex: 1, rounds: rounds([3000, 300])),
            .init(strategy: .random, repeatIndex: 1, rounds: rounds([1200, 400])),
        ]
        return curves
    }

    @Test func meanAndSampleStandardDeviationPerRound() {
        let summary = Self.curves.summary(of: .interpolation)
        #expect(summary.map(\.labelCount) == [10, 20])
        #expect(summary.map(\.mean) == [2000, 200])
        #expect(abs(summary[0].standardDeviation - 2000.0.squareRoot() * 1000.0.squareRoot()) < 1e-9)
    }

    @Test func tableCSVAndPlot() {
        let curves = Self.curves
        let table = curves.markdownTable()
        #expect(table.contains("| 1 | 10 | 2000 ± 1414 | 1200 ± 0 | +66.7 % |"))
        #expect(table.contains("| 2 | 20 | 200 ± 141 | 300 ± 141 | -33.3 % |"))
        #expect(curves.csv().split(separator: "\n").count == 1 + 8)
        let svg = curves.svg(title: "t")
        #expect(svg.components(separatedBy: "<polyline").count == 3, "one mean line per strategy")
        #expect(svg.contains("test MSE (kPa^2), log scale"), "errors over a decade get a log axis")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
    }

    @Test func detailMetricsBecomeCSVColumnsAndAFinalTable() {
        var curves = ExperimentCurves(metricName: "test MSE", metricUnit: "kPa^2", lowerIsBetter: true)
        func round(_ r: Int, _ mse: Double, _ wall: Double) -> RoundResult {
            RoundResult(round: r, labelCount: 10 * r, metric: mse, failures: 0,
                        details: [NamedMetric(name: "wall_rel_l2_median", value: wall), NamedMetric(name: "peak_error_median", value: wall / 2)])
        }
        curves.curves = [
            .init(strategy: .interpolation, repeatIndex: 0, rounds: [round(1, 50, 0.4), round(2, 20, 0.1)]),
            .init(strategy: .interpolation, repeatIndex: 1, rounds: [round(1, 60, 0.5), round(2, 30, 0.2)]),
            .init(strategy: .random, repeatIndex: 0, rounds: [round(1, 70, 0.6), round(2, 40, 0.3)]),
        ]
        let lines = curves.csv().split(separator: "\n")
        #expect(lines[0] == "strategy,repeat,round,labels,test_MSE_kPa2,failures,wall_rel_l2_median,peak_error_median")
        #expect(lines[2] == "SI,0,2,20,20.0,0,0.1,0.05")
        let table = curves.finalDetailsMarkdownTable()
        #expect(table.contains("| SI | 20 | 15.0 % | 7.5 % |"), "\(table)")
        #expect(table.contains("| random | 20 | 30.0 % | 15.0 % |"), "\(table)")
        #expect(Self.curves.finalDetailsMarkdownTable().isEmpty)
        #expect(!Self.curves.csv().contains("wall"))
    }

    @Test func linearTicksAreRound() {
        let axis = ExperimentCurves.linearTicks(0.03, 0.97)
        #expect(axis.ticks.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }
}

extension ExperimentCurvesTests {
    @Test func logarithmicTicksCoverTheDataTightly() {
        let axis = ExperimentCurves.logarithmicTicks(59, 12_261)
        #expect(axis.low == 50 && axis.high == 20_000)
        #expect(axis.ticks.map(\.label) == ["50", "100", "200", "500", "1000", "2000", "5000", "10000", "20000"])
    }
}

extension ExperimentCurvesTests {
    @Test func accuracyDifferencesAreInPercentagePoints() {
        var curves = ExperimentCurves(metricName: "test accuracy", metricUnit: "%", lowerIsBetter: false)
        curves.curves = [
            .init(strategy: .nearestNeighbour, repeatIndex: 0, rounds: [RoundResult(round: 1, labelCount: 100, metric: 91.5, failures: 0)]),
            .init(strategy: .random, repeatIndex: 0, rounds: [RoundResult(round: 1, labelCount: 100, metric: 90, failures: 0)]),
        ]
        #expect(curves.markdownTable().contains("| 1 | 100 | 91.5 ± 0 | 90.0 ± 0 | +1.50 pp |"))
    }
}

extension ExperimentCurvesTests {
    /// Three strategies: the paired difference against random per repeat, and the labels each
    /// strategy needs to reach random's final value.
    @Test func pairedDifferencesAndLabelsToReachRandom() {
        var curves = ExperimentCurves(metricName: "test MSE", metricUnit: "kPa^2", lowerIsBetter: true)
        func rounds(_ values: [Double]) -> [RoundResult] {
            values.enumerated().map { RoundResult(round: $0.offset + 1, labelCount: 10 * ($0.offset + 1), metric: $0.element, failures: 0) }
        }
        curves.curves = [
            .init(strategy: .interpolation, repeatIndex: 0, rounds: rounds([100, 60, 50])),
            .init(strategy: .coreSet, repeatIndex: 0, rounds: rounds([100, 40, 30])),
            .init(strategy: .random, repeatIndex: 0, rounds: rounds([100, 50, 40])),
            .init(strategy: .interpolation, repeatIndex: 1, rounds: rounds([200, 90, 70])),
            .init(strategy: .coreSet, repeatIndex: 1, rounds: rounds([200, 60, 45])),
            .init(strategy: .random, repeatIndex: 1, rounds: rounds([200, 100, 50])),
        ]
        #expect(curves.baseline == .random)
        let paired = curves.pairedDifference(of: .interpolation, against: .random)
        // Round 2: +20 % and -10 % -> mean +5 %, sd 21.2 %.
        #expect(abs(paired[1].mean - 5) < 1e-9 && abs(paired[1].standardDeviation - 450.0.squareRoot()) < 1e-9 && paired[1].pairs == 2)
        // Random's final mean is 45: core-set's means are 150, 50, 37.5, so it reaches 45 at 30 labels.
        #expect(curves.labelsToReachFinal(of: .random, strategy: .coreSet) == 30)
        #expect(curves.labelsToReachFinal(of: .random, strategy: .interpolation) == nil)
        #expect(curves.labelsToReachFinal(of: .random, strategy: .random) == 30)
        let table = curves.markdownTable()
        #expect(table.contains("| round | labels | SI | coreset | random |"))
        #expect(table.contains("| 2 | 20 | +5.0 ± 21.2 | -30.0 ± 14.1 |"), "\(table)")
        #expect(table.contains("SI not reached, coreset 30, random 30."), "\(table)")
    }

    /// The legend's longest entry fits inside the SVG's width (it used to be clipped).
    @Test func svgLegendIsNotClipped() throws {
        var curves = Self.curves
        curves.curves += [.init(strategy: .mixedInterpolation, repeatIndex: 0, rounds: curves.curves[0].rounds)]
        let svg = curves.svg(title: "t")
        let width = try #require(svg.firstMatch(of: /width="(\d+)"/).flatMap { Double($0.1) })
        for match in svg.matches(of: /<text x="([0-9.]+)" y="[0-9.]+">([^<]+)<\/text>/) {
            let (x, text) = (Double(match.1)!, String(match.2))
            // 13 px sans-serif: at most about 7.5 px per character.
            #expect(x + 7.5 * Double(text.count) <= width, "\(text)")
        }
        #expect(svg.contains(">random (mean ± sd)</text>") && svg.contains(">SI-mix (mean ± sd)</text>"))
    }
}
