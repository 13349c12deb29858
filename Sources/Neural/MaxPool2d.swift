/// 2-D max pooling without padding (PyTorch `nn.MaxPool2d(kernel_size, stride)`, floor mode).
///
/// Forward: y[n, c, i, j] = max_{u, v < k} x[n, c, i s + u, j s + v], H_out = floor((H - k) / s) + 1;
/// the position of the maximum (first one on ties) is cached.
/// Backward: dL/dx[argmax(n, c, i, j)] += dL/dy[n, c, i, j], zero elsewhere.
public final class MaxPool2d<Scalar: NeuralScalar>: Layer {
    /// Window size k.
    public let kernelSize: Int
    /// Stride s (defaults to k).
    public let stride: Int
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedIndices: [Int32] = []
    private var cachedInputShape: [Int]?

    /// Creates a max-pooling layer.
    /// - Throws: `NeuralError.invalidArgument` for a non-positive kernel size or stride.
    public init(kernelSize: Int, stride: Int? = nil) throws {
        guard kernelSize > 0, (stride ?? kernelSize) > 0 else { throw NeuralError.invalidArgument("MaxPool2d sizes") }
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    /// y = windowed maximum of x.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard input.rank == 4 else { throw NeuralError.shapeMismatch(expected: [-1, -1, -1, -1], actual: input.shape) }
        let (height, width) = (input.shape[2], input.shape[3])
        guard height >= kernelSize, width >= kernelSize else { throw NeuralError.invalidShape(input.shape) }
        let outputHeight = (height - kernelSize) / stride + 1
        let outputWidth = (width - kernelSize) / stride + 1
        let planes = input.shape[0] * input.shape[1]
        let (kernelSize, stride) = (self.kernelSize, self.stride)
        var indices = [Int32]()
        let output = Tensor<Scalar>(shape: [input.shape[0], input.shape[1], outputHeight, outputWidth]) { y in
            indices = makeArray(count: planes * outputHeight * outputWidth) { index in
                input.scalars.withBase { x in
                    maxPoolForward(x, planes: planes, height: height, width: width, kernelSize: kernelSize, stride: stride,
                                   outputHeight: outputHeight, outputWidth: outputWidth, output: y, indices: index)
                }
            }
        }
        cachedIndices = indices
        cachedInputShape = input.shape
        return output
    }

    /// Routes each output gradient to the cached argmax position.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let shape = cachedInputShape else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        guard outputGradient.count == cachedIndices.count, outputGradient.rank == 4,
              outputGradient.shape[0] == shape[0], outputGradient.shape[1] == shape[1]
        else { throw NeuralError.shapeMismatch(expected: [shape[0], shape[1], -1, -1], actual: outputGradient.shape) }
        let planes = shape[0] * shape[1]
        let planeSize = shape[2] * shape[3]
        let outputPlaneSize = outputGradient.shape[2] * outputGradient.shape[3]
        var inputGradient = Tensor<Scalar>(zeros: shape)
        inputGradient.withUnsafeMutablePointer { dx in
            outputGradient.scalars.withBase { dy in
                cachedIndices.withBase { index in
                    maxPoolBackward(dy, indices: index, planes: planes, planeSize: planeSize,
                                    outputPlaneSize: outputPlaneSize, inputGradient: dx)
                }
            }
        }
        return inputGradient
    }
}

/// Dispatches to `maxPoolForwardBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func maxPoolForward<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, planes: Int, height: Int, width: Int, kernelSize: Int, stride: Int,
    outputHeight: Int, outputWidth: Int, output: UnsafeMutablePointer<Scalar>, indices: UnsafeMutablePointer<Int32>
) {
    if Scalar.self == Float.self {
        maxPoolForwardBody(x.cast(), planes: planes, height: height, width: width, kernelSize: kernelSize, stride: stride, outputHeight: outputHeight, outputWidth: outputWidth, output: output.cast(), indices: indices, as: Float.self)
    } else if Scalar.self == Double.self {
        maxPoolForwardBody(x.cast(), planes: planes, height: height, width: width, kernelSize: kernelSize, stride: stride, outputHeight: outputHeight, outputWidth: outputWidth, output: output.cast(), indices: indices, as: Double.self)
    } else {
        maxPoolForwardBody(x, planes: planes, height: height, width: width, kernelSize: kernelSize, stride: stride, outputHeight: outputHeight, outputWidth: outputWidth, output: output, indices: indices, as: Scalar.self)
    }
}

func maxPoolForwardBody<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, planes: Int, height: Int, width: Int, kernelSize: Int, stride: Int,
    outputHeight: Int, outputWidth: Int, output: UnsafeMutablePointer<Scalar>, indices: UnsafeMutablePointer<Int32>,
    as type: Scalar.Type
) {
    if kernelSize == 2 && stride == 2 {
        // Fast path: compare the four window values without loops; `!(v <= best)` also picks NaN.
        for plane in 0..<planes {
            let source = x + plane * height * width
            let target = output + plane * outputHeight * outputWidth
            let targetIndex = indices + plane * outputHeight * outputWidth
            for i in 0..<outputHeight {
                let top = source + 2 * i * width
                let bottom = top + width
                let rowOffset = 2 * i * width
                for j in 0..<outputWidth {
                    var best = top[2 * j]
                    var index = rowOffset + 2 * j
                    let b = top[2 * j + 1], c = bottom[2 * j], d = bottom[2 * j + 1]
                    if !(b <= best) { best = b; index = rowOffset + 2 * j + 1 }
                    if !(c <= best) { best = c; index = rowOffset + width + 2 * j }
                    if !(d <= best) { best = d; index = rowOffset + width + 2 * j + 1 }
                    target[i * outputWidth + j] = best
                    targetIndex[i * outputWidth + j] = Int32(truncatingIfNeeded: index)
                }
            }
        }
        return
    }
    for plane in 0..<planes {
        let source = x + plane * height * width
        let target = output + plane * outputHeight * outputWidth
        let targetIndex = indices + plane * outputHeight * outputWidth
        for i in 0..<outputHeight {
            for j in 0..<outputWidth {
                var bestIndex = i * stride * width + j * stride
                var best = source[bestIndex]
                for u in 0..<kernelSize {
                    let rowStart = (i * stride + u) * width + j * stride
                    for v in 0..<kernelSize {
                        let value = source[rowStart + v]
                        if value > best || value.isNaN { best = value; bestIndex = rowStart + v }
                    }
                }
                target[i * outputWidth + j] = best
                targetIndex[i * outputWidth + j] = Int32(bestIndex)
            }
        }
    }
}

/// Dispatches to `maxPoolBackwardBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func maxPoolBackward<Scalar: NeuralScalar>(
    _ dy: UnsafePointer<Scalar>, indices: UnsafePointer<Int32>, planes: Int, planeSize: Int, outputPlaneSize: Int,
    inputGradient: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        maxPoolBackwardBody(dy.cast(), indices: indices, planes: planes, planeSize: planeSize, outputPlaneSize: outputPlaneSize, inputGradient: inputGradient.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        maxPoolBackwardBody(dy.cast(), indices: indices, planes: planes, planeSize: planeSize, outputPlaneSize: outputPlaneSize, inputGradient: inputGradient.cast(), as: Double.self)
    } else {
        maxPoolBackwardBody(dy, indices: indices, planes: planes, planeSize: planeSize, outputPlaneSize: outputPlaneSize, inputGradient: inputGradient, as: Scalar.self)
    }
}

func maxPoolBackwardBody<Scalar: NeuralScalar>(
    _ dy: UnsafePointer<Scalar>, indices: UnsafePointer<Int32>, planes: Int, planeSize: Int, outputPlaneSize: Int,
    inputGradient: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    for plane in 0..<planes {
        let target = inputGradient + plane * planeSize
        let offset = plane * outputPlaneSize
        for k in 0..<outputPlaneSize {
            target[Int(indices[offset + k])] += dy[offset + k]
        }
    }
}
