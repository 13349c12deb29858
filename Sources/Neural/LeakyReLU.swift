/// Leaky rectified linear unit (PyTorch `nn.LeakyReLU`, default slope 0.01).
///
/// Forward: y = x for x > 0, a x otherwise. Backward: dL/dx = dL/dy (x > 0 ? 1 : a).
public final class LeakyReLU<Scalar: NeuralScalar>: Layer {
    /// The slope a for negative inputs.
    public let negativeSlope: Double
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedInput: Tensor<Scalar>?

    /// Creates a leaky ReLU with slope a for negative inputs.
    public init(negativeSlope: Double = 0.01) {
        self.negativeSlope = negativeSlope
    }

    /// y = x > 0 ? x : a x.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        cachedInput = input
        return activationLayerForward(.leakyRectifiedLinear(negativeSlope: negativeSlope), input)
    }

    /// dL/dx = dL/dy (x > 0 ? 1 : a).
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        try activationLayerBackward(.leakyRectifiedLinear(negativeSlope: negativeSlope), cached: cachedInput,
                                    outputGradient: outputGradient, layer: self)
    }
}
