@testable import Neural
import Testing

/// Central finite-difference checking in Double.
enum GradientCheck {
    static let step = 1e-5

    /// Expects the input and every parameter gradient of `layer` at `input` within `tolerance` of
    /// central finite differences (relative error), naming the parameter that is off.
    static func expectAccurate(_ layer: some Layer<Double>, input: Tensor<Double>, tolerance: Double = 1e-6,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let errors = try check(layer, input: input)
        #expect(errors.input < tolerance, "input gradient error \(errors.input)", sourceLocation: sourceLocation)
        for (key, error) in errors.parameters {
            #expect(error < tolerance, "\(key) gradient error \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Relative error ||a - b|| / max(||a|| + ||b||, 1e-12) over paired values.
    static func relativeError(_ analytic: [Double], _ numeric: [Double]) -> Double {
        var difference = 0.0, sizeA = 0.0, sizeB = 0.0
        for (a, b) in zip(analytic, numeric) {
            difference += (a - b) * (a - b)
            sizeA += a * a
            sizeB += b * b
        }
        // A gradient that is zero analytically (e.g. a bias before BatchNorm) compares as noise.
        if max(sizeA, sizeB).squareRoot() < 1e-8 { return difference.squareRoot() }
        return difference.squareRoot() / max(sizeA.squareRoot() + sizeB.squareRoot(), 1e-12)
    }

    /// Up to `limit` indices in 0..<count, spread deterministically.
    static func indices(count: Int, limit: Int = 40) -> [Int] {
        if count <= limit { return Array(0..<count) }
        var generator = SeededGenerator(seed: UInt64(count))
        return (0..<limit).map { _ in Int(generator.next() % UInt64(count)) }
    }

    /// Checks dL/dx and dL/dtheta of L = sum(layer(x) * R) for a random projection R.
    /// Returns the relative errors of the input gradient and of each parameter's gradient.
    static func check(
        _ layer: some Layer<Double>, input: Tensor<Double>, seed: UInt64 = 7
    ) throws -> (input: Double, parameters: [String: Double]) {
        var generator = SeededGenerator(seed: seed)
        let output = try layer.forward(input)
        let projection = Tensor<Double>.randomUniform(shape: output.shape, in: -1..<1, generator: &generator)
        func loss(_ x: Tensor<Double>) throws -> Double {
            let y = try layer.forward(x)
            return zip(y.scalars, projection.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
        layer.zeroGradients()
        _ = try layer.forward(input)
        let inputGradient = try layer.backward(projection)
        let analyticParameters = layer.parameterReferences().map { ($0.key, $0.parameter.gradient) }

        var analytic: [Double] = [], numeric: [Double] = []
        for i in indices(count: input.count) {
            var plus = input, minus = input
            plus[i] += step
            minus[i] -= step
            analytic.append(inputGradient[i])
            numeric.append((try loss(plus) - loss(minus)) / (2 * step))
        }
        let inputError = relativeError(analytic, numeric)

        var parameterErrors: [String: Double] = [:]
        for (reference, (key, gradient)) in zip(layer.parameterReferences(), analyticParameters) {
            let parameter = reference.parameter
            var a: [Double] = [], n: [Double] = []
            for i in indices(count: parameter.value.count) {
                let original = parameter.value[i]
                parameter.value[i] = original + step
                let lossPlus = try loss(input)
                parameter.value[i] = original - step
                let lossMinus = try loss(input)
                parameter.value[i] = original
                a.append(gradient[i])
                n.append((lossPlus - lossMinus) / (2 * step))
            }
            parameterErrors[key] = relativeError(a, n)
        }
        return (inputError, parameterErrors)
    }

    /// Checks d(loss)/d(input) of a scalar function against its claimed gradient.
    static func checkFunction(
        at input: Tensor<Double>, gradient: Tensor<Double>, value: (Tensor<Double>) throws -> Double
    ) rethrows -> Double {
        var analytic: [Double] = [], numeric: [Double] = []
        for i in indices(count: input.count, limit: 60) {
            var plus = input, minus = input
            plus[i] += step
            minus[i] -= step
            analytic.append(gradient[i])
            numeric.append((try value(plus) - value(minus)) / (2 * step))
        }
        return relativeError(analytic, numeric)
    }

    static func random(_ shape: [Int], seed: UInt64, in range: Range<Double> = -1..<1) -> Tensor<Double> {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randomUniform(shape: shape, in: range, generator: &generator)
    }
}
