/// A 2-D transposed convolution (PyTorch `nn.ConvTranspose2d`, square kernel), the adjoint
/// of `Conv2d` in its input.
///
/// Forward: y[n, o, i s - p + u, j s - p + v] += sum_c x[n, c, i, j] W[c, o, u, v], plus b[o],
/// with W of shape [in, out, k, k] ("weight") and
/// H_out = (H - 1) s - 2p + k + outputPadding. Computed as GEMM + col2im:
/// Y = col2im(W^T X) with X of shape [in, N H W].
/// Backward: dY_col = im2col(dY); dL/dx = W dY_col; dL/dW += X dY_col^T; dL/db += sum dY.
public final class ConvTranspose2d<Scalar: NeuralScalar>: Layer {
    /// Input channels.
    public let inputChannels: Int
    /// Output channels.
    public let outputChannels: Int
    /// Kernel height and width.
    public let kernelSize: Int
    /// Stride in both directions.
    public let stride: Int
    /// Implicit zero padding removed from every side of the output.
    public let padding: Int
    /// Extra rows and columns added at the bottom and right of the output.
    public let outputPadding: Int
    /// Weight of shape [in, out, k, k] (PyTorch layout).
    public let weight: Parameter<Scalar>
    /// Bias of shape [out], or nil.
    public let bias: Parameter<Scalar>?
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedChannelMajorInput: [Scalar] = []
    private var cachedGeometry: WindowGeometry?
    private var cachedBatch = 0

    /// Creates a transposed convolution with PyTorch default initialisation; as in PyTorch the
    /// fan-in is computed from the weight's second axis: fanIn = out k k.
    /// - Throws: `NeuralError.invalidArgument` for non-positive sizes, negative padding, or
    ///   outputPadding >= stride.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        outputPadding: Int = 0, bias: Bool = true, generator: inout SeededGenerator
    ) throws {
        guard inputChannels > 0, outputChannels > 0, kernelSize > 0, stride > 0, padding >= 0,
              outputPadding >= 0, outputPadding < stride
        else { throw NeuralError.invalidArgument("ConvTranspose2d sizes") }
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        let fanIn = outputChannels * kernelSize * kernelSize
        weight = Parameter(Initialization.uniform(
            shape: [inputChannels, outputChannels, kernelSize, kernelSize], fanIn: fanIn, generator: &generator))
        self.bias = bias ? Parameter(Initialization.uniform(shape: [outputChannels], fanIn: fanIn, generator: &generator)) : nil
    }

    /// y = col2im(W^T x) + b.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try input.checkShape([-1, inputChannels, -1, -1])
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let outputHeight = (height - 1) * stride - 2 * padding + kernelSize + outputPadding
        let outputWidth = (width - 1) * stride - 2 * padding + kernelSize + outputPadding
        guard height > 0, width > 0, outputHeight > 0, outputWidth > 0 else { throw NeuralError.invalidShape(input.shape) }
        // The sliding window runs over the output image; the window grid is the input grid.
        let geometry = WindowGeometry(
            channels: outputChannels, height: outputHeight, width: outputWidth,
            kernelHeight: kernelSize, kernelWidth: kernelSize, strideHeight: stride, strideWidth: stride,
            paddingHeight: padding, paddingWidth: padding, outputHeight: height, outputWidth: width)
        let rows = geometry.columnRows
        let columnCount = batch * height * width
        let inputChannels = self.inputChannels
        let channelMajor: [Scalar] = batch == 1 ? input.scalars : makeArray(count: inputChannels * columnCount) { x in
            input.scalars.withBase { swapLeadingAxes($0, outer: batch, middle: inputChannels, inner: height * width, destination: x) }
        }
        let columns: [Scalar] = makeArray(count: rows * columnCount) { columns in
            weight.value.scalars.withBase { w in
                channelMajor.withBase { x in
                    Scalar.generalMatrixMultiply(
                        transposeA: true, transposeB: false, m: rows, n: columnCount, k: inputChannels,
                        alpha: 1, a: w, leadingDimensionA: rows, b: x, leadingDimensionB: columnCount,
                        beta: 0, c: columns, leadingDimensionC: columnCount)
                }
            }
        }
        var output = Tensor<Scalar>(zeros: [batch, outputChannels, outputHeight, outputWidth])
        let outputChannels = self.outputChannels
        output.withUnsafeMutablePointer { image in
            columns.withBase { accumulateColumnsToImage($0, batch: batch, geometry: geometry, image: image) }
            bias?.value.scalars.withBase { b in
                addChannelBias(image, bias: b, outer: batch, channels: outputChannels, inner: outputHeight * outputWidth)
            }
        }
        cachedChannelMajorInput = channelMajor
        cachedGeometry = geometry
        cachedBatch = batch
        return output
    }

    /// dL/dx = W im2col(dY); accumulates dL/dW = X im2col(dY)^T and dL/db = sum dY.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let geometry = cachedGeometry else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        let batch = cachedBatch
        let (inputChannels, outputChannels) = (self.inputChannels, self.outputChannels)
        try outputGradient.checkShape([batch, outputChannels, geometry.height, geometry.width])
        let rows = geometry.columnRows
        let inputPositions = geometry.positions
        let columnCount = batch * inputPositions
        let columnGradient: [Scalar] = makeArray(count: rows * columnCount) { columns in
            outputGradient.scalars.withBase { imageToColumns($0, batch: batch, geometry: geometry, columns: columns) }
        }
        if computingParameterGradients {
            cachedChannelMajorInput.withBase { x in
                columnGradient.withBase { dc in
                    weight.gradient.withUnsafeMutablePointer { dw in
                        Scalar.generalMatrixMultiply(
                            transposeA: false, transposeB: true, m: inputChannels, n: rows, k: columnCount,
                            alpha: 1, a: x, leadingDimensionA: columnCount, b: dc, leadingDimensionB: columnCount,
                            beta: 1, c: dw, leadingDimensionC: rows)
                    }
                }
            }
            bias?.gradient.withUnsafeMutablePointer { db in
                outputGradient.scalars.withBase {
                    accumulateChannelSums($0, outer: batch, channels: outputChannels, inner: geometry.height * geometry.width, sums: db)
                }
            }
        }
        let channelMajorGradient: [Scalar] = makeArray(count: inputChannels * columnCount) { dx in
            weight.value.scalars.withBase { w in
                columnGradient.withBase { dc in
                    Scalar.generalMatrixMultiply(
                        transposeA: false, transposeB: false, m: inputChannels, n: columnCount, k: rows,
                        alpha: 1, a: w, leadingDimensionA: rows, b: dc, leadingDimensionB: columnCount,
                        beta: 0, c: dx, leadingDimensionC: columnCount)
                }
            }
        }
        let shape = [batch, inputChannels, geometry.outputHeight, geometry.outputWidth]
        if batch == 1 { return Tensor(unchecked: shape, scalars: channelMajorGradient) }
        return Tensor(shape: shape) { dx in
            channelMajorGradient.withBase {
                swapLeadingAxes($0, outer: inputChannels, middle: batch, inner: inputPositions, destination: dx)
            }
        }
    }

    /// "weight" and, if present, "bias".
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] {
        [(key: "weight", parameter: weight)] + (bias.map { [(key: "bias", parameter: $0)] } ?? [])
    }
}
