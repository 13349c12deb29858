// Benchmarks for the Neural module: VAE, surrogate and U-Net training steps, inference and
// the latent-gradient step (decoder + surrogate, gradient with respect to z), at 1 and 2 BLAS
// threads. Prints medians over several timed runs after warm-up.
//
// Usage: swift run -c release neural-bench [runs] [layers | unet | unet-layers | unet-torch [PYTHON]]
// (see the modes below; docs/benchmarks.md, "Neural network throughput").

import CMalloc
import Foundation
import Neural

/// Monotonic time in seconds.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// CPU time of the calling thread in seconds (with one BLAS thread all work of a step runs there).
func threadCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// The median of `values` (mean of the middle two for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Wall and calling-thread CPU times in milliseconds of `runs` calls after `warmUp` untimed calls.
func timedRuns(runs: Int, warmUp: Int = 2, _ body: () throws -> Void) rethrows -> (wall: [Double], cpu: [Double]) {
    for _ in 0..<warmUp { try body() }
    var wall: [Double] = [], cpu: [Double] = []
    for _ in 0..<runs {
        let (start, startCPU) = (now(), threadCPUTime())
        try body()
        wall.append((now() - start) * 1000)
        cpu.append((threadCPUTime() - startCPU) * 1000)
    }
    return (wall, cpu)
}

/// Median wall and thread CPU times in milliseconds of `runs` calls after `warmUp` untimed calls.
func medianMilliseconds(runs: Int, warmUp: Int = 2, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let times = try timedRuns(runs: runs, warmUp: warmUp, body)
    return (median(times.wall), median(times.cpu))
}

/// The current 1-minute load average, for the printed reports.
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).map { String($0.split(separator: " ").prefix(3).joined(separator: " ")) } ?? "?"
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

// The allocator settings of the plaquefem executable (`keepLargeAllocationsOnTheHeap`), so that the
// steps are timed as `surrogate train` runs them: activations and gradients (up to 16 MB each) are
// reused from the malloc heap instead of fresh mmap pages zeroed by the kernel at every step.
_ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
_ = mallopt(M_TRIM_THRESHOLD, 256 << 20)

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

/// One U-Net training step as `surrogate train --network unet` takes it: masked output, mean
/// squared error, backward, Adam.
@MainActor func unetTrainingStep(batch: Int = 32) -> () throws -> Void {
    let unet = SurrogateModel<Float>(architecture: .unet, seed: 3)
    let optimizer = Adam(parameters: unet.parameters())
    let input = masks(batch: batch, generator: &generator)
    let target = Tensor<Float>.randomUniform(shape: [batch, 1, 64, 64], generator: &generator)
    return {
        optimizer.zeroGradients()
        let loss = try meanSquaredError(prediction: unet.forward(input), target: target)
        try unet.accumulateParameterGradients(loss.gradient)
        optimizer.step()
    }
}

/// With "unet" as second argument: only the U-Net training step (batch 32, 1 thread), the
/// number reported in docs/neural-models.md.
if arguments.count > 2 && arguments[2] == "unet" {
    setBLASThreadCount(1)
    let times = try! timedRuns(runs: runs, unetTrainingStep())
    let (wall, cpu) = (median(times.wall), median(times.cpu))
    print(String(format: "U-Net training step, batch 32, 1 thread: median %.1f ms wall, %.1f ms thread CPU, %.0f samples/s (CPU time), load average %@",
                 wall, cpu, 32 / cpu * 1000, loadAverage()))
    exit(0)
}

/// With "unet-torch" as second argument: the U-Net training step of ours and of PyTorch's twin
/// (docs/pytorch/bench_unet.py) in one run, alternated over three rounds of `runs` steps each.
/// The python with torch is the third argument or $PLAQUEFEM_TORCH_PYTHON; skipped with a message
/// when neither is given or torch does not import.
if arguments.count > 2 && arguments[2] == "unet-torch" {
    let python = arguments.count > 3 ? arguments[3] : ProcessInfo.processInfo.environment["PLAQUEFEM_TORCH_PYTHON"]
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/pytorch/bench_unet.py").standardized.path
    guard let python, FileManager.default.isExecutableFile(atPath: python) else {
        print("skipped: give a python with torch as third argument or in PLAQUEFEM_TORCH_PYTHON")
        exit(0)
    }
    /// One PyTorch round: (version, median wall ms, median CPU ms), nil when the script fails.
    func torchRound() -> (version: String, wall: Double, cpu: Double)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, String(runs), "--threads", "1"]
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let version = object["torch"] as? String, let wall = object["wall_ms"] as? Double, let cpu = object["cpu_ms"] as? Double
        else { return nil }
        return (version, wall, cpu)
    }
    setBLASThreadCount(1)
    let step = unetTrainingStep()
    var ours: [(wall: Double, cpu: Double)] = [], theirs: [(wall: Double, cpu: Double)] = []
    var version = ""
    for round in 1...3 {
        let times = try! timedRuns(runs: runs, step)
        ours.append((median(times.wall), median(times.cpu)))
        guard let torch = torchRound() else {
            print("skipped: \(python) \(script) failed (is torch installed?)")
            exit(0)
        }
        version = torch.version
        theirs.append((torch.wall, torch.cpu))
        print(String(format: "round %d: ours %.1f ms CPU (%.1f wall), PyTorch %.1f ms CPU (%.1f wall), load average %@",
                     round, ours.last!.cpu, ours.last!.wall, torch.cpu, torch.wall, loadAverage()))
    }
    let (ourCPU, torchCPU) = (median(ours.map(\.cpu)), median(theirs.map(\.cpu)))
    print(String(format: "U-Net training step, batch 32, 1 thread, medians of 3 rounds of %d steps: ours %.1f ms CPU (%.0f samples/s), PyTorch %@ %.1f ms CPU (%.0f samples/s); ours is %.2fx PyTorch's throughput",
                 runs, ourCPU, 32 / ourCPU * 1000, version, torchCPU, 32 / torchCPU * 1000, torchCPU / ourCPU))
    exit(0)
}

/// With "unet-layers" as second argument: thread CPU time of every layer of the U-Net's training
/// step (batch 32, 1 thread), forward and backward, averaged over `runs` steps after one warm-up.
/// Thread CPU time of every layer of the U-Net's training step (forward and backward, the
/// UNetSurrogate graph taken layer by layer), averaged over `runs` steps after one warm-up; prints a table.
func profileUNetLayers(runs: Int, input: Tensor<Float>) throws {
    let unet = try UNetSurrogate<Float>(seed: 3)
    let pools = try (0..<(unet.levels - 1)).map { _ in try MaxPool2d<Float>(kernelSize: 2) }
    let sigmoid = Sigmoid<Float>()
    var totals: [String: (forward: Double, backward: Double)] = [:]
    var order: [String] = []
    func timed<T>(_ name: String, backward: Bool, _ body: () throws -> T) rethrows -> T {
        let start = threadCPUTime()
        let result = try body()
        let elapsed = (threadCPUTime() - start) * 1000
        if totals[name] == nil { order.append(name); totals[name] = (0, 0) }
        if backward { totals[name]!.backward += elapsed } else { totals[name]!.forward += elapsed }
        return result
    }
    func describe(_ layer: any Layer<Float>, _ value: Tensor<Float>) -> String {
        if let convolution = layer as? Conv2d<Float> {
            return "Conv2d \(convolution.kernelSize)x\(convolution.kernelSize) \(convolution.inputChannels)->\(convolution.outputChannels) at \(value.shape[2])x\(value.shape[3])"
        }
        return "\(String(describing: type(of: layer)).split(separator: "<").first!) \(value.shape[1]) at \(value.shape[2])x\(value.shape[3])"
    }
    // The forward and backward of UNetSurrogate, layer by layer (see its doc comment).
    func step(recording: Bool) throws {
        var names: [[String]] = Array(repeating: [], count: 2 * unet.levels)
        // As `Sequential` runs them: a BatchNorm2d followed by a ReLU as one fused layer (one row of
        // the table); the first convolution of down.0 without dL/dx (`accumulateParameterGradients`).
        var fused: [[Int]] = Array(repeating: [], count: 2 * unet.levels)
        func run(_ block: Sequential<Float>, _ index: Int, _ prefix: String, _ value: Tensor<Float>) throws -> Tensor<Float> {
            var value = value
            let layers = block.layers
            var position = 0
            while position < layers.count {
                let layer = layers[position]
                if let normalization = layer as? BatchNorm2d<Float>, position + 1 < layers.count, layers[position + 1] is ReLU<Float> {
                    let name = "\(prefix).\(position)+\(position + 1) BatchNorm2d + ReLU \(value.shape[1]) at \(value.shape[2])x\(value.shape[3])"
                    names[index].append(name)
                    fused[index].append(position)
                    value = try timed(name, backward: false) { try normalization.forward(value, rectifying: true) }
                    position += 2
                    continue
                }
                let name = "\(prefix).\(position) " + describe(layer, value)
                names[index].append(name)
                fused[index].append(position)
                value = try timed(name, backward: false) { try layer.forward(value) }
                position += 1
            }
            return value
        }
        func back(_ block: Sequential<Float>, _ index: Int, _ gradient: Tensor<Float>) throws -> Tensor<Float> {
            var gradient = gradient
            for (entry, position) in fused[index].enumerated().reversed() {
                let layer = block.layers[position]
                if index == 0 && position == 0 {
                    try timed(names[index][entry], backward: true) { try layer.accumulateParameterGradients(gradient) }
                    continue
                }
                gradient = try timed(names[index][entry], backward: true) { try layer.backward(gradient, computingParameterGradients: true) }
            }
            return gradient
        }
        let levels = unet.levels
        var skips: [Tensor<Float>] = []
        var value = input
        for level in 0..<levels {
            value = try run(unet.down[level], level, "down.\(level)", value)
            if level < levels - 1 {
                skips.append(value)
                value = try timed("pool \(level)", backward: false) { try pools[level].forward(value) }
            }
        }
        for level in (0..<(levels - 1)).reversed() {
            let upsampled = try timed("up.\(level) ConvTranspose2d", backward: false) { try unet.up[level].forward(value) }
            let joined = try timed("cat \(level)", backward: false) { try ChannelConcatenation.concatenate(upsampled, skips[level]) }
            value = try run(unet.decode[level], levels + level, "decode.\(level)", joined)
        }
        let output = try timed("head + sigmoid", backward: false) { try sigmoid.forward(unet.head.forward(value)) }
        var gradient = try timed("head + sigmoid", backward: true) {
            try unet.head.backward(sigmoid.backward(Tensor<Float>(repeating: 0.01, shape: output.shape), computingParameterGradients: true), computingParameterGradients: true)
        }
        var skipGradients: [Tensor<Float>] = []
        for level in 0..<(levels - 1) {
            let joined = try back(unet.decode[level], levels + level, gradient)
            let parts = try timed("cat \(level)", backward: true) { try ChannelConcatenation.split(joined, firstChannels: unet.widths[level]) }
            skipGradients.append(parts.second)
            gradient = try timed("up.\(level) ConvTranspose2d", backward: true) { try unet.up[level].backward(parts.first, computingParameterGradients: true) }
        }
        for level in (0..<levels).reversed() {
            if level < levels - 1 {
                var encoded = try timed("pool \(level)", backward: true) { try pools[level].backward(gradient, computingParameterGradients: true) }
                timed("pool \(level)", backward: true) {
                    let skip = skipGradients[level]
                    encoded.withUnsafeMutablePointer { g in skip.withUnsafePointer { s in for i in 0..<skip.count { g[i] += s[i] } } }
                }
                gradient = encoded
            }
            gradient = try back(unet.down[level], level, gradient)
        }
        if !recording { totals = [:]; order = [] }
    }
    try step(recording: false)
    for _ in 0..<runs { try step(recording: true) }
    print("U-Net training step by layer, batch 32, 1 thread, thread CPU ms per step (mean of \(runs)), load average \(loadAverage())")
    print("| layer | forward | backward |")
    print("| --- | --- | --- |")
    var sums = (0.0, 0.0)
    for name in order {
        let (f, b) = (totals[name]!.forward / Double(runs), totals[name]!.backward / Double(runs))
        sums.0 += f
        sums.1 += b
        print(String(format: "| %@ | %.1f | %.1f |", name, f, b))
    }
    print(String(format: "| total | %.1f | %.1f |", sums.0, sums.1))
}

/// With "unet-layers" as second argument: `profileUNetLayers` at batch 32 on one thread.
if arguments.count > 2 && arguments[2] == "unet-layers" {
    setBLASThreadCount(1)
    try! profileUNetLayers(runs: runs, input: masks(batch: 32, generator: &generator))
    exit(0)
}

struct Row {
    var threads: Int
    var name: String
    var batch: Int
    var milliseconds: (wall: Double, cpu: Double)
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
            try unet.accumulateParameterGradients(loss.gradient)
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
print("Neural benchmarks: median of \(runs) runs after 2 warm-up runs (release build), load average \(loadAverage())")
print("Thread CPU ms is the calling thread's CPU time: the whole step with 1 BLAS thread, a part of it with 2.")
print("| threads | step                    | batch | median ms | thread CPU ms | samples/s | goal (PyTorch, 1 thread) |")
print("|---------|-------------------------|-------|-----------|---------------|-----------|--------------------------|")
for row in rows {
    let goal = row.goal.map { String(format: "%.0f ms", $0) } ?? ""
    let (wall, cpu) = row.milliseconds
    print("| \(pad(String(row.threads), 7)) | \(pad(row.name, 23)) | \(pad(String(row.batch), 5)) | "
        + "\(pad(String(format: "%.1f", wall), 9)) | \(pad(String(format: "%.1f", cpu), 13)) | "
        + "\(pad(String(format: "%.0f", Double(row.batch) / wall * 1000), 9)) | \(pad(goal, 24)) |")
}
