/// Nearest-neighbour upsampling by an integer factor (PyTorch `nn.Upsample(scale_factor: f,
/// mode: "nearest")`).
///
/// Forward: y[n, c, i, j] = x[n, c, floor(i / f), floor(j / f)], H_out = f H.
/// Backward: dL/dx[n, c, i, j] = sum_{u, v < f} dL/dy[n, c, i f + u, j f + v].
public final class Upsample<Scalar: NeuralScalar>: Layer {
    /// The integer scale factor f.
    public let scaleFactor: Int
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedInputShape: [Int]?

    /// Creates a nearest-neighbour upsampling layer (default factor 2).
    /// - Throws: `NeuralError.invalidArgument` for a non-positive factor.
    public init(scaleFactor: Int = 2) throws {
        guard scaleFactor > 0 else { throw NeuralError.invalidArgument("Upsample scaleFactor") }
        self.scaleFactor = scaleFactor
    }

    /// Repeats every pixel f x f times.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard input.rank == 4 else { throw NeuralError.shapeMismatch(expected: [-1, -1, -1, -1], actual: input.shape) }
        let (height, width) = (input.shape[2], input.shape[3])
        let factor = scaleFactor
        let planes = input.shape[0] * input.shape[1]
        cachedInputShape = input.shape
        return Tensor(shape: [input.shape[0], input.shape[1], height * factor, width * factor]) { y in
            input.scalars.withBase { upsampleForward($0, planes: planes, height: height, width: width, factor: factor, output: y) }
        }
    }

    /// Sums each f x f block of the output gradient.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let shape = cachedInputShape else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        let factor = scaleFactor
        try outputGradient.checkShape([shape[0], shape[1], shape[2] * factor, shape[3] * factor])
        let planes = shape[0] * shape[1]
        return Tensor(shape: shape) { dx in
            outputGradient.scalars.withBase {
                upsampleBackward($0, planes: planes, height: shape[2], width: shape[3], factor: factor, inputGradient: dx)
            }
        }
    }
}

/// Dispatches to `upsampleForwardBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func upsampleForward<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, planes: Int, height: Int, width: Int, factor: Int, output: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        upsampleForwardBody(x.cast(), planes: planes, height: height, width: width, factor: factor, output: output.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        upsampleForwardBody(x.cast(), planes: planes, height: height, width: width, factor: factor, output: output.cast(), as: Double.self)
    } else {
        upsampleForwardBody(x, planes: planes, height: height, width: width, factor: factor, output: output, as: Scalar.self)
    }
}

func upsampleForwardBody<Scalar: NeuralScalar>(
    _ x: UnsafePointer<Scalar>, planes: Int, height: Int, width: Int, factor: Int, output: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    let outputWidth = width * factor
    for plane in 0..<planes {
        let source = x + plane * height * width
        let target = output + plane * height * width * factor * factor
        for i in 0..<height {
            let row = target + i * factor * outputWidth
            let sourceRow = source + i * width
            if factor == 2 {
                for j in 0..<width {
                    let value = sourceRow[j]
                    row[2 * j] = value
                    row[2 * j + 1] = value
                }
            } else {
                for j in 0..<width {
                    let value = sourceRow[j]
                    for v in 0..<factor { row[j * factor + v] = value }
                }
            }
            for u in 1..<max(factor, 1) {
                (row + u * outputWidth).update(from: row, count: outputWidth)
            }
        }
    }
}

/// Dispatches to `upsampleBackwardBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func upsampleBackward<Scalar: NeuralScalar>(
    _ dy: UnsafePointer<Scalar>, planes: Int, height: Int, width: Int, factor: Int, inputGradient: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        upsampleBackwardBody(dy.cast(), planes: planes, height: height, width: width, factor: factor, inputGradient: inputGradient.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        upsampleBackwardBody(dy.cast(), planes: planes, height: height, width: width, factor: factor, inputGradient: inputGradient.cast(), as: Double.self)
    } else {
        upsampleBackwardBody(dy, planes: planes, height: height, width: width, factor: factor, inputGradient: inputGradient, as: Scalar.self)
    }
}

func upsampleBackwardBody<Scalar: NeuralScalar>(
    _ dy: UnsafePointer<Scalar>, planes: Int, height: Int, width: Int, factor: Int, inputGradient: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    let outputWidth = width * factor
    for plane in 0..<planes {
        let source = dy + plane * height * width * factor * factor
        let target = inputGradient + plane * height * width
        for i in 0..<height {
            let targetRow = target + i * width
            for j in 0..<width { targetRow[j] = 0 }
            for u in 0..<factor {
                let row = source + (i * factor + u) * outputWidth
                if factor == 2 {
                    for j in 0..<width { targetRow[j] += row[2 * j] + row[2 * j + 1] }
                } else {
                    for j in 0..<width {
                        var total: Scalar = 0
                        for v in 0..<factor { total += row[j * factor + v] }
                        targetRow[j] += total
                    }
                }
            }
        }
    }
}
