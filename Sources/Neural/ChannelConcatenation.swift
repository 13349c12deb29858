/// Concatenation of two NCHW tensors along the channel axis (PyTorch `torch.cat([a, b], dim=1)`)
/// and its adjoint.
///
/// Forward: y[n, c] = a[n, c] for c < C_a, y[n, C_a + c] = b[n, c] for c < C_b, so y has shape
/// [N, C_a + C_b, H, W]. Backward: dL/da = dL/dy[:, ..<C_a], dL/db = dL/dy[:, C_a...].
public enum ChannelConcatenation {
    /// [a, b] along the channels; a and b must agree in N, H and W.
    /// - Throws: `NeuralError.shapeMismatch` when they do not, or are not rank 4.
    public static func concatenate<Scalar: NeuralScalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try a.checkShape([-1, -1, -1, -1])
        try b.checkShape([a.shape[0], -1, a.shape[2], a.shape[3]])
        let (batch, first, second) = (a.shape[0], a.shape[1], b.shape[1])
        let plane = a.shape[2] * a.shape[3]
        return Tensor(shape: [batch, first + second, a.shape[2], a.shape[3]]) { y in
            a.scalars.withBase { x in
                b.scalars.withBase { z in
                    for n in 0..<batch {
                        let target = y + n * (first + second) * plane
                        target.update(from: x + n * first * plane, count: first * plane)
                        (target + first * plane).update(from: z + n * second * plane, count: second * plane)
                    }
                }
            }
        }
    }

    /// Splits dL/dy of shape [N, C_a + C_b, H, W] into (dL/da [N, C_a, H, W], dL/db [N, C_b, H, W]).
    /// - Throws: `NeuralError.shapeMismatch` unless the gradient is rank 4 with more than
    ///   `firstChannels` channels.
    public static func split<Scalar: NeuralScalar>(
        _ gradient: Tensor<Scalar>, firstChannels first: Int
    ) throws -> (first: Tensor<Scalar>, second: Tensor<Scalar>) {
        try gradient.checkShape([-1, -1, -1, -1])
        guard first > 0, first < gradient.shape[1] else {
            throw NeuralError.shapeMismatch(expected: [-1, first + 1, -1, -1], actual: gradient.shape)
        }
        let (batch, total) = (gradient.shape[0], gradient.shape[1])
        let second = total - first
        let (height, width) = (gradient.shape[2], gradient.shape[3])
        let plane = height * width
        let a = Tensor<Scalar>(shape: [batch, first, height, width]) { y in
            gradient.scalars.withBase { g in
                for n in 0..<batch { (y + n * first * plane).update(from: g + n * total * plane, count: first * plane) }
            }
        }
        let b = Tensor<Scalar>(shape: [batch, second, height, width]) { y in
            gradient.scalars.withBase { g in
                for n in 0..<batch {
                    (y + n * second * plane).update(from: g + (n * total + first) * plane, count: second * plane)
                }
            }
        }
        return (a, b)
    }
}
