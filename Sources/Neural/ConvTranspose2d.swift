/// A 2-D transposed convolution (PyTorch `nn.ConvTranspose2d`, square kernel), the adjoint
/// of `Conv2d` in its input.
///
/// Forward: y[n, o, i s - p + u, j s - p + v] += sum_c x[n, c, i, j] W[c, o, u, v], plus b[o],
/// with W of shape [in, out, k, k] ("weight") and
/// H_out = (H - 1) s - 2p + k + outputPadding. Computed as GEMM + col2im:
/// Y = col2im(W^T X) with X of shape [in, N H W].
/// Backward: dY_col = im2col(dY); dL/dx = W dY_col; dL/dW += X dY_col^T; dL/db += sum dY.
/// Where the windows do not overlap (k = s, no padding, as the U-Net's 2x2 stride-2 upsampling),
/// one sample at a time without col2im or axis swaps: Z_n = W^T X_n is scattered into y_n
/// (y[n, o, s i + u, s j + v] = Z_n[(o, u, v), (i, j)] + b[o]), and backward gathers dZ_n from dy_n:
/// dL/dx_n = W dZ_n, dL/dW += X_n dZ_n^T.
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
    private var cachedInput: Tensor<Scalar>?
    private var tileWorkspace: [Scalar] = []
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
        cachedGeometry = geometry
        cachedBatch = batch
        if windowsAreDisjoint {
            cachedInput = input
            cachedChannelMajorInput = []
            return disjointForward(input, geometry: geometry)
        }
        cachedInput = nil
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
        return output
    }

    /// dL/dx = W im2col(dY); accumulates dL/dW = X im2col(dY)^T and dL/db = sum dY.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let geometry = cachedGeometry else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        let batch = cachedBatch
        let (inputChannels, outputChannels) = (self.inputChannels, self.outputChannels)
        try outputGradient.checkShape([batch, outputChannels, geometry.height, geometry.width])
        if windowsAreDisjoint {
            guard let input = cachedInput else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
            return disjointBackward(outputGradient, input: input, geometry: geometry, computingParameterGradients: computingParameterGradients)
        }
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

    /// k = s and no padding: every output pixel comes from exactly one input pixel and kernel tap.
    private var windowsAreDisjoint: Bool { kernelSize == stride && padding == 0 && outputPadding == 0 }

    /// Per sample: Z_n = W^T X_n ([out k k, H W]), scattered into y_n with the bias.
    private func disjointForward(_ input: Tensor<Scalar>, geometry g: WindowGeometry) -> Tensor<Scalar> {
        let (batch, positions, rows) = (input.shape[0], g.positions, g.columnRows)
        let (inputChannels, outputChannels, k) = (self.inputChannels, self.outputChannels, kernelSize)
        reuse(&tileWorkspace, count: rows * positions) { _ in }
        return Tensor(shape: [batch, outputChannels, g.height, g.width]) { y in
            weight.value.scalars.withBase { w in
                input.scalars.withBase { x in
                    tileWorkspace.withMutableBase { z in
                        for n in 0..<batch {
                            Scalar.generalMatrixMultiply(
                                transposeA: true, transposeB: false, m: rows, n: positions, k: inputChannels,
                                alpha: 1, a: w, leadingDimensionA: rows, b: x + n * inputChannels * positions, leadingDimensionB: positions,
                                beta: 0, c: z, leadingDimensionC: positions)
                            interleaveTaps(z, channels: outputChannels, kernelSize: k, height: g.outputHeight, width: g.outputWidth,
                                           bias: bias?.value.scalars.withBase { $0 }, image: y + n * outputChannels * g.height * g.width,
                                           gathering: false)
                        }
                    }
                }
            }
        }
    }

    /// Per sample: dZ_n gathered from dy_n; dL/dW += X_n dZ_n^T; dL/dx_n = W dZ_n.
    private func disjointBackward(
        _ outputGradient: Tensor<Scalar>, input: Tensor<Scalar>, geometry g: WindowGeometry, computingParameterGradients: Bool
    ) -> Tensor<Scalar> {
        let (batch, positions, rows) = (input.shape[0], g.positions, g.columnRows)
        let (inputChannels, outputChannels, k) = (self.inputChannels, self.outputChannels, kernelSize)
        let outputSize = outputChannels * g.height * g.width
        reuse(&tileWorkspace, count: rows * positions) { _ in }
        if computingParameterGradients {
            bias?.gradient.withUnsafeMutablePointer { db in
                outputGradient.scalars.withBase {
                    accumulateChannelSums($0, outer: batch, channels: outputChannels, inner: g.height * g.width, sums: db, inLanes: true)
                }
            }
        }
        return Tensor(shape: input.shape) { dx in
            weight.value.scalars.withBase { w in
                input.scalars.withBase { x in
                    outputGradient.scalars.withBase { dy in
                        tileWorkspace.withMutableBase { dz in
                            for n in 0..<batch {
                                interleaveTaps(dz, channels: outputChannels, kernelSize: k, height: g.outputHeight, width: g.outputWidth,
                                               bias: nil, image: UnsafeMutablePointer(mutating: dy + n * outputSize), gathering: true)
                                if computingParameterGradients {
                                    weight.gradient.withUnsafeMutablePointer { dw in
                                        Scalar.generalMatrixMultiply(
                                            transposeA: false, transposeB: true, m: inputChannels, n: rows, k: positions,
                                            alpha: 1, a: x + n * inputChannels * positions, leadingDimensionA: positions,
                                            b: dz, leadingDimensionB: positions, beta: 1, c: dw, leadingDimensionC: rows)
                                    }
                                }
                                Scalar.generalMatrixMultiply(
                                    transposeA: false, transposeB: false, m: inputChannels, n: positions, k: rows,
                                    alpha: 1, a: w, leadingDimensionA: rows, b: dz, leadingDimensionB: positions,
                                    beta: 0, c: dx + n * inputChannels * positions, leadingDimensionC: positions)
                            }
                        }
                    }
                }
            }
        }
    }

    /// "weight" and, if present, "bias".
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] {
        [(key: "weight", parameter: weight)] + (bias.map { [(key: "bias", parameter: $0)] } ?? [])
    }
}
