/// The result of differentiating a loss with respect to a model chain's input.
public struct InputGradientResult<Scalar: NeuralScalar>: Sendable {
    /// The loss value L(F_k(... F_1(x))).
    public var loss: Double
    /// The chain's output F_k(... F_1(x)).
    public var output: Tensor<Scalar>
    /// dL/dx, same shape as the input.
    public var gradient: Tensor<Scalar>
}

/// Gradient of a loss with respect to the input of frozen models applied in sequence.
///
/// Computes y = F_k(... F_1(x)) with every model in evaluation mode (BatchNorm uses running
/// statistics and updates nothing), L = loss(y), and dL/dx = J_1^T ... J_k^T dL/dy, without
/// computing or accumulating parameter gradients: weights, buffers and gradients are untouched.
/// Each model's mode is restored afterwards. For latent-space sampling, pass
/// [decoder, surrogate] and an MSE loss: dMSE(F(G(z)), y)/dz.
/// - Parameters:
///   - models: F_1, ..., F_k (at least one).
///   - input: x.
///   - loss: Returns L(y) and dL/dy.
public func inputGradient<Scalar: NeuralScalar>(
    through models: [any Layer<Scalar>], at input: Tensor<Scalar>,
    loss: (Tensor<Scalar>) throws -> LossResult<Scalar>
) throws -> InputGradientResult<Scalar> {
    guard !models.isEmpty else { throw NeuralError.invalidArgument("models") }
    let savedModes = models.map(\.mode)
    defer { for (model, mode) in zip(models, savedModes) { model.mode = mode } }
    for model in models { model.mode = .evaluation }
    var output = input
    for model in models { output = try model.forward(output) }
    let result = try loss(output)
    var gradient = result.gradient
    for model in models.reversed() {
        gradient = try model.backward(gradient, computingParameterGradients: false)
    }
    return InputGradientResult(loss: result.value, output: output, gradient: gradient)
}

/// Gradient of a loss with respect to the input of one frozen model; see
/// `inputGradient(through:at:loss:)`.
public func inputGradient<Scalar: NeuralScalar>(
    of model: any Layer<Scalar>, at input: Tensor<Scalar>,
    loss: (Tensor<Scalar>) throws -> LossResult<Scalar>
) throws -> InputGradientResult<Scalar> {
    try inputGradient(through: [model], at: input, loss: loss)
}
