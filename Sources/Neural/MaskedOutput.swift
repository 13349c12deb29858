/// Wall-aware output: a single-channel image-to-image model whose output is multiplied by its input.
///
/// Forward: y = f(x) * x elementwise, for x and f(x) of the same shape [N, 1, H, W]. With a 0/1
/// mask as input, the prediction is exactly 0 outside the wall (where the stress map is 0 by
/// definition) and f(x) inside. Backward (product rule; x also enters f):
/// dL/dx = J_f^T (dL/dy * x) + dL/dy * f(x), and dL/dtheta = J_theta^T (dL/dy * x).
/// The wrapper adds no parameters and no key prefix: its `state_dict` is the wrapped model's.
public final class MaskedOutput<Scalar: NeuralScalar>: Layer {
    /// The wrapped model f.
    public let body: any Layer<Scalar>
    private var cachedInput: Tensor<Scalar>?
    private var cachedBodyOutput: Tensor<Scalar>?

    /// Training or evaluation; forwarded to the wrapped model.
    public var mode: LayerMode {
        get { body.mode }
        set { body.mode = newValue }
    }

    /// Wraps `body`, whose output must have the shape of its input.
    public init(_ body: any Layer<Scalar>) {
        self.body = body
    }

    /// y = f(x) * x.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        let output = try body.forward(input)
        try output.checkShape(input.shape)
        cachedInput = input
        cachedBodyOutput = output
        return Tensor(shape: output.shape) { y in
            output.scalars.withBase { f in
                input.scalars.withBase { x in multiplyElementwise(f, x, count: output.count, output: y) }
            }
        }
    }

    /// dL/dx = J_f^T (dy * x) + dy * f(x).
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let input = cachedInput, let bodyOutput = cachedBodyOutput else {
            throw NeuralError.backwardBeforeForward(layer: layerName(self))
        }
        try outputGradient.checkShape(input.shape)
        let count = input.count
        let throughBody = Tensor<Scalar>(shape: input.shape) { g in
            outputGradient.scalars.withBase { dy in
                input.scalars.withBase { x in multiplyElementwise(dy, x, count: count, output: g) }
            }
        }
        var inputGradient = try body.backward(throughBody, computingParameterGradients: computingParameterGradients)
        let direct: [Scalar] = makeArray(count: count) { d in
            outputGradient.scalars.withBase { dy in
                bodyOutput.scalars.withBase { f in multiplyElementwise(dy, f, count: count, output: d) }
            }
        }
        inputGradient.withUnsafeMutablePointer { dx in direct.withBase { addInPlaceSpecialized(dx, $0, count: count) } }
        return inputGradient
    }

    /// dL/dtheta = J_theta^T (dy * x), without the input gradient's terms.
    public func accumulateParameterGradients(_ outputGradient: Tensor<Scalar>) throws {
        guard let input = cachedInput else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        try outputGradient.checkShape(input.shape)
        let count = input.count
        let throughBody = Tensor<Scalar>(shape: input.shape) { g in
            outputGradient.scalars.withBase { dy in
                input.scalars.withBase { x in multiplyElementwise(dy, x, count: count, output: g) }
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
