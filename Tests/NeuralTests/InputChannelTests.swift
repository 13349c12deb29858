import Testing
@testable import Neural

/// Surrogates with C > 1 input channels (one per plaque component): only the first convolution
/// changes shape, the wall-aware output masks by the channel sum; finite differences in Double.
struct InputChannelTests {
    let tolerance = 1e-6

    /// y = f(x) * sum_c x_c: dL/dx_c = J_f^T (dy m)|_c + dy f(x) for every channel.
    @Test func maskedOutputGradientWithThreeChannels() throws {
        var generator = SeededGenerator(seed: 60)
        let body = Sequential<Double>([
            try Conv2d(inputChannels: 3, outputChannels: 2, kernelSize: 3, padding: 1, generator: &generator),
            Tanh(),
            try Conv2d(inputChannels: 2, outputChannels: 1, kernelSize: 1, generator: &generator), Sigmoid(),
        ])
        let masked = MaskedOutput(body)
        let input = GradientCheck.random([2, 3, 5, 4], seed: 61, in: 0..<1)
        let output = try masked.forward(input)
        #expect(output.shape == [2, 1, 5, 4])
        // The mask is the channel sum: sample 1, pixel 7.
        let bare = try body.forward(input)
        let plane = 20
        let sum = (0..<3).reduce(0.0) { $0 + input.scalars[(3 + $1) * plane + 7] }
        #expect(abs(output.scalars[plane + 7] - bare.scalars[plane + 7] * sum) < 1e-15)
        try GradientCheck.expectAccurate(masked, input: input)
    }

    /// One channel: the wall mask is the input itself, as before channels existed.
    @Test func maskedOutputWithOneChannelIsUnchanged() throws {
        var generator = SeededGenerator(seed: 62)
        let body = try Conv2d<Double>(inputChannels: 1, outputChannels: 1, kernelSize: 3, padding: 1, generator: &generator)
        let input = GradientCheck.random([2, 1, 4, 4], seed: 63, in: 0..<1)
        let output = try MaskedOutput(body).forward(input)
        let bare = try body.forward(input)
        #expect(output.scalars == zip(bare.scalars, input.scalars).map { $0 * $1 })
    }

    @Test func smallUNetWithThreeInputChannels() throws {
        let network = try UNetSurrogate<Double>(levels: 2, baseChannels: 2, inputChannels: 3, seed: 64)
        #expect(network.namedParameters().first?.shape == [2, 3, 3, 3])
        let input = GradientCheck.random([2, 3, 4, 4], seed: 65)
        #expect(try network.forward(input).shape == [2, 1, 4, 4])
        try GradientCheck.expectAccurate(network, input: input)
        try GradientCheck.expectAccurate(MaskedOutput(network), input: GradientCheck.random([2, 3, 4, 4], seed: 66, in: 0..<1))
        #expect(throws: NeuralError.self) { try network.forward(GradientCheck.random([2, 1, 4, 4], seed: 67)) }
        #expect(throws: NeuralError.self) { try UNetSurrogate<Double>(inputChannels: 0, seed: 1) }
    }

    /// Three input channels on the direct 3x3 kernels (out % 4 == 0, widths 16 and 8), as in the
    /// 64 x 64 U-Net's first layer: forward, weight gradient, dL/dx through col2im.
    @Test func directConvolutionWithThreeInputChannels() throws {
        var generator = SeededGenerator(seed: 71)
        let layer = try Conv2d<Double>(inputChannels: 3, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generator)
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([2, 3, 3, 16], seed: 72))
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([2, 3, 4, 8], seed: 73))
        let network = try UNetSurrogate<Double>(levels: 2, baseChannels: 4, inputChannels: 3, seed: 74)
        try GradientCheck.expectAccurate(MaskedOutput(network), input: GradientCheck.random([2, 3, 4, 16], seed: 75, in: 0..<1))
    }

    /// The paper's network with 3 channels: encoder.0 is Conv2d(3, 8, 2); dL/dx and dL/dW of that
    /// first layer against central differences (the whole 64 x 64 network, a few entries each).
    @Test func paperNetworkFirstLayerWithThreeChannels() throws {
        let network = try SurrogateNetwork<Double>(inputChannels: 3, seed: 68)
        let shapes = Dictionary(uniqueKeysWithValues: network.namedParameters().map { ($0.key, $0.shape) })
        #expect(shapes["encoder.0.weight"] == [8, 3, 2, 2])
        #expect(shapes["encoder.4.weight"] == [16, 8, 2, 2])
        #expect(network.parameterCount == SurrogateNetwork<Double>(seed: 68).parameterCount + 8 * 2 * 4)
        let input = GradientCheck.random([2, 3, 64, 64], seed: 69, in: 0..<1)
        var generator = SeededGenerator(seed: 70)
        let projection = Tensor<Double>.randomUniform(shape: [2, 1, 64, 64], in: -1..<1, generator: &generator)
        func loss(_ x: Tensor<Double>) throws -> Double {
            zip(try network.forward(x).scalars, projection.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
        network.zeroGradients()
        _ = try network.forward(input)
        let inputGradient = try network.backward(projection)
        let weight = try #require(network.parameterReferences().first { $0.key == "encoder.0.weight" }).parameter
        let weightGradient = weight.gradient
        let step = GradientCheck.step
        var analytic: [Double] = [], numeric: [Double] = []
        // Pixels in each of the three channels.
        for i in [5, 4096 + 2080, 2 * 4096 + 4000, 3 * 4096 + 1234, 5 * 4096 + 77] {
            var plus = input, minus = input
            plus[i] += step
            minus[i] -= step
            analytic.append(inputGradient[i])
            numeric.append((try loss(plus) - loss(minus)) / (2 * step))
        }
        #expect(GradientCheck.relativeError(analytic, numeric) < tolerance)
        analytic = []
        numeric = []
        for i in [0, 4, 5, 10, 11, 30, 95] {  // input channels 0, 1, 1, 2, 2, 1, 2
            let original = weight.value[i]
            weight.value[i] = original + step
            let plus = try loss(input)
            weight.value[i] = original - step
            let minus = try loss(input)
            weight.value[i] = original
            analytic.append(weightGradient[i])
            numeric.append((plus - minus) / (2 * step))
        }
        #expect(GradientCheck.relativeError(analytic, numeric) < tolerance)
    }

    @Test func surrogateModelChannels() throws {
        let one = try SurrogateModel<Float>(architecture: .paper, masksOutput: nil, inputChannels: 1, seed: 3)
        #expect(one.namedParameters() == SurrogateModel<Float>(architecture: .paper, seed: 3).namedParameters())
        let unetOne = try SurrogateModel<Float>(architecture: .unet, masksOutput: nil, inputChannels: 1, seed: 3)
        #expect(unetOne.namedParameters() == SurrogateModel<Float>(architecture: .unet, seed: 3).namedParameters())
        let three = try SurrogateModel<Float>(architecture: .unet, masksOutput: true, inputChannels: 3, seed: 3)
        #expect(three.inputChannels == 3 && three.namedParameters().first?.shape == [16, 3, 3, 3])
        // One-hot classes: the output is 0 wherever no channel is set (outside the wall).
        var values = [Float](repeating: 0, count: 2 * 3 * 4096)
        for p in stride(from: 0, to: 2 * 4096, by: 5) { values[(p / 4096 * 3 + p % 3) * 4096 + p % 4096] = 1 }
        let output = try three.forward(Tensor(shape: [2, 3, 64, 64], scalars: values))
        let agrees = (0..<(2 * 4096)).allSatisfy { q in
            let (n, p) = (q / 4096, q % 4096)
            let wall = (0..<3).contains { values[(n * 3 + $0) * 4096 + p] != 0 }
            return wall ? output.scalars[q] > 0 : output.scalars[q] == 0
        }
        #expect(agrees)
        #expect(throws: NeuralError.self) { try three.forward(Tensor(zeros: [1, 1, 64, 64])) }
        #expect(throws: NeuralError.self) { try SurrogateModel<Float>(architecture: .paper, masksOutput: nil, inputChannels: 0, seed: 1) }
    }
}
