import NeuralKernels

/// A 2-D convolution (PyTorch `nn.Conv2d`, square kernel, stride and zero padding).
///
/// Forward: y[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] x[n, c, i s - p + u, j s - p + v],
/// with W of shape [out, in, k, k] ("weight"), b of shape [out] ("bias"), and
/// H_out = floor((H + 2p - k) / s) + 1. Computed as im2col + GEMM: Y = W X_col over the
/// whole batch (X_col of shape [in k k, N H_out W_out]); for images of at least
/// `perSampleGEMMThreshold` output positions, one sample and one band of output rows at a time
/// (Y_n = W X_col,n band by band, each band's X_col,n built in a workspace small enough to stay in
/// the L2 cache, see `columnBandRows`, and rebuilt in backward instead of being kept).
/// Backward: dL/dW += dY X_col^T, dL/db += sum dY, dL/dx = col2im(W^T dY).
/// 3x3 convolutions with stride 1 and padding 1 (the U-Net's) take `DirectConvolution` instead
/// where the CPU and the shape allow (no im2col): forward and dL/dW by its kernels, and dL/dx as the
/// convolution of dL/dy padded by 1 with the kernel flipped and its channel axes swapped,
/// dL/dx[c, i, j] = sum_{o, u, v} W[o, c, 2 - u, 2 - v] dL/dy_pad[o, i + u, j + v].
public final class Conv2d<Scalar: NeuralScalar>: Layer {
    /// Input channels.
    public let inputChannels: Int
    /// Output channels.
    public let outputChannels: Int
    /// Kernel height and width.
    public let kernelSize: Int
    /// Stride in both directions.
    public let stride: Int
    /// Zero padding on every side.
    public let padding: Int
    /// Weight of shape [out, in, k, k].
    public let weight: Parameter<Scalar>
    /// Bias of shape [out], or nil.
    public let bias: Parameter<Scalar>?
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedColumns: [Scalar] = []
    private var cachedInput: Tensor<Scalar>?
    private var cachedGeometry: WindowGeometry?
    private var cachedBatch = 0
    private var columnGradientWorkspace: [Scalar] = []
    private var paddedInputWorkspace: [Scalar] = []
    private var paddedGradientWorkspace: [Scalar] = []
    private var paddedGroupWorkspace: [Scalar] = []
    /// Whether 3x3, stride 1, padding 1 convolutions may use `DirectConvolution` (tests switch it
    /// off to compare with the im2col + GEMM path).
    var allowsDirectKernels = true

    /// Creates a convolution with PyTorch default initialisation (bound 1/sqrt(in k k) for
    /// weight, then bias).
    /// - Throws: `NeuralError.invalidArgument` for non-positive sizes or negative padding.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true, generator: inout SeededGenerator
    ) throws {
        guard inputChannels > 0, outputChannels > 0, kernelSize > 0, stride > 0, padding >= 0 else {
            throw NeuralError.invalidArgument("Conv2d sizes")
        }
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let fanIn = inputChannels * kernelSize * kernelSize
        weight = Parameter(Initialization.uniform(
            shape: [outputChannels, inputChannels, kernelSize, kernelSize], fanIn: fanIn, generator: &generator))
        self.bias = bias ? Parameter(Initialization.uniform(shape: [outputChannels], fanIn: fanIn, generator: &generator)) : nil
    }

    /// y = conv(x, W) + b via im2col + GEMM.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try input.checkShape([-1, inputChannels, -1, -1])
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let outputHeight = (height + 2 * padding - kernelSize) / stride + 1
        let outputWidth = (width + 2 * padding - kernelSize) / stride + 1
        guard height + 2 * padding >= kernelSize, width + 2 * padding >= kernelSize else {
            throw NeuralError.invalidShape(input.shape)
        }
        let geometry = WindowGeometry(
            channels: inputChannels, height: height, width: width, kernelHeight: kernelSize, kernelWidth: kernelSize,
            strideHeight: stride, strideWidth: stride, paddingHeight: padding, paddingWidth: padding,
            outputHeight: outputHeight, outputWidth: outputWidth)
        let rows = geometry.columnRows
        let columnCount = batch * geometry.positions
        let outputChannels = self.outputChannels
        cachedGeometry = geometry
        cachedBatch = batch
        let shape = [batch, outputChannels, outputHeight, outputWidth]
        let positions = geometry.positions
        if usesDirectKernels(geometry) {
            cachedInput = input
            cachedColumns = []
            return directForward(input, geometry: geometry)
        }
        if positions >= perSampleGEMMThreshold {
            // Y_n = W X_col,n + b, X_col,n = im2col of sample n only, written straight into NCHW.
            cachedInput = input
            cachedColumns = []
            let sampleSize = inputChannels * height * width
            let bandRows = columnBandRows(geometry)
            reuse(&columnGradientWorkspace, count: rows * bandRows * outputWidth) { _ in }
            return Tensor(shape: shape) { y in
                weight.value.scalars.withBase { w in
                    input.scalars.withBase { x in
                        columnGradientWorkspace.withMutableBase { columns in
                            fillChannelBias(y, bias: bias?.value.scalars.withBase { $0 }, outer: batch, channels: outputChannels, inner: positions)
                            for n in 0..<batch {
                                for band in Swift.stride(from: 0, to: outputHeight, by: bandRows) {
                                    let outputRows = band..<min(outputHeight, band + bandRows)
                                    let bandPositions = outputRows.count * outputWidth
                                    imageToColumns(x + n * sampleSize, batch: 1, geometry: geometry, outputRows: outputRows, columns: columns)
                                    Scalar.generalMatrixMultiply(
                                        transposeA: false, transposeB: false, m: outputChannels, n: bandPositions, k: rows,
                                        alpha: 1, a: w, leadingDimensionA: rows, b: columns, leadingDimensionB: bandPositions,
                                        beta: 1, c: y + n * outputChannels * positions + band * outputWidth, leadingDimensionC: positions)
                                }
                            }
                        }
                    }
                }
            }
        }
        cachedInput = nil
        reuse(&cachedColumns, count: rows * columnCount) { columns in
            input.scalars.withBase { imageToColumns($0, batch: batch, geometry: geometry, columns: columns) }
        }
        let columns = cachedColumns
        var channelMajor: [Scalar] = makeArray(count: outputChannels * columnCount) { y in
            weight.value.scalars.withBase { w in
                columns.withBase { x in
                    Scalar.generalMatrixMultiply(
                        transposeA: false, transposeB: false, m: outputChannels, n: columnCount, k: rows,
                        alpha: 1, a: w, leadingDimensionA: rows, b: x, leadingDimensionB: columnCount,
                        beta: 0, c: y, leadingDimensionC: columnCount)
                }
            }
        }
        if let bias {
            bias.value.scalars.withBase { b in
                channelMajor.withMutableBase { addChannelBias($0, bias: b, outer: 1, channels: outputChannels, inner: columnCount) }
            }
        }
        if batch == 1 { return Tensor(unchecked: shape, scalars: channelMajor) }
        return Tensor(shape: shape) { output in
            channelMajor.withBase {
                swapLeadingAxes($0, outer: outputChannels, middle: batch, inner: geometry.positions, destination: output)
            }
        }
    }

    /// dL/dx = col2im(W^T dY); accumulates dL/dW = dY X_col^T and dL/db = sum dY.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let geometry = cachedGeometry else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        let batch = cachedBatch
        let outputChannels = self.outputChannels
        try outputGradient.checkShape([batch, outputChannels, geometry.outputHeight, geometry.outputWidth])
        let rows = geometry.columnRows
        let columnCount = batch * geometry.positions
        let positions = geometry.positions
        if usesDirectKernels(geometry) {
            guard let input = cachedInput else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
            return directBackward(outputGradient, input: input, geometry: geometry, computingParameterGradients: computingParameterGradients,
                                  computingInputGradient: true)
        }
        if positions >= perSampleGEMMThreshold {
            // Per sample: X_col,n rebuilt from the cached input; dW += dY_n X_col,n^T;
            // dx_n = col2im(W^T dY_n), all in one cache-sized workspace.
            guard let input = cachedInput else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
            let sampleSize = inputChannels * geometry.height * geometry.width
            var inputGradient = Tensor<Scalar>(zeros: [batch, inputChannels, geometry.height, geometry.width])
            let (outputHeight, outputWidth) = (geometry.outputHeight, geometry.outputWidth)
            let bandRows = columnBandRows(geometry)
            reuse(&columnGradientWorkspace, count: rows * bandRows * outputWidth) { _ in }
            outputGradient.scalars.withBase { dy in
                if computingParameterGradients {
                    bias?.gradient.withUnsafeMutablePointer { db in
                        accumulateChannelSums(dy, outer: batch, channels: outputChannels, inner: positions, sums: db)
                    }
                }
                input.scalars.withBase { x in
                    weight.value.scalars.withBase { w in
                        columnGradientWorkspace.withMutableBase { columns in
                            inputGradient.withUnsafeMutablePointer { image in
                                for n in 0..<batch {
                                    let dyn = dy + n * outputChannels * positions
                                    if computingParameterGradients {
                                        for band in Swift.stride(from: 0, to: outputHeight, by: bandRows) {
                                            let outputRows = band..<min(outputHeight, band + bandRows)
                                            let bandPositions = outputRows.count * outputWidth
                                            imageToColumns(x + n * sampleSize, batch: 1, geometry: geometry, outputRows: outputRows, columns: columns)
                                            weight.gradient.withUnsafeMutablePointer { dw in
                                                Scalar.generalMatrixMultiply(
                                                    transposeA: false, transposeB: true, m: outputChannels, n: rows, k: bandPositions,
                                                    alpha: 1, a: dyn + band * outputWidth, leadingDimensionA: positions,
                                                    b: columns, leadingDimensionB: bandPositions, beta: 1, c: dw, leadingDimensionC: rows)
                                            }
                                        }
                                    }
                                    accumulateInputGradientByColumns(
                                        dyn, weight: w, geometry: geometry, bandRows: bandRows, columns: columns, image: image + n * sampleSize)
                                }
                            }
                        }
                    }
                }
            }
            return inputGradient
        }
        let channelMajor: [Scalar] = batch == 1 ? outputGradient.scalars : makeArray(count: outputChannels * columnCount) { dy in
            outputGradient.scalars.withBase {
                swapLeadingAxes($0, outer: batch, middle: outputChannels, inner: geometry.positions, destination: dy)
            }
        }
        if computingParameterGradients {
            channelMajor.withBase { dy in
                cachedColumns.withBase { x in
                    weight.gradient.withUnsafeMutablePointer { dw in
                        Scalar.generalMatrixMultiply(
                            transposeA: false, transposeB: true, m: outputChannels, n: rows, k: columnCount,
                            alpha: 1, a: dy, leadingDimensionA: columnCount, b: x, leadingDimensionB: columnCount,
                            beta: 1, c: dw, leadingDimensionC: rows)
                    }
                }
                bias?.gradient.withUnsafeMutablePointer { db in
                    accumulateChannelSums(dy, outer: 1, channels: outputChannels, inner: columnCount, sums: db)
                }
            }
        }
        let columnGradient: [Scalar] = makeArray(count: rows * columnCount) { dx in
            weight.value.scalars.withBase { w in
                channelMajor.withBase { dy in
                    Scalar.generalMatrixMultiply(
                        transposeA: true, transposeB: false, m: rows, n: columnCount, k: outputChannels,
                        alpha: 1, a: w, leadingDimensionA: rows, b: dy, leadingDimensionB: columnCount,
                        beta: 0, c: dx, leadingDimensionC: columnCount)
                }
            }
        }
        var inputGradient = Tensor<Scalar>(zeros: [batch, inputChannels, geometry.height, geometry.width])
        inputGradient.withUnsafeMutablePointer { image in
            columnGradient.withBase { accumulateColumnsToImage($0, batch: batch, geometry: geometry, image: image) }
        }
        return inputGradient
    }

    /// dL/dW and dL/db of `backward`; on the direct path without computing dL/dx (the U-Net's first
    /// layer, whose input is the mask).
    public func accumulateParameterGradients(_ outputGradient: Tensor<Scalar>) throws {
        guard let geometry = cachedGeometry else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        guard usesDirectKernels(geometry), let input = cachedInput else {
            _ = try backward(outputGradient, computingParameterGradients: true)
            return
        }
        try outputGradient.checkShape([cachedBatch, outputChannels, geometry.outputHeight, geometry.outputWidth])
        _ = directBackward(outputGradient, input: input, geometry: geometry, computingParameterGradients: true, computingInputGradient: false)
    }

    /// dx_n += col2im(W^T dY_n), band by band of output rows (`columns` holds one band).
    private func accumulateInputGradientByColumns(
        _ dyn: UnsafePointer<Scalar>, weight w: UnsafePointer<Scalar>, geometry g: WindowGeometry, bandRows: Int,
        columns: UnsafeMutablePointer<Scalar>, image: UnsafeMutablePointer<Scalar>
    ) {
        let rows = g.columnRows
        for band in Swift.stride(from: 0, to: g.outputHeight, by: bandRows) {
            let outputRows = band..<min(g.outputHeight, band + bandRows)
            let bandPositions = outputRows.count * g.outputWidth
            Scalar.generalMatrixMultiply(
                transposeA: true, transposeB: false, m: rows, n: bandPositions, k: outputChannels,
                alpha: 1, a: w, leadingDimensionA: rows, b: dyn + band * g.outputWidth, leadingDimensionB: g.positions,
                beta: 0, c: columns, leadingDimensionC: bandPositions)
            accumulateColumnsToImage(columns, batch: 1, geometry: g, outputRows: outputRows, image: image)
        }
    }

    /// Whether this layer and image take `DirectConvolution`: 3x3, stride 1, padding 1, a shape
    /// the kernels support (`DirectConvolution.supports`), Float or Double, on a CPU that runs them.
    private func usesDirectKernels(_ g: WindowGeometry) -> Bool {
        allowsDirectKernels && DirectConvolution.isAvailable && kernelSize == 3 && stride == 1 && padding == 1
            && DirectConvolution.supports(outputChannels: outputChannels, height: g.height, width: g.width)
            && (Scalar.self == Float.self || Scalar.self == Double.self)
    }

    /// y_n = direct convolution of x_n padded by one pixel, sample by sample.
    private func directForward(_ input: Tensor<Scalar>, geometry g: WindowGeometry) -> Tensor<Scalar> {
        let batch = input.shape[0]
        let (sampleSize, outputSize) = (inputChannels * g.height * g.width, outputChannels * g.positions)
        let packed: [Scalar] = makeArray(count: weight.value.count) { packed in
            weight.value.scalars.withBase {
                packDirectKernel($0, outputChannels: outputChannels, inputChannels: inputChannels, adjoint: false, packed: packed)
            }
        }
        preparePaddedWorkspace(&paddedInputWorkspace, channels: inputChannels, geometry: g)
        return Tensor(shape: [batch, outputChannels, g.outputHeight, g.outputWidth]) { y in
            input.scalars.withBase { x in
                packed.withBase { w in
                    paddedInputWorkspace.withMutableBase { padded in
                        for n in 0..<batch {
                            copyIntoPadded(x + n * sampleSize, channels: inputChannels, geometry: g, padded: padded)
                            runDirectForward(padded, w, bias?.value.scalars.withBase { $0 }, y + n * outputSize,
                                             inputChannels: inputChannels, outputChannels: outputChannels, geometry: g)
                        }
                    }
                }
            }
        }
    }

    /// dW += direct weight gradient per group of samples; dx_n = the adjoint convolution of dy_n (the kernel
    /// flipped, channels swapped), direct where the input channels are a multiple of 4, else
    /// col2im(W^T dy_n) band by band. Without `computingInputGradient`, only the parameter
    /// gradients (the returned tensor is then empty).
    private func directBackward(
        _ outputGradient: Tensor<Scalar>, input: Tensor<Scalar>, geometry g: WindowGeometry, computingParameterGradients: Bool,
        computingInputGradient: Bool
    ) -> Tensor<Scalar> {
        let batch = input.shape[0]
        let (sampleSize, outputSize, positions) = (inputChannels * g.height * g.width, outputChannels * g.positions, g.positions)
        let adjointIsDirect = DirectConvolution.supports(outputChannels: inputChannels, height: g.height, width: g.width)
        let adjointPacked: [Scalar] = !adjointIsDirect || !computingInputGradient ? [] : makeArray(count: weight.value.count) { packed in
            weight.value.scalars.withBase {
                packDirectKernel($0, outputChannels: outputChannels, inputChannels: inputChannels, adjoint: true, packed: packed)
            }
        }
        let rows = g.columnRows
        let bandRows = columnBandRows(g)
        if !adjointIsDirect { reuse(&columnGradientWorkspace, count: rows * bandRows * g.outputWidth) { _ in } }
        let group = max(1, min(batch, weightGradientGroupPixels / g.positions))
        // The flat weight gradient reads dy zero-padded, as the direct adjoint does: one padded copy
        // of each group's dy serves both.
        let flat = g.width <= flatWeightGradientMaximumWidth && DirectConvolution.supportsFlatWeightGradient(height: g.height, width: g.width)
        let paddedPlane = (g.height + 2) * (g.width + 2)
        if computingParameterGradients {
            preparePaddedWorkspace(&paddedGroupWorkspace, channels: group * inputChannels, geometry: g)
        }
        preparePaddedWorkspace(&paddedGradientWorkspace, channels: (flat ? group : 1) * outputChannels, geometry: g)
        // The direct adjoint writes every scalar of dL/dx; col2im adds into zeros.
        let inputShape = [batch, inputChannels, g.height, g.width]
        var inputGradient = !computingInputGradient ? Tensor<Scalar>(zeros: [0]) :
            adjointIsDirect ? Tensor<Scalar>(shape: inputShape) { _ in } : Tensor<Scalar>(zeros: inputShape)
        outputGradient.scalars.withBase { dy in
            if computingParameterGradients {
                bias?.gradient.withUnsafeMutablePointer { db in
                    accumulateChannelSums(dy, outer: batch, channels: outputChannels, inner: positions, sums: db, inLanes: true)
                }
            }
            input.scalars.withBase { x in
                weight.value.scalars.withBase { w in
                    paddedGradientWorkspace.withMutableBase { paddedGradient in
                        inputGradient.withUnsafeMutablePointer { dx in
                            for first in Swift.stride(from: 0, to: batch, by: group) {
                                let samples = min(group, batch - first)
                                if flat {
                                    copyIntoPadded(dy + first * outputSize, channels: samples * outputChannels, geometry: g, padded: paddedGradient)
                                }
                                if computingParameterGradients {
                                    paddedGroupWorkspace.withMutableBase { padded in
                                        weight.gradient.withUnsafeMutablePointer { dw in
                                            copyIntoPadded(x + first * sampleSize, channels: samples * inputChannels, geometry: g, padded: padded)
                                            if flat {
                                                runDirectWeightGradientFlat(padded, paddedGradient, dw, samples: samples,
                                                                            inputChannels: inputChannels, outputChannels: outputChannels, geometry: g)
                                            } else {
                                                runDirectWeightGradient(padded, dy + first * outputSize, dw, samples: samples,
                                                                        inputChannels: inputChannels, outputChannels: outputChannels, geometry: g)
                                            }
                                        }
                                    }
                                }
                                guard computingInputGradient else { continue }
                                for n in first..<(first + samples) {
                                    let dyn = dy + n * outputSize
                                    if adjointIsDirect {
                                        var source = paddedGradient + (n - first) * outputChannels * paddedPlane
                                        if !flat {
                                            copyIntoPadded(dyn, channels: outputChannels, geometry: g, padded: paddedGradient)
                                            source = paddedGradient
                                        }
                                        adjointPacked.withBase { packed in
                                            runDirectForward(source, packed, nil, dx + n * sampleSize,
                                                             inputChannels: outputChannels, outputChannels: inputChannels, geometry: g)
                                        }
                                        continue
                                    }
                                    columnGradientWorkspace.withMutableBase { columns in
                                        accumulateInputGradientByColumns(dyn, weight: w, geometry: g, bandRows: bandRows, columns: columns,
                                                                         image: dx + n * sampleSize)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    /// "weight" and, if present, "bias".
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] {
        [(key: "weight", parameter: weight)] + (bias.map { [(key: "bias", parameter: $0)] } ?? [])
    }
}
