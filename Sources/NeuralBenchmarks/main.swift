// Benchmarks for the Neural module: VAE, surrogate and U-Net training steps, inference and
// the latent-gradient step (decoder + surrogate, gradient with respect to z), at 1 and 2 BLAS
// threads. Prints medians over several timed runs after warm-up.
//
// Usage: swift run -c release neural-bench [runs]

import Foundation
import Neural

/// Monotonic time in seconds.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// Median wall time in milliseconds of `runs` calls after `warmUp` untimed calls.
func medianMilliseconds(runs: Int, warmUp: Int = 2, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmUp { try body() }
    var times: [Double] = []
    for _ in 0..<runs {
        let start = now()
        try body()
        times.append((now() - start) * 1000)
    }
    times.sort()
    return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
}

/// Random binary 64 x 64 masks (a disc of random centre and radius per sample).
func masks(batch: Int, generator: inout SeededGenerator) -> Tensor<Float> {
    var values = [Float](repeating: 0, count: batch * 4096)
    for n in 0..<batch {
        let cx = 16 + 32 * generator.nextUnitDouble(), cy = 16 + 32 * generator.nextUnitDouble()
        let radius = 6 + 14 * generator.nextUnitDouble()
        for y in 0..<64 {
            for x in 0..<64 where (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy) < radius * radius {
                values[n * 4096 + y * 64 + x] = 1
            }
        }
    }
    return try! Tensor(shape: [batch, 1, 64, 64], scalars: values)
}

let arguments = CommandLine.arguments
let runs = arguments.count > 1 ? Int(arguments[1]) ?? 9 : 9
var generator = SeededGenerator(seed: 2024)

/// With "layers" as second argument: per-layer forward/backward times of the surrogate training
/// step (batch 32, 1 thread), for profiling.
if arguments.count > 2 && arguments[2] == "layers" {
    setBLASThreadCount(1)
    let surrogate = SurrogateNetwork<Float>(seed: 2)
    let layers = surrogate.encoder.layers + surrogate.decoder.layers
    let input = masks(batch: 32, generator: &generator)
    var forwardTimes = [Double](repeating: 0, count: layers.count)
    var backwardTimes = [Double](repeating: 0, count: layers.count)
    for _ in 0..<runs {
        var value = input
        for (index, layer) in layers.enumerated() {
            let start = now()
            value = try! layer.forward(value)
            forwardTimes[index] += (now() - start) * 1000 / Double(runs)
        }
        var gradient = Tensor<Float>(repeating: 0.01, shape: value.shape)
        for (index, layer) in layers.enumerated().reversed() {
            let start = now()
            gradient = try! layer.backward(gradient)
            backwardTimes[index] += (now() - start) * 1000 / Double(runs)
        }
    }
    for (index, layer) in layers.enumerated() {
        print(String(describing: type(of: layer)), String(format: "forward %.2f ms backward %.2f ms", forwardTimes[index], backwardTimes[index]))
    }
    print(String(format: "total forward %.1f ms backward %.1f ms", forwardTimes.reduce(0, +), backwardTimes.reduce(0, +)))
    exit(0)
}

/// With "unet" as second argument: only the U-Net training step (batch 32, 1 thread), the
/// number reported in docs/neural-models.md.
if arguments.count > 2 && arguments[2] == "unet" {
    setBLASThreadCount(1)
    let unet = SurrogateModel<Float>(architecture: .unet, seed: 3)
    let optimizer = Adam(parameters: unet.parameters())
    let input = masks(batch: 32, generator: &generator)
    let target = Tensor<Float>.randomUniform(shape: [32, 1, 64, 64], generator: &generator)
    let time = try! medianMilliseconds(runs: runs) {
        optimizer.zeroGradients()
        let loss = try meanSquaredError(prediction: unet.forward(input), target: target)
        _ = try unet.backward(loss.gradient)
        optimizer.step()
    }
    print(String(format: "U-Net training step, batch 32, 1 thread: median %.1f ms, %.0f samples/s", time, 32 / time * 1000))
    exit(0)
}

struct Row {
    var threads: Int
    var name: String
    var batch: Int
    var milliseconds: Double
    var goal: Double?
}
var rows: [Row] = []

for threads in [1, 2] {
    setBLASThreadCount(threads)

    let vae = VariationalAutoencoder<Float>(seed: 1)
    let vaeOptimizer = Adam(parameters: vae.parameters())
    for batch in [32, 128] {
        let input = try! masks(batch: batch, generator: &generator).reshaped(to: [batch, 4096])
        let time = try! medianMilliseconds(runs: runs) {
            vaeOptimizer.zeroGradients()
            _ = try vae.accumulateGradients(input: input, generator: &generator)
            vaeOptimizer.step()
        }
        rows.append(Row(threads: threads, name: "VAE training step", batch: batch, milliseconds: time, goal: batch == 32 ? 26 : nil))
    }

    let surrogate = SurrogateNetwork<Float>(seed: 2)
    let surrogateOptimizer = Adam(parameters: surrogate.parameters())
    for batch in [32, 128] {
        let input = masks(batch: batch, generator: &generator)
        let target = Tensor<Float>.randomUniform(shape: [batch, 1, 64, 64], generator: &generator)
        surrogate.mode = .training
        let time = try! medianMilliseconds(runs: runs) {
            surrogateOptimizer.zeroGradients()
            let output = try surrogate.forward(input)
            let loss = try meanSquaredError(prediction: output, target: target)
            _ = try surrogate.backward(loss.gradient)
            surrogateOptimizer.step()
        }
        rows.append(Row(threads: threads, name: "surrogate training step", batch: batch, milliseconds: time, goal: batch == 32 ? 56 : nil))
    }

    // The U-Net surrogate (`--network unet`): wall-aware output, as trained by default.
    let unet = SurrogateModel<Float>(architecture: .unet, seed: 3)
    let unetOptimizer = Adam(parameters: unet.parameters())
    do {
        let batch = 32
        let input = masks(batch: batch, generator: &generator)
        let target = Tensor<Float>.randomUniform(shape: [batch, 1, 64, 64], generator: &generator)
        unet.mode = .training
        let time = try! medianMilliseconds(runs: runs) {
            unetOptimizer.zeroGradients()
            let output = try unet.forward(input)
            let loss = try meanSquaredError(prediction: output, target: target)
            _ = try unet.backward(loss.gradient)
            unetOptimizer.step()
        }
        rows.append(Row(threads: threads, name: "U-Net training step", batch: batch, milliseconds: time, goal: nil))
        unet.mode = .evaluation
        let inference = try! medianMilliseconds(runs: runs) { _ = try unet.forward(input) }
        rows.append(Row(threads: threads, name: "U-Net inference", batch: batch, milliseconds: inference, goal: nil))
    }

    surrogate.mode = .evaluation
    for batch in [32, 128] {
        let input = masks(batch: batch, generator: &generator)
        let time = try! medianMilliseconds(runs: runs) { _ = try surrogate.forward(input) }
        rows.append(Row(threads: threads, name: "surrogate inference", batch: batch, milliseconds: time, goal: batch == 128 ? 100 : nil))
    }

    let generative = vae.generativeModel(imageShape: [1, 64, 64])
    for batch in [32, 128, 256] {
        let latent = Tensor<Float>.randomNormal(shape: [batch, 3], generator: &generator)
        let target = Tensor<Float>.randomUniform(shape: [batch, 1, 64, 64], generator: &generator)
        let time = try! medianMilliseconds(runs: runs) {
            _ = try inputGradient(through: [generative, surrogate], at: latent) {
                try meanSquaredError(prediction: $0, target: target)
            }
        }
        rows.append(Row(threads: threads, name: "latent-gradient step", batch: batch, milliseconds: time, goal: batch == 256 ? 365 : nil))
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
print("Neural benchmarks: median of \(runs) runs after 2 warm-up runs (release build)")
print("| threads | step                    | batch | median ms | samples/s | goal (PyTorch, 1 thread) |")
print("|---------|-------------------------|-------|-----------|-----------|--------------------------|")
for row in rows {
    let goal = row.goal.map { String(format: "%.0f ms", $0) } ?? ""
    print("| \(pad(String(row.threads), 7)) | \(pad(row.name, 23)) | \(pad(String(row.batch), 5)) | "
        + "\(pad(String(format: "%.1f", row.milliseconds), 9)) | \(pad(String(format: "%.0f", Double(row.batch) / row.milliseconds * 1000), 9)) | \(pad(goal, 24)) |")
}
