/// A chain of layers applied in order (PyTorch `nn.Sequential`, or a module whose `forward`
/// calls named children in order).
///
/// Forward: y = f_k(... f_2(f_1(x))). Backward: dL/dx = J_1^T (... J_k^T dL/dy), each child
/// using its cached activations. Keys are "<name>.<child key>", the name being the child's
/// index ("0", "1", ...) unless given explicitly.
public final class Sequential<Scalar: NeuralScalar>: Layer {
    /// The children with their key prefixes.
    public let children: [(name: String, layer: any Layer<Scalar>)]

    /// Training or evaluation; setting it sets every child.
    public var mode: LayerMode = .training {
        didSet { for child in children { child.layer.mode = mode } }
    }

    /// Creates a chain whose children are named by their index, as in `nn.Sequential`.
    public init(_ layers: [any Layer<Scalar>]) {
        children = layers.enumerated().map { (name: String($0.offset), layer: $0.element) }
    }

    /// Creates a chain of named children, as a PyTorch module with attributes called in order.
    public init(named children: [(name: String, layer: any Layer<Scalar>)]) {
        self.children = children
    }

    /// The layers in order.
    public var layers: [any Layer<Scalar>] { children.map(\.layer) }

    /// Applies every child in order.
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        var value = input
        for child in children { value = try child.layer.forward(value) }
        return value
    }

    /// Back-propagates through the children in reverse order.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        var gradient = outputGradient
        for child in children.reversed() {
            gradient = try child.layer.backward(gradient, computingParameterGradients: computingParameterGradients)
        }
        return gradient
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
