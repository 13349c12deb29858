/// Rectified linear unit (PyTorch `nn.ReLU`).
///
/// Forward: y = max(x, 0). Backward: dL/dx = dL/dy [x > 0].
public final class ReLU<Scalar: NeuralScalar>: Layer {
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedOutput: Tensor<Scalar>?

    /// Creates a ReLU layer.
    public init() {}

    /// y = max(x, 0).
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        let output = activationLayerForward(.rectifiedLinear, input)
        cachedOutput = output
        return output
    }

    /// dL/dx = dL/dy [y > 0] (equivalently [x > 0]).
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        try activationLayerBackward(.rectifiedLinear, cached: cachedOutput, outputGradient: outputGradient, layer: self)
    }
}
