import Neural

/// Per-sample gradients of a task loss with respect to latent codes, back through a frozen
/// decoder G and a frozen task model F.
///
/// For codes z_n and targets y_n: L = sum_n loss(F(G(z_n)), y_n) (summed, so row n of dL/dz is
/// d loss_n / d z_n); both models run in evaluation mode and no weight, buffer or parameter
/// gradient changes (`inputGradient(through:at:loss:)`). Computed in chunks of `chunkSize` codes.
/// - Parameters:
///   - generator: G, latent [N, d] -> model input (e.g. `VariationalAutoencoder.generativeModel`).
///   - model: F, the surrogate or classifier.
///   - latents: z_n, each of dimension d.
///   - loss: loss(F(G(z)), targets) for the rows `range` of the batch, with its gradient.
/// - Returns: dL/dz_n per sample, in Double.
public func latentLossGradients<Scalar: NeuralScalar>(
    generator: any Layer<Scalar>, model: any Layer<Scalar>, latents: [[Double]], chunkSize: Int = 128,
    loss: (_ output: Tensor<Scalar>, _ range: Range<Int>) throws -> LossResult<Scalar>
) throws(SamplingError) -> [[Double]] {
    guard let dimension = latents.first?.count else { return [] }
    guard latents.allSatisfy({ $0.count == dimension }) else { throw .mismatch("latent codes of different dimensions") }
    var gradients: [[Double]] = []
    gradients.reserveCapacity(latents.count)
    var start = 0
    while start < latents.count {
        let range = start..<min(latents.count, start + max(1, chunkSize))
        let flat = latents[range].flatMap { $0.map { Scalar($0) } }
        let result = try neural {
            let input = try Tensor<Scalar>(shape: [range.count, dimension], scalars: flat)
            return try inputGradient(through: [generator, model], at: input) { output in try loss(output, range) }
        }
        for row in 0..<range.count {
            gradients.append((0..<dimension).map { Double(result.gradient[row * dimension + $0]) })
        }
        start = range.upperBound
    }
    return gradients
}

/// Per-sample gradients of the squared error sum_i (F(G(z_n))_i - y_ni)^2 with respect to z_n
/// (the MSE of the paper up to the constant 1 / pixels, which the per-sample normalization of
/// the step removes). `targets[n]` is y_n in the model's output units, flattened.
public func squaredErrorLatentGradients<Scalar: NeuralScalar>(
    generator: any Layer<Scalar>, model: any Layer<Scalar>, latents: [[Double]], targets: [[Float]], chunkSize: Int = 128
) throws(SamplingError) -> [[Double]] {
    guard targets.count == latents.count else { throw .mismatch("\(latents.count) latent codes but \(targets.count) targets") }
    return try latentLossGradients(generator: generator, model: model, latents: latents, chunkSize: chunkSize) { output, range in
        let flat = targets[range].flatMap { $0.map { Scalar($0) } }
        let target = try Tensor<Scalar>(shape: output.shape, scalars: flat)
        return try meanSquaredError(prediction: output, target: target, reduction: .sum)
    }
}

/// Per-sample gradients of the cross-entropy -log softmax(F(G(z_n)))_{c_n} with respect to z_n,
/// for a classifier F returning logits [N, C] and classes c_n.
public func crossEntropyLatentGradients<Scalar: NeuralScalar>(
    generator: any Layer<Scalar>, model: any Layer<Scalar>, latents: [[Double]], classes: [Int], chunkSize: Int = 128
) throws(SamplingError) -> [[Double]] {
    guard classes.count == latents.count else { throw .mismatch("\(latents.count) latent codes but \(classes.count) classes") }
    return try latentLossGradients(generator: generator, model: model, latents: latents, chunkSize: chunkSize) { output, range in
        try softmaxCrossEntropy(logits: output, labels: Array(classes[range]), reduction: .sum)
    }
}
