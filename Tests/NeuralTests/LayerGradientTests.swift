import Testing
@testable import Neural

/// Every layer's input and parameter gradients against central finite differences in Double.
struct LayerGradientTests {
    @Test func linear() throws {
        var generator = SeededGenerator(seed: 1)
        let layer = Linear<Double>(inputSize: 5, outputSize: 4, generator: &generator)
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([3, 5], seed: 2))
    }

    @Test func convolutionWithStrideAndPadding() throws {
        var generator = SeededGenerator(seed: 3)
        let layer = try Conv2d<Double>(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1, generator: &generator)
        let input = GradientCheck.random([2, 2, 7, 6], seed: 4)
        #expect(try layer.forward(input).shape == [2, 3, 4, 3])
        try GradientCheck.expectAccurate(layer, input: input)
    }

    @Test func convolutionTwoByTwo() throws {
        var generator = SeededGenerator(seed: 5)
        let layer = try Conv2d<Double>(inputChannels: 3, outputChannels: 2, kernelSize: 2, generator: &generator)
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([2, 3, 5, 4], seed: 6))
    }

    /// Images with at least `perSampleGEMMThreshold` window positions take the per-sample GEMM path.
    @Test func convolutionPerSamplePath() throws {
        var generator = SeededGenerator(seed: 33)
        let layer = try Conv2d<Double>(inputChannels: 2, outputChannels: 3, kernelSize: 2, padding: 1, generator: &generator)
        let input = GradientCheck.random([2, 2, 8, 7], seed: 34)
        let output = try layer.forward(input)
        #expect(output.shape[2] * output.shape[3] >= perSampleGEMMThreshold)
        try GradientCheck.expectAccurate(layer, input: input)
    }

    @Test func convolutionPaddingLargerThanKernelOffset() throws {
        var generator = SeededGenerator(seed: 7)
        let layer = try Conv2d<Double>(inputChannels: 1, outputChannels: 2, kernelSize: 3, stride: 1, padding: 2, bias: false, generator: &generator)
        let input = GradientCheck.random([1, 1, 3, 4], seed: 8)
        #expect(try layer.forward(input).shape == [1, 2, 5, 6])
        try GradientCheck.expectAccurate(layer, input: input)
    }

    @Test func transposedConvolutionWithStrideAndPadding() throws {
        var generator = SeededGenerator(seed: 9)
        let layer = try ConvTranspose2d<Double>(
            inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, generator: &generator)
        let input = GradientCheck.random([2, 2, 4, 3], seed: 10)
        #expect(try layer.forward(input).shape == [2, 3, 8, 6])
        try GradientCheck.expectAccurate(layer, input: input)
    }

    /// k = s, no padding (the U-Net's upsampling): the per-sample scatter/gather path.
    @Test(arguments: [2, 3])
    func transposedConvolutionDisjointWindows(kernelSize: Int) throws {
        var generator = SeededGenerator(seed: 13)
        let layer = try ConvTranspose2d<Double>(inputChannels: 3, outputChannels: 2, kernelSize: kernelSize, stride: kernelSize, generator: &generator)
        let input = GradientCheck.random([2, 3, 3, 4], seed: 14)
        #expect(try layer.forward(input).shape == [2, 2, 3 * kernelSize, 4 * kernelSize])
        try GradientCheck.expectAccurate(layer, input: input)
    }

    @Test func transposedConvolutionTwoByTwo() throws {
        var generator = SeededGenerator(seed: 11)
        let layer = try ConvTranspose2d<Double>(inputChannels: 3, outputChannels: 2, kernelSize: 2, generator: &generator)
        let input = GradientCheck.random([2, 3, 3, 4], seed: 12)
        #expect(try layer.forward(input).shape == [2, 2, 4, 5])
        try GradientCheck.expectAccurate(layer, input: input)
    }

    /// The transposed convolution is the adjoint of the convolution: <conv(x), y> = <x, convT(y)>
    /// for shared weights and no bias.
    @Test func transposedConvolutionIsAdjointOfConvolution() throws {
        var generator = SeededGenerator(seed: 13)
        let convolution = try Conv2d<Double>(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1, bias: false, generator: &generator)
        let transposed = try ConvTranspose2d<Double>(inputChannels: 3, outputChannels: 2, kernelSize: 3, stride: 2, padding: 1, bias: false, generator: &generator)
        transposed.weight.value = convolution.weight.value
        let x = GradientCheck.random([2, 2, 7, 7], seed: 14)
        let y = GradientCheck.random([2, 3, 4, 4], seed: 15)
        let left = zip(try convolution.forward(x).scalars, y.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        let right = zip(x.scalars, try transposed.forward(y).scalars).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(left - right) < 1e-10 * max(1, abs(left)))
    }

    @Test func batchNormTraining() throws {
        let layer = try BatchNorm2d<Double>(channels: 3)
        layer.weight.value = GradientCheck.random([3], seed: 16, in: 0.5..<1.5)
        layer.bias.value = GradientCheck.random([3], seed: 17)
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([2, 3, 3, 2], seed: 18))
    }

    @Test func batchNormEvaluation() throws {
        let layer = try BatchNorm2d<Double>(channels: 2)
        layer.weight.value = GradientCheck.random([2], seed: 19, in: 0.5..<1.5)
        layer.runningMean.value = GradientCheck.random([2], seed: 20)
        layer.runningVariance.value = GradientCheck.random([2], seed: 21, in: 0.5..<2)
        layer.mode = .evaluation
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([3, 2, 2, 3], seed: 22))
        #expect(layer.batchesTracked.value[0] == 0)
    }

    /// Running statistics follow PyTorch: momentum 0.1, unbiased running variance.
    @Test func batchNormRunningStatistics() throws {
        let layer = try BatchNorm2d<Double>(channels: 1)
        let input = try Tensor<Double>(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 6])
        _ = try layer.forward(input)
        // mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5, unbiased 14 / 3.
        #expect(abs(layer.runningMean.value[0] - 0.3) < 1e-12)
        #expect(abs(layer.runningVariance.value[0] - (0.9 + 0.1 * 14.0 / 3.0)) < 1e-12)
        #expect(layer.batchesTracked.value[0] == 1)
        let output = try layer.forward(input)
        #expect(abs(output[0] - (1 - 3) / (3.5 + 1e-5).squareRoot()) < 1e-12)
    }

    @Test func activations() throws {
        let input = GradientCheck.random([2, 3, 4], seed: 23, in: -2..<2)
        try GradientCheck.expectAccurate(ReLU<Double>(), input: input)
        try GradientCheck.expectAccurate(LeakyReLU<Double>(negativeSlope: 0.1), input: input)
        try GradientCheck.expectAccurate(Sigmoid<Double>(), input: input)
        try GradientCheck.expectAccurate(Tanh<Double>(), input: input)
    }

    @Test func maxPooling() throws {
        try GradientCheck.expectAccurate(try MaxPool2d<Double>(kernelSize: 2), input: GradientCheck.random([2, 2, 5, 4], seed: 24))
        let overlapping = try MaxPool2d<Double>(kernelSize: 3, stride: 2)
        let input = GradientCheck.random([1, 2, 7, 5], seed: 25)
        #expect(try overlapping.forward(input).shape == [1, 2, 3, 2])
        try GradientCheck.expectAccurate(overlapping, input: input)
    }

    @Test func upsampling() throws {
        let layer = try Upsample<Double>(scaleFactor: 2)
        let input = GradientCheck.random([2, 2, 3, 2], seed: 26)
        let output = try layer.forward(input)
        #expect(output.shape == [2, 2, 6, 4])
        #expect(output[0] == input[0] && output[1] == input[0] && output[4] == input[0] && output[5] == input[0])
        try GradientCheck.expectAccurate(layer, input: input)
        try GradientCheck.expectAccurate(try Upsample<Double>(scaleFactor: 3), input: input)
    }

    @Test func reshaping() throws {
        let input = GradientCheck.random([2, 3, 2, 2], seed: 27)
        #expect(try Flatten<Double>().forward(input).shape == [2, 12])
        #expect(try Reshape<Double>(sampleShape: [4, 3]).forward(input).shape == [2, 4, 3])
        try GradientCheck.expectAccurate(Flatten<Double>(), input: input)
        try GradientCheck.expectAccurate(Reshape<Double>(sampleShape: [1, 12]), input: input)
    }

    @Test func sequentialOfEverything() throws {
        var generator = SeededGenerator(seed: 28)
        let model = Sequential<Double>([
            try Conv2d(inputChannels: 1, outputChannels: 2, kernelSize: 2, generator: &generator),
            try BatchNorm2d(channels: 2), LeakyReLU(), try MaxPool2d(kernelSize: 2),
            try Upsample(scaleFactor: 2),
            try ConvTranspose2d(inputChannels: 2, outputChannels: 1, kernelSize: 2, generator: &generator),
            Flatten(), Linear(inputSize: 25, outputSize: 3, generator: &generator), Tanh(),
        ])
        try GradientCheck.expectAccurate(model, input: GradientCheck.random([2, 1, 5, 5], seed: 29))
    }

    @Test func shapeErrorsAreThrown() throws {
        var generator = SeededGenerator(seed: 30)
        let layer = Linear<Double>(inputSize: 5, outputSize: 4, generator: &generator)
        #expect(throws: NeuralError.shapeMismatch(expected: [-1, 5], actual: [3, 6])) {
            try layer.forward(Tensor(zeros: [3, 6]))
        }
        #expect(throws: NeuralError.self) { try Conv2d<Double>(inputChannels: 1, outputChannels: 1, kernelSize: 3, generator: &generator).forward(Tensor(zeros: [1, 1, 2, 2])) }
        #expect(throws: NeuralError.self) { try ReLU<Double>().backward(Tensor(zeros: [1])) }
        #expect(throws: NeuralError.self) { try Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3]) }
    }

    /// The Float path (sgemm) agrees with the Double path (dgemm).
    @Test func floatMatchesDouble() throws {
        var generatorA = SeededGenerator(seed: 31), generatorB = SeededGenerator(seed: 31)
        let single = try Conv2d<Float>(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1, generator: &generatorA)
        let double = try Conv2d<Double>(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1, generator: &generatorB)
        let input = GradientCheck.random([2, 3, 6, 6], seed: 32)
        let a = try single.forward(input.converted()).scalars
        let b = try double.forward(input).scalars
        #expect(zip(a, b).allSatisfy { abs(Double($0) - $1) < 1e-5 })
    }
}
