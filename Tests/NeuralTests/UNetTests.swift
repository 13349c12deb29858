import Testing
@testable import Neural

/// The U-Net surrogate, channel concatenation and the wall-aware output: finite-difference
/// gradients in Double, shapes, PyTorch keys, seeding.
struct UNetTests {
    let tolerance = 1e-6

    @Test func concatenationAndItsAdjoint() throws {
        let a = GradientCheck.random([2, 2, 3, 2], seed: 40)
        let b = GradientCheck.random([2, 3, 3, 2], seed: 41)
        let joined = try ChannelConcatenation.concatenate(a, b)
        #expect(joined.shape == [2, 5, 3, 2])
        // Sample 1, channel 2 of the result is channel 0 of b's sample 1.
        #expect(Array(joined.scalars[(1 * 5 + 2) * 6..<(1 * 5 + 3) * 6]) == Array(b.scalars[(1 * 3) * 6..<(1 * 3 + 1) * 6]))
        let projection = GradientCheck.random([2, 5, 3, 2], seed: 42)
        func loss(_ x: Tensor<Double>, _ y: Tensor<Double>) throws -> Double {
            zip(try ChannelConcatenation.concatenate(x, y).scalars, projection.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let parts = try ChannelConcatenation.split(projection, firstChannels: 2)
        #expect(try GradientCheck.checkFunction(at: a, gradient: parts.first) { try loss($0, b) } < tolerance)
        #expect(try GradientCheck.checkFunction(at: b, gradient: parts.second) { try loss(a, $0) } < tolerance)
        #expect(throws: NeuralError.self) { try ChannelConcatenation.concatenate(a, GradientCheck.random([1, 3, 3, 2], seed: 43)) }
        #expect(throws: NeuralError.self) { try ChannelConcatenation.split(projection, firstChannels: 5) }
    }

    /// y = f(x) * x: the product rule through the input, and the parameters' share through f.
    @Test func maskedOutputGradient() throws {
        var generator = SeededGenerator(seed: 44)
        let body = Sequential<Double>([
            try Conv2d(inputChannels: 1, outputChannels: 2, kernelSize: 3, padding: 1, generator: &generator),
            Tanh(),
            try Conv2d(inputChannels: 2, outputChannels: 1, kernelSize: 1, generator: &generator), Sigmoid(),
        ])
        // Non-binary inputs exercise both terms of dL/dx = J_f^T (dy x) + dy f(x).
        try GradientCheck.expectAccurate(MaskedOutput(body), input: GradientCheck.random([2, 1, 5, 4], seed: 45, in: 0..<1))
    }

    @Test func smallUNetGradient() throws {
        let network = try UNetSurrogate<Double>(levels: 3, baseChannels: 2, seed: 46)
        let input = GradientCheck.random([2, 1, 8, 8], seed: 47)
        #expect(try network.forward(input).shape == [2, 1, 8, 8])
        try GradientCheck.expectAccurate(network, input: input)
        try GradientCheck.expectAccurate(MaskedOutput(network), input: input)
    }

    @Test func smallUNetGradientInEvaluationMode() throws {
        let network = try UNetSurrogate<Double>(levels: 2, baseChannels: 3, seed: 48)
        _ = try network.forward(GradientCheck.random([3, 1, 6, 6], seed: 49))  // running statistics
        network.mode = .evaluation
        try GradientCheck.expectAccurate(network, input: GradientCheck.random([2, 1, 6, 6], seed: 50))
    }

    @Test func defaultUNetShapesKeysAndSize() throws {
        let network = try UNetSurrogate<Float>(seed: 1)
        #expect(network.widths == [16, 32, 64, 128])
        let shapes = Dictionary(uniqueKeysWithValues: (network.namedParameters() + network.namedBuffers()).map { ($0.key, $0.shape) })
        #expect(shapes["down.0.0.weight"] == [16, 1, 3, 3])
        #expect(shapes["down.0.1.running_var"] == [16])
        #expect(shapes["down.0.4.num_batches_tracked"] == [])
        #expect(shapes["down.3.3.weight"] == [128, 128, 3, 3])
        #expect(shapes["up.2.weight"] == [128, 64, 2, 2])
        #expect(shapes["up.0.bias"] == [16])
        #expect(shapes["decode.0.0.weight"] == [16, 32, 3, 3])
        #expect(shapes["decode.2.3.weight"] == [64, 64, 3, 3])
        #expect(shapes["head.weight"] == [1, 16, 1, 1])
        #expect(network.namedParameters().first?.key == "down.0.0.weight")
        #expect(network.namedParameters().last?.key == "head.bias")
        #expect(network.namedParameters().count == 7 * 8 + 3 * 2 + 2)
        #expect(network.namedBuffers().count == 7 * 2 * 3)
        #expect(network.parameterCount == 483_153)

        var generator = SeededGenerator(seed: 2)
        let input = Tensor<Float>.randomUniform(shape: [2, 1, 64, 64], generator: &generator)
        let output = try network.forward(input)
        #expect(output.shape == [2, 1, 64, 64])
        #expect(output.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(throws: NeuralError.self) { try network.forward(Tensor(zeros: [1, 1, 60, 60])) }
    }

    @Test func surrogateModelMasksAndSeeds() throws {
        let unet = SurrogateModel<Float>(architecture: .unet, seed: 3)
        let paper = SurrogateModel<Float>(architecture: .paper, seed: 3)
        #expect(unet.masksOutput && !paper.masksOutput)
        #expect(paper.namedParameters() == SurrogateNetwork<Float>(seed: 3).namedParameters())
        #expect(unet.namedParameters() == (try UNetSurrogate<Float>(seed: 3)).namedParameters())
        #expect(SurrogateModel<Float>(architecture: .unet, seed: 4).namedParameters() != unet.namedParameters())

        var values = [Float](repeating: 0, count: 2 * 4096)
        for i in stride(from: 0, to: values.count, by: 3) { values[i] = 1 }
        let mask = try Tensor<Float>(shape: [2, 1, 64, 64], scalars: values)
        for masked in [true, false] {
            let model = SurrogateModel<Float>(architecture: .paper, masksOutput: masked, seed: 5)
            let output = try model.forward(mask)
            let outside = zip(output.scalars, values).filter { $0.1 == 0 }.map(\.0)
            #expect(outside.allSatisfy { $0 == 0 } == masked)
            let bare = try SurrogateNetwork<Float>(seed: 5).forward(mask)
            #expect(zip(output.scalars, zip(bare.scalars, values)).allSatisfy { $0 == ($1.1 == 0 && masked ? 0 : $1.0) })
        }
    }
}
