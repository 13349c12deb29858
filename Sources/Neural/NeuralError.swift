/// Errors thrown by the Neural library. The library never prints or traps on bad input.
public enum NeuralError: Error, Equatable, Sendable {
    /// A tensor had the wrong shape. In `expected`, -1 stands for "any size" along that axis.
    case shapeMismatch(expected: [Int], actual: [Int])
    /// The number of scalars does not match the product of the shape.
    case countMismatch(expected: Int, actual: Int)
    /// A shape had a negative extent, or the output of an operation would be empty.
    case invalidShape([Int])
    /// An argument was out of its valid range; the string names the argument.
    case invalidArgument(String)
    /// `backward` was called without a preceding `forward`.
    case backwardBeforeForward(layer: String)
    /// A named tensor did not match any parameter or buffer of the model.
    case unknownKey(String)
    /// A parameter or buffer of the model was absent from the named tensors being loaded.
    case missingKey(String)
}
