/// Logistic sigmoid (PyTorch `nn.Sigmoid`), computed without overflow.
///
/// Forward: y = 1 / (1 + e^-x). Backward: dL/dx = dL/dy y (1 - y).
public final class Sigmoid<Scalar: NeuralScalar>: Layer {
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedOutput: Tensor<Scalar>?

    /// Creates a sigmoid layer.
    public init() {}

    /// y = 1 / (1 + e^-x).
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        let output = activationLayerForward(.sigmoid, input)
        cachedOutput = output
        return output
    }

    /// dL/dx = dL/dy y (1 - y).
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        try activationLayerBackward(.sigmoid, cached: cachedOutput, outputGradient: outputGradient, layer: self)
    }
}
