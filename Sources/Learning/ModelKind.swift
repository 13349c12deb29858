/// Which of the paper's networks a model file holds (root attribute `model_kind`).
public enum ModelKind: String, Sendable, Codable, CaseIterable {
    /// The surrogate CNN, mask -> stress map (`SurrogateNetwork`).
    case surrogate
    /// The variational autoencoder of masks (`VariationalAutoencoder`).
    case vae
    /// The MNIST classifier (`MNISTClassifier`).
    case mnistClassifier = "mnist-classifier"
}
