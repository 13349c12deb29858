import Foundation
import Labeling
import Raster

/// `oddmasks`: --count seeded odd masks (`OddMaskGenerator`, --seed, --size pixels) through
/// validate, mesh and solve with a per-mask time limit (--time-limit seconds); prints the share
/// labeled, the failures by status and first words of the reason, per kind and overall, and the
/// slowest mask. Any crash or hang would stop the run; a mask past the limit is status 500.
struct OddMaskBenchmark {
    var count: Int
    var seed: UInt64
    var size: Int
    var timeLimit: Double
    var jobs: Int
    var options: LabelingOptions

    func run() {
        let generator = OddMaskGenerator(seed: seed, size: size)
        var options = options
        options.timeLimit = timeLimit
        let labeler = FEMLabeler(options: options)
        let cases = (0..<count).map { generator.mask(at: $0) }
        let start = ContinuousClock.now
        let results = BatchLabeler(labeler: labeler).label(cases.map(\.mask), jobs: jobs)
        let total = seconds(ContinuousClock.now - start)
        print("oddmasks: \(count) masks of \(size)x\(size) px, seed \(seed), time limit \(timeLimit) s, \(jobs) jobs, "
              + String(format: "%.1f s (%.1f ms per mask)", total, 1000 * total / Double(max(count, 1))))
        func reason(_ failure: LabelingFailure) -> String {
            let text = failure.description
            // The reason without its numbers: "invalid mask: wall touches the image border", ...
            let words = text.split(separator: ":").prefix(2).joined(separator: ":")
            let cut = words.firstIndex(where: { $0.isNumber || $0 == "(" || $0 == "[" }) ?? words.endIndex
            return "\(failure.code) " + words[..<cut].trimmingCharacters(in: .whitespaces)
        }
        var overall: [String: Int] = [:]
        var labeledTotal = 0
        var slowest = (seconds: 0.0, index: -1)
        for kind in OddMaskGenerator.Kind.allCases {
            let indices = cases.indices.filter { cases[$0].kind == kind }
            var labeled = 0
            var reasons: [String: Int] = [:]
            for index in indices {
                switch results[index] {
                case .success(let label):
                    labeled += 1
                    if label.timings.total > slowest.seconds { slowest = (label.timings.total, index) }
                case .failure(let failure): reasons[reason(failure), default: 0] += 1
                }
            }
            labeledTotal += labeled
            for (key, value) in reasons { overall[key, default: 0] += value }
            print(String(format: "  %@ %5d masks, labeled %5.1f %%", kind.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0), indices.count,
                         100 * Double(labeled) / Double(max(indices.count, 1))))
            for (key, value) in reasons.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                print(String(format: "      %5d  %@", value, key))
            }
        }
        print(String(format: "  all               %5d masks, labeled %5.1f %%", count, 100 * Double(labeledTotal) / Double(max(count, 1))))
        for (key, value) in overall.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            print(String(format: "      %5d (%4.1f %%)  %@", value, 100 * Double(value) / Double(count), key))
        }
        if slowest.index >= 0 {
            print(String(format: "  slowest labeled mask: case %d (%@), %.3f s", slowest.index,
                         cases[slowest.index].kind.rawValue as NSString, slowest.seconds))
        }
    }
}
