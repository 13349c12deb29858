/// Flattens every axis after the batch axis (PyTorch `nn.Flatten()`).
///
/// Forward: [N, d1, ..., dk] -> [N, d1 ... dk] (same scalars). Backward: reshapes back.
public final class Flatten<Scalar: NeuralScalar>: Layer {
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedInputShape: [Int]?

    /// Creates a flatten layer.
    public init() {}

    /// [N, ...] -> [N, product of the rest].
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard input.rank >= 1 else { throw NeuralError.invalidShape(input.shape) }
        cachedInputShape = input.shape
        return Tensor(unchecked: [input.shape[0], input.shape.dropFirst().reduce(1, *)], scalars: input.scalars)
    }

    /// Reshapes dL/dy to the input shape.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let shape = cachedInputShape else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        return try outputGradient.reshaped(to: shape)
    }
}

/// Reshapes the per-sample axes to a fixed shape (PyTorch `nn.Unflatten(1, shape)` or `view`).
///
/// Forward: [N, ...] -> [N] + shape (same scalars). Backward: reshapes back.
public final class Reshape<Scalar: NeuralScalar>: Layer {
    /// The per-sample output shape (without the batch axis).
    public let sampleShape: [Int]
    /// Training or evaluation (no effect on this layer).
    public var mode: LayerMode = .training
    private var cachedInputShape: [Int]?

    /// Creates a reshape layer to [N] + sampleShape.
    public init(sampleShape: [Int]) {
        self.sampleShape = sampleShape
    }

    /// [N, ...] -> [N] + sampleShape.
    /// - Throws: `NeuralError.countMismatch` if the per-sample counts differ.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard input.rank >= 1 else { throw NeuralError.invalidShape(input.shape) }
        cachedInputShape = input.shape
        return try input.reshaped(to: [input.shape[0]] + sampleShape)
    }

    /// Reshapes dL/dy to the input shape.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        guard let shape = cachedInputShape else { throw NeuralError.backwardBeforeForward(layer: layerName(self)) }
        return try outputGradient.reshaped(to: shape)
    }
}
