import Foundation
import Labeling
import Raster

/// The cost of plaque components from class masks (issue 15's goal: a component phantom at most 2x
/// the time of the one-material phantom of the same geometry, median). Per component phantom
/// (`phantoms --components`, 64x64), the one-material label of its wall and the class-mask label,
/// back to back on one thread, `runs` times each; thread CPU time (validation, mesh, solve, map).
struct ComponentMaskBenchmark {
    var count: Int
    var seed: UInt64
    var runs: Int
    var options: LabelingOptions

    func run() throws {
        let generator = try ComponentPhantomGenerator(walls: PhantomGenerator(seed: seed))
        let phantoms = generator.phantoms(in: 0..<count).filter { $0.classMask.hasComponents }
        let labeler = FEMLabeler(options: options)
        func median(_ values: [Double]) -> Double {
            let s = values.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
        }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("Class-mask components: \(phantoms.count) of \(count) component phantoms (seed \(seed), 64x64) have lipid or calcium;")
        print("per phantom the one-material label of its wall and the class-mask label, back to back, \(runs) runs each; thread CPU time, medians. Load average before: \(load)")
        var plainTimes: [Double] = [], componentTimes: [Double] = [], ratios: [Double] = []
        var plainMesh: [Double] = [], componentMesh: [Double] = [], plainSolve: [Double] = [], componentSolve: [Double] = []
        var plainTriangles: [Double] = [], componentTriangles: [Double] = [], failures: [String] = []
        for phantom in phantoms {
            var plain: [Double] = [], components: [Double] = []
            var plainLabel: StressLabel?, componentLabel: StressLabel?
            do {
                for _ in 0..<runs {
                    var start = threadCPUSeconds()
                    plainLabel = try labeler.label(phantom.classMask.wall)
                    plain.append(threadCPUSeconds() - start)
                    start = threadCPUSeconds()
                    componentLabel = try labeler.label(phantom.classMask)
                    components.append(threadCPUSeconds() - start)
                }
            } catch {
                failures.append("phantom \(phantom.phantom.index): \(error)")
                continue
            }
            guard let plainLabel, let componentLabel else { continue }
            plainTimes.append(median(plain))
            componentTimes.append(median(components))
            ratios.append(median(components) / median(plain))
            plainMesh.append(plainLabel.timings.mesh)
            componentMesh.append(componentLabel.timings.mesh)
            plainSolve.append(plainLabel.timings.solve)
            componentSolve.append(componentLabel.timings.solve)
            plainTriangles.append(Double(plainLabel.triangles))
            componentTriangles.append(Double(componentLabel.triangles))
        }
        guard !ratios.isEmpty else { print("no phantom labeled: \(failures.prefix(3))"); return }
        print(String(format: "one material: median %.1f ms CPU (mesh %.1f ms, solve %.1f ms wall, last run), %.0f triangles",
                     1000 * median(plainTimes), 1000 * median(plainMesh), 1000 * median(plainSolve), median(plainTriangles)))
        print(String(format: "components:   median %.1f ms CPU (mesh %.1f ms, solve %.1f ms wall, last run), %.0f triangles",
                     1000 * median(componentTimes), 1000 * median(componentMesh), 1000 * median(componentSolve), median(componentTriangles)))
        print(String(format: "ratio of the medians %.2fx; per phantom: median %.2fx, max %.2fx (goal: median <= 2x)",
                     median(componentTimes) / median(plainTimes), median(ratios), ratios.max()!))
        if !failures.isEmpty { print("failed \(failures.count): " + failures.prefix(3).joined(separator: "; ")) }
        let after = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("Load average after: \(after)")
    }
}
