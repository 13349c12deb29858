import Foundation
@testable import Learning
import Neural

/// Synthetic 64 x 64 rings with a stress that grows towards the lumen (kPa), deterministic.
func syntheticRings(count: Int, size: Int = 64) -> (masks: ImageBatch, stress: ImageBatch) {
    var masks: [Float] = []
    var stress: [Float] = []
    for n in 0..<count {
        let inner = 8.0 + Double(n % 5)
        let outer = inner + 6 + Double(n % 3)
        let centre = Double(size - 1) / 2 + Double(n % 4) - 1.5
        for row in 0..<size {
            for column in 0..<size {
                let r = ((Double(row) - centre) * (Double(row) - centre) + (Double(column) - centre - 1) * (Double(column) - centre - 1)).squareRoot()
                let inWall = r >= inner && r <= outer
                masks.append(inWall ? 1 : 0)
                stress.append(inWall ? Float(40 + 200 * inner / r * (outer - r) / (outer - inner)) : 0)
            }
        }
    }
    return (try! ImageBatch(count: count, height: size, width: size, values: masks),
            try! ImageBatch(count: count, height: size, width: size, values: stress))
}

/// A fresh path in the temporary directory.
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("learning-\(UUID().uuidString)-\(name)").path
}
