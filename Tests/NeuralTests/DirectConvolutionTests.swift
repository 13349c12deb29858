import NeuralKernels
import Testing
@testable import Neural

/// The direct 3x3 convolution path of `Conv2d` (stride 1, padding 1, out % 4 == 0, width % 16 == 0
/// or width % 8 == 0 with an even height; (4, 4, 7, 8) is a shape the GEMM path keeps):
/// finite differences in Double, and agreement with the im2col + GEMM path it replaces.
struct DirectConvolutionTests {
    /// Runs forward and backward (projection `seed`) and returns output, input gradient and the
    /// weight and bias gradients.
    static func run(_ layer: Conv2d<Double>, _ input: Tensor<Double>, seed: UInt64) throws -> [[Double]] {
        var generator = SeededGenerator(seed: seed)
        layer.zeroGradients()
        let output = try layer.forward(input)
        let projection = Tensor<Double>.randomUniform(shape: output.shape, in: -1..<1, generator: &generator)
        let inputGradient = try layer.backward(projection)
        return [output.scalars, inputGradient.scalars, layer.weight.gradient.scalars, layer.bias?.gradient.scalars ?? []]
    }

    @Test func kernelsRunOnThisMachine() {
        #expect(DirectConvolution.isAvailable, "the AVX2 kernels are not used on this CPU; the tests below then check only the GEMM path")
        #expect(DirectConvolution.supports(outputChannels: 16, height: 64, width: 64))
        #expect(DirectConvolution.supports(outputChannels: 16, height: 8, width: 8))
        #expect(!DirectConvolution.supports(outputChannels: 6, height: 64, width: 64))
        #expect(!DirectConvolution.supports(outputChannels: 16, height: 7, width: 8))
        #expect(!DirectConvolution.supports(outputChannels: 16, height: 8, width: 12))
    }

    /// In and out multiples of 4: direct forward, direct weight gradient, direct adjoint for dL/dx.
    @Test func gradientWithDirectAdjoint() throws {
        var generator = SeededGenerator(seed: 60)
        let layer = try Conv2d<Double>(inputChannels: 4, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generator)
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([2, 4, 3, 16], seed: 61))
        // Width 8: tiles of two rows; H (W + 2) = 40, a whole number of vectors: the flat weight gradient.
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([2, 4, 4, 8], seed: 69))
        // Width 16 with H (W + 2) = 72: the flat weight gradient ([2, 4, 3, 16] above: the row-wise one).
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([2, 4, 4, 16], seed: 70))
    }

    /// 12 and 16 channels: the forward kernel's blocks of 6 (12 = 6 + 6, 16 = 6 + 6 + 4), in the
    /// forward and in the adjoint that computes dL/dx.
    @Test func gradientWithBlocksOfSix() throws {
        #expect(DirectConvolution.blocks(outputChannels: 12) == (2, 0))
        #expect(DirectConvolution.blocks(outputChannels: 16) == (2, 1))
        #expect(DirectConvolution.blocks(outputChannels: 8) == (0, 2))
        var generator = SeededGenerator(seed: 71)
        let layer = try Conv2d<Double>(inputChannels: 12, outputChannels: 16, kernelSize: 3, padding: 1, generator: &generator)
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([2, 12, 2, 16], seed: 72))
        let square = try Conv2d<Double>(inputChannels: 16, outputChannels: 12, kernelSize: 3, padding: 1, generator: &generator)
        try GradientCheck.expectAccurate(square, input: GradientCheck.random([2, 16, 4, 8], seed: 73))
    }

    /// One input channel (the U-Net's first layer): dL/dx through col2im(W^T dY), the rest direct.
    @Test func gradientWithOneInputChannel() throws {
        var generator = SeededGenerator(seed: 62)
        let layer = try Conv2d<Double>(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, bias: false, generator: &generator)
        try GradientCheck.expectAccurate(layer, input: GradientCheck.random([2, 1, 4, 32], seed: 63))
    }

    /// Same weights, both paths: output and all gradients agree to rounding.
    @Test(arguments: [(4, 8, 5, 32), (6, 4, 4, 16), (16, 16, 2, 64), (8, 12, 6, 8), (4, 4, 7, 8), (4, 8, 4, 16), (8, 4, 8, 8)])
    func matchesGEMMPath(inputChannels: Int, outputChannels: Int, height: Int, width: Int) throws {
        var generatorA = SeededGenerator(seed: 64), generatorB = SeededGenerator(seed: 64)
        let direct = try Conv2d<Double>(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, padding: 1, generator: &generatorA)
        let reference = try Conv2d<Double>(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, padding: 1, generator: &generatorB)
        reference.allowsDirectKernels = false
        let input = GradientCheck.random([3, inputChannels, height, width], seed: 65)
        let (a, b) = (try Self.run(direct, input, seed: 66), try Self.run(reference, input, seed: 66))
        for (name, (x, y)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(a, b)) {
            #expect(x.count == y.count)
            #expect(GradientCheck.relativeError(x, y) < 1e-13, "\(name) differs")
        }
    }

    /// Float: the direct path agrees with the GEMM path to single-precision rounding.
    @Test func floatMatchesGEMMPath() throws {
        var generatorA = SeededGenerator(seed: 67), generatorB = SeededGenerator(seed: 67)
        let direct = try Conv2d<Float>(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generatorA)
        let reference = try Conv2d<Float>(inputChannels: 8, outputChannels: 8, kernelSize: 3, padding: 1, generator: &generatorB)
        reference.allowsDirectKernels = false
        let input = GradientCheck.random([2, 8, 4, 16], seed: 68).converted(to: Float.self)
        let (y, z) = (try direct.forward(input), try reference.forward(input))
        let gradient = Tensor<Float>(repeating: 0.5, shape: y.shape)
        let (dx, dz) = (try direct.backward(gradient), try reference.backward(gradient))
        let ours: [Float] = y.scalars + dx.scalars + direct.weight.gradient.scalars
        let theirs: [Float] = z.scalars + dz.scalars + reference.weight.gradient.scalars
        var difference = 0.0
        for (a, b) in zip(ours, theirs) {
            difference = max(difference, abs(Double(a) - Double(b)) / max(1, abs(Double(b))))
        }
        #expect(ours.count == theirs.count)
        #expect(difference < 1e-4)
    }
}
