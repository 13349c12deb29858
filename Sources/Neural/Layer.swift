/// Whether layers behave as in training (batch statistics, running-stat updates) or evaluation.
public enum LayerMode: Sendable, Equatable {
    /// Training behaviour: BatchNorm normalises with batch statistics and updates running statistics.
    case training
    /// Evaluation behaviour: BatchNorm normalises with running statistics, nothing is updated.
    case evaluation
}

/// A trainable tensor together with the gradient accumulated for it by `backward`.
public final class Parameter<Scalar: NeuralScalar> {
    /// The current value, in the PyTorch layout of the owning layer.
    public var value: Tensor<Scalar>
    /// The accumulated gradient dL/dvalue, same shape as `value`; reset with `zeroGradient()`.
    public var gradient: Tensor<Scalar>

    /// Creates a parameter with the given value and a zero gradient.
    public init(_ value: Tensor<Scalar>) {
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
    }

    /// Sets every gradient scalar to zero.
    public func zeroGradient() {
        let count = gradient.count
        _ = gradient.withUnsafeMutablePointer { pointer in
            UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<Scalar>.stride)
        }
    }
}

/// A non-trainable tensor of a layer's state (e.g. BatchNorm running statistics).
public final class Buffer<Scalar: NeuralScalar> {
    /// The current value.
    public var value: Tensor<Scalar>

    /// Creates a buffer with the given value.
    public init(_ value: Tensor<Scalar>) {
        self.value = value
    }
}

/// A copy of one parameter or buffer: its PyTorch `state_dict` key, shape and row-major values.
public struct NamedTensor<Scalar: NeuralScalar>: Equatable, Sendable {
    /// The PyTorch `state_dict` key, e.g. "encoder.0.weight".
    public var key: String
    /// The shape, in the PyTorch layout (Conv2d weight [out, in, kh, kw],
    /// ConvTranspose2d weight [in, out, kh, kw], Linear weight [out, in]; [] for
    /// `num_batches_tracked`).
    public var shape: [Int]
    /// The scalars in row-major order.
    public var values: [Scalar]

    /// Creates a named tensor.
    public init(key: String, shape: [Int], values: [Scalar]) {
        self.key = key
        self.shape = shape
        self.values = values
    }
}

/// Anything holding named parameters and buffers: layers, models, and the VAE.
///
/// Keys are PyTorch `state_dict` keys relative to this object (e.g. "weight", "encoder.0.bias").
public protocol ParameterContainer<Scalar>: AnyObject {
    /// The scalar type of the parameters.
    associatedtype Scalar: NeuralScalar

    /// Training or evaluation behaviour; containers propagate it to their children.
    var mode: LayerMode { get set }

    /// The trainable parameters with their keys relative to this object, in `state_dict` order.
    func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)]

    /// The buffers with their keys relative to this object (e.g. "running_mean").
    func bufferReferences() -> [(key: String, buffer: Buffer<Scalar>)]
}

/// A differentiable layer or model: `forward` caches what `backward` needs.
///
/// For y = f(x; theta), `backward(dL/dy)` returns dL/dx and, when asked, adds dL/dtheta to
/// the parameters' `gradient` (accumulation, as in PyTorch; clear with `zeroGradients()`).
/// `backward` refers to the most recent `forward`.
public protocol Layer<Scalar>: ParameterContainer {
    /// Computes y = f(x) and caches what `backward` needs.
    func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar>

    /// Given dL/dy for the last `forward`, returns dL/dx; when `computingParameterGradients`
    /// is true, also accumulates dL/dtheta into the parameters' gradients.
    func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar>

    /// Given dL/dy for the last `forward`, accumulates dL/dtheta into the parameters' gradients
    /// without returning dL/dx, for callers that do not need it (a training step, whose input is
    /// data): layers may skip the work that only dL/dx needs, as PyTorch does for an input that
    /// does not require a gradient. The parameter gradients are those of `backward`.
    func accumulateParameterGradients(_ outputGradient: Tensor<Scalar>) throws
}

extension Layer {
    /// Default: `backward` with parameter gradients, dL/dx discarded.
    public func accumulateParameterGradients(_ outputGradient: Tensor<Scalar>) throws {
        _ = try backward(outputGradient, computingParameterGradients: true)
    }

    /// Returns dL/dx for the last `forward` and accumulates parameter gradients.
    public func backward(_ outputGradient: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try backward(outputGradient, computingParameterGradients: true)
    }
}

extension ParameterContainer {
    /// Default: no parameters.
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] { [] }

    /// Default: no buffers.
    public func bufferReferences() -> [(key: String, buffer: Buffer<Scalar>)] { [] }

    /// The trainable parameters in `state_dict` order, for optimizers.
    public func parameters() -> [Parameter<Scalar>] {
        parameterReferences().map(\.parameter)
    }

    /// Copies of the parameters as (PyTorch key, shape, values), in `state_dict` order.
    public func namedParameters() -> [NamedTensor<Scalar>] {
        parameterReferences().map {
            NamedTensor(key: $0.key, shape: $0.parameter.value.shape, values: $0.parameter.value.scalars)
        }
    }

    /// Copies of the buffers as (PyTorch key, shape, values), in `state_dict` order.
    /// `num_batches_tracked` has shape [] and holds the count as a scalar.
    public func namedBuffers() -> [NamedTensor<Scalar>] {
        bufferReferences().map {
            NamedTensor(key: $0.key, shape: $0.buffer.value.shape, values: $0.buffer.value.scalars)
        }
    }

    /// Replaces parameters and buffers by the named tensors with the same keys.
    /// - Parameter requiringAll: When true, every parameter and buffer must be present.
    /// - Throws: `NeuralError.unknownKey` for a key the model does not have,
    ///   `NeuralError.shapeMismatch` for a wrong shape, `NeuralError.missingKey` for an absent key.
    public func load(_ tensors: [NamedTensor<Scalar>], requiringAll: Bool = true) throws {
        let parameters = Dictionary(parameterReferences().map { ($0.key, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        let buffers = Dictionary(bufferReferences().map { ($0.key, $0.buffer) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        var updates: [() -> Void] = []
        for tensor in tensors {
            let value = try Tensor(shape: tensor.shape, scalars: tensor.values)
            if let parameter = parameters[tensor.key] {
                try value.checkShape(parameter.value.shape)
                updates.append { parameter.value = value }
            } else if let buffer = buffers[tensor.key] {
                try value.checkShape(buffer.value.shape)
                updates.append { buffer.value = value }
            } else {
                throw NeuralError.unknownKey(tensor.key)
            }
            seen.insert(tensor.key)
        }
        if requiringAll {
            for key in parameters.keys.sorted() + buffers.keys.sorted() where !seen.contains(key) {
                throw NeuralError.missingKey(key)
            }
        }
        updates.forEach { $0() }
    }

    /// Sets every parameter gradient to zero.
    public func zeroGradients() {
        for reference in parameterReferences() { reference.parameter.zeroGradient() }
    }

    /// Total number of trainable scalars.
    public var parameterCount: Int {
        parameterReferences().reduce(0) { $0 + $1.parameter.value.count }
    }
}

