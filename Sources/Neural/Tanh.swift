/// Hyperbolic tangent (PyTorch `nn.Tanh`).
///
/// Forward: y = tanh(x). Backward: dL/dx = dL/dy (1 - y^2).
public final class Tanh<Scalar: NeuralScalar>: Layer {
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedOutput: Tensor<Scalar>?

    /// Creates a tanh layer.
    public init() {}

    /// y = tanh(x).
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        let output = activationLayerForward(.hyperbolicTangent, input)
        cachedOutput = output
        return output
    }

    /// dL/dx = dL/dy (1 - y^2).
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        try activationLayerBackward(.hyperbolicTangent, cached: cachedOutput, outputGradient: outputGradient, layer: self)
    }
}
