/// A chain of layers applied in order (PyTorch `nn.Sequential`, or a module whose `forward`
/// calls named children in order).
///
/// Forward: y = f_k(... f_2(f_1(x))). Backward: dL/dx = J_1^T (... J_k^T dL/dy), each child
/// using its cached activations. Keys are "<name>.<child key>", the name being the child's
/// index ("0", "1", ...) unless given explicitly.
///
/// A `BatchNorm2d` directly followed by a `ReLU` runs as one fused pass in each direction
/// (`BatchNorm2d.forward(_:rectifying:)`): the same scalars as the two layers one after the
/// other, with one output tensor and one sweep over the data fewer each way.
public final class Sequential<Scalar: NeuralScalar>: Layer {
    /// The children with their key prefixes.
    public let children: [(name: String, layer: any Layer<Scalar>)]
    /// For each child, the BatchNorm2d that takes over the ReLU right after it, if any.
    private let fusedNormalizations: [BatchNorm2d<Scalar>?]

    /// Training or evaluation; setting it sets every child.
    public var mode: LayerMode = .training {
        didSet { for child in children { child.layer.mode = mode } }
    }

    /// Creates a chain whose children are named by their index, as in `nn.Sequential`.
    public convenience init(_ layers: [any Layer<Scalar>]) {
        self.init(named: layers.enumerated().map { (name: String($0.offset), layer: $0.element) })
    }

    /// Creates a chain of named children, as a PyTorch module with attributes called in order.
    public init(named children: [(name: String, layer: any Layer<Scalar>)]) {
        self.children = children
        fusedNormalizations = children.indices.map { index in
            guard index + 1 < children.count, children[index + 1].layer is ReLU<Scalar> else { return nil }
            return children[index].layer as? BatchNorm2d<Scalar>
        }
    }

    /// The layers in order.
    public var layers: [any Layer<Scalar>] { children.map(\.layer) }

    /// Applies every child in order.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        var value = input
        var index = 0
        while index < children.count {
            if let normalization = fusedNormalizations[index] {
                value = try normalization.forward(value, rectifying: true)
                index += 2
            } else {
                value = try children[index].layer.forward(value)
                index += 1
            }
        }
        return value
    }

    /// Back-propagates through the children in reverse order.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        try backward(outputGradient, computingParameterGradients: computingParameterGradients, toFirstChild: true)
    }

    /// Back-propagates through every child but the first, which only accumulates its parameter
    /// gradients (`Layer.accumulateParameterGradients`).
    public func accumulateParameterGradients(_ outputGradient: Tensor<Scalar>) throws {
        let gradient = try backward(outputGradient, computingParameterGradients: true, toFirstChild: false)
        // A fused BatchNorm2d + ReLU at the start was taken whole by the loop above.
        if !startsWithFusedPair { try children.first?.layer.accumulateParameterGradients(gradient) }
    }

    /// Back-propagates through the children down to index 1, or down to the first with
    /// `toFirstChild` (a fused pair at 0 and 1 is always taken whole).
    private func backward(
        _ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool, toFirstChild: Bool
    ) throws -> Tensor<Scalar> {
        var gradient = outputGradient
        var index = children.count - 1
        let last = toFirstChild || startsWithFusedPair ? 0 : 1
        while index >= last {
            if index > 0, let normalization = fusedNormalizations[index - 1] {
                // The ReLU at `index` ran inside the BatchNorm2d's forward; its backward does both.
                gradient = try normalization.backward(gradient, computingParameterGradients: computingParameterGradients)
                index -= 2
            } else {
                gradient = try children[index].layer.backward(gradient, computingParameterGradients: computingParameterGradients)
                index -= 1
            }
        }
        return gradient
    }

    /// Whether the first two children are a fused BatchNorm2d + ReLU.
    private var startsWithFusedPair: Bool {
        guard let first = fusedNormalizations.first else { return false }
        return first != nil
    }

    /// Children's parameters, keys prefixed with the child names.
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] {
        children.flatMap { child in
            child.layer.parameterReferences().map { (key: child.name + "." + $0.key, parameter: $0.parameter) }
        }
    }

    /// Children's buffers, keys prefixed with the child names.
    public func bufferReferences() -> [(key: String, buffer: Buffer<Scalar>)] {
        children.flatMap { child in
            child.layer.bufferReferences().map { (key: child.name + "." + $0.key, buffer: $0.buffer) }
        }
    }
}
