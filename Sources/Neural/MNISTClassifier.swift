/// The paper's MNIST classifier (LeNet-style): 28 x 28 digit images -> 10 class logits.
///
/// conv 5 x 5 (1 -> 20) -> max pool 2 -> conv 5 x 5 (20 -> 50) -> max pool 2 -> flatten (800)
/// -> linear 800 -> 500 -> ReLU -> linear 500 -> 10. Sizes: 28 -> 24 -> 12 -> 8 -> 4; 50 * 4 * 4 = 800.
/// Train with `softmaxCrossEntropy(logits:labels:)`.
///
/// PyTorch equivalent (state_dict keys "features.0.weight", "features.2.weight",
/// "classifier.0.weight", "classifier.2.weight" and biases):
/// ```
/// self.features = nn.Sequential(nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.MaxPool2d(2))
/// self.classifier = nn.Sequential(nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
/// def forward(self, x): return self.classifier(self.features(x).flatten(1))
/// ```
public final class MNISTClassifier<Scalar: NeuralScalar>: Layer {
    /// [N, 1, 28, 28] -> [N, 50, 4, 4].
    public let features: Sequential<Scalar>
    /// [N, 800] -> [N, 10] logits.
    public let classifier: Sequential<Scalar>
    private let body: Sequential<Scalar>

    /// Training or evaluation (no layer depends on it).
    public var mode: LayerMode {
        get { body.mode }
        set { body.mode = newValue }
    }

    /// Creates the classifier with seeded PyTorch-default initialisation, layers drawn in key order.
    public init(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        // Valid constant sizes: the throwing initialisers cannot fail.
        features = Sequential([
            try! Conv2d(inputChannels: 1, outputChannels: 20, kernelSize: 5, generator: &generator),
            try! MaxPool2d(kernelSize: 2),
            try! Conv2d(inputChannels: 20, outputChannels: 50, kernelSize: 5, generator: &generator),
            try! MaxPool2d(kernelSize: 2),
        ])
        classifier = Sequential([
            Linear(inputSize: 800, outputSize: 500, generator: &generator), ReLU(),
            Linear(inputSize: 500, outputSize: 10, generator: &generator),
        ])
        body = Sequential(named: [
            (name: "features", layer: features), (name: "flatten", layer: Flatten()), (name: "classifier", layer: classifier),
        ])
    }

    /// Logits [N, 10] for images [N, 1, 28, 28].
    public func forward(_ input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try input.checkShape([-1, 1, 28, 28])
        return try body.forward(input)
    }

    /// Back-propagates through classifier, flatten and features.
    public func backward(_ outputGradient: Tensor<Scalar>, computingParameterGradients: Bool) throws -> Tensor<Scalar> {
        try body.backward(outputGradient, computingParameterGradients: computingParameterGradients)
    }

    /// "features.<i>.*" and "classifier.<i>.*".
    public func parameterReferences() -> [(key: String, parameter: Parameter<Scalar>)] { body.parameterReferences() }
}
