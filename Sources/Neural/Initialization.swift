/// PyTorch-like default initialisation from a seeded generator.
///
/// `kaiming_uniform_(a = sqrt(5))` gives the bound gain * sqrt(3 / fanIn) with
/// gain = sqrt(2 / (1 + a^2)), i.e. bound = 1 / sqrt(fanIn); biases use the same bound.
/// Values are drawn as Double in [-bound, bound) and converted, so Float and Double models
/// with the same seed hold the same numbers up to rounding.
enum Initialization {
    /// Tensor of uniform values in [-bound, bound) with bound = 1 / sqrt(fanIn).
    static func uniform<Scalar: NeuralScalar>(shape: [Int], fanIn: Int, generator: inout SeededGenerator) -> Tensor<Scalar> {
        let bound = 1 / Double(max(fanIn, 1)).squareRoot()
        return Tensor.randomUniform(shape: shape, in: -bound..<bound, generator: &generator)
    }
}
