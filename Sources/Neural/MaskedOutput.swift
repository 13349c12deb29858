/// Wall-aware output: an image-to-image model whose single-channel output is multiplied by the
/// wall mask its input encodes.
///
/// Forward: y = f(x) * m elementwise, with f(x) of shape [N, 1, H, W] and m = sum over the input
/// channels of x [N, C, H, W]. With one channel, m = x: a 0/1 mask makes the prediction exactly 0
/// outside the wall (where the stress map is 0 by definition) and f(x) inside. With one-hot
/// channels per wall class (fibrous, lipid, calcium), their sum is the wall mask (class > 0).
/// Backward (product rule; x also enters f): dL/dx_c = J_f^T (dL/dy * m)|_c + dL/dy * f(x) for
/// every channel c, and dL/dtheta = J_theta^T (dL/dy * m).
/// The wrapper adds no parameters and no key prefix: its `state_dict` is the wrapped model's.
public final class MaskedOutput<Scalar: NeuralScalar>: Layer {
    /// The wrapped model f.
    public let body: any Layer<Scalar>
    private var cachedMask: Tensor<Scalar>?
    private var cachedInputShape: [Int]?
    private var cachedBodyOutput: Tensor<Scalar>?

    /// Training or evaluation; forwarded to the wrapped model.
    public var mode: LayerMode {
        get { body.mode }
        set { body.mode = newValue }
    }

    /// Wraps `body`, whose output must be [N, 1, H, W] for an input [N, C, H, W].
    public init(_ body: any Layer<Scalar>) {
        self.body = body
    }

    /// m = the sum of the channels of `input` [N, C, H, W], as [N, 1, H, W]; `input` itself when C = 1.
    static func wallMask(of input: Tensor<Scalar>) -> Tensor<Scalar> {
        let channels = input.shape[1]
        if channels == 1 { return input }
        let (count, plane) = (input.shape[0], input.shape[2] * input.shape[3])
        return Tensor(shape: [count, 1, input.shape[2], input.shape[3]]) { m in
            input.scalars.withBase { x in
                for n in 0..<count {
                    let out = m + n * plane
                    out.update(from: x + n * channels * plane, count: plane)
                    for c in 1..<channels { addInPlaceSpecialized(out, x + (n * channels + c) * plane, count: plane) }
                }
            }
        }
    }

    /// y = f(x) * m, m the channel sum of x (x itself for one channel).
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try input.checkShape([-1, -1, -1, -1])
        let output = try body.forward(input)
        let mask = Self.wallMask(of: input)
        try output.checkShape(mask.shape)
        cachedMask = mask
        cachedInputShape = input.shape
        cachedBodyOutput = output
        return Tensor(shape: output.shape) { y in
            output.scalars.withBase { f in
                mask.scalars.withBase { x in multiplyElementwise(f, x, count: output.count, output: y) }
            }
        }
    }

    /// dL/dx_c = J_f^T (dy * m)|_c + dy * f(x).
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let mask = cachedMask, let inputShape = cachedInputShape, let bodyOutput = cachedBodyOutput else {
            throw NeuralError.backwardBeforeForward(layer: layerName(self))
        }
        try outputGradient.checkShape(mask.shape)
        let count = mask.count
        let throughBody = Tensor<Scalar>(shape: mask.shape) { g in
            outputGradient.scalars.withBase { dy in
                mask.scalars.withBase { x in multiplyElementwise(dy, x, count: count, output: g) }
            }
        }
        var inputGradient = try body.backward(throughBody, computingParameterGradients: computingParameterGradients)
        try inputGradient.checkShape(inputShape)
        let direct: [Scalar] = makeArray(count: count) { d in
            outputGradient.scalars.withBase { dy in
                bodyOutput.scalars.withBase { f in multiplyElementwise(dy, f, count: count, output: d) }
            }
        }
        // dm/dx_c = 1 for every channel: the direct term goes to each channel's plane.
        let (channels, plane) = (inputShape[1], inputShape[2] * inputShape[3])
        inputGradient.withUnsafeMutablePointer { dx in
            direct.withBase { d in
                for n in 0..<inputShape[0] {
                    for c in 0..<channels {
                        addInPlaceSpecialized(dx + (n * channels + c) * plane, d + n * plane, count: plane)
                    }
                }
            }
        }
        return inputGradient
    }

    /// dL/dtheta = J_theta^T (dy * m), without the input gradient's terms.
    public func accumulateParameterGradients(_ outputGradient: Tensor<Scalar>) throws {
        guard let mask = cachedMask else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        try outputGradient.checkShape(mask.shape)
        let count = mask.count
        let throughBody = Tensor<Scalar>(shape: mask.shape) { g in
            outputGradient.scalars.withBase { dy in
                mask.scalars.withBase { x in multiplyElementwise(dy, x, count: count, output: g) }
            }
        }
        try body.accumulateParameterGradients(throughBody)
    }

    /// The wrapped model's parameters, keys unchanged.
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] { body.parameterReferences() }

    /// The wrapped model's buffers, keys unchanged.
    public func bufferReferences() -> [(key: String, buffer: Buffer<Scalar>)] { body.bufferReferences() }
}

/// output[i] = a[i] * b[i] for i in 0..<count.
/// Dispatches to `multiplyElementwiseBody` specialised for Float or Double: the layers are generic classes
/// reached through existentials, so code they call directly would run unspecialised.
@inline(__always)
func multiplyElementwise<Scalar: NeuralScalar>(
    _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, count: Int, output: UnsafeMutablePointer<Scalar>
) {
    if Scalar.self == Float.self {
        multiplyElementwiseBody(a.cast(), b.cast(), count: count, output: output.cast(), as: Float.self)
    } else if Scalar.self == Double.self {
        multiplyElementwiseBody(a.cast(), b.cast(), count: count, output: output.cast(), as: Double.self)
    } else {
        multiplyElementwiseBody(a, b, count: count, output: output, as: Scalar.self)
    }
}

func multiplyElementwiseBody<Scalar: NeuralScalar>(
    _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, count: Int, output: UnsafeMutablePointer<Scalar>,
    as type: Scalar.Type
) {
    for i in 0..<count { output[i] = a[i] * b[i] }
}
