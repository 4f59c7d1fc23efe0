@testable import SimDBNN

/// Finite-difference gradient checking in `Float` arithmetic.
///
/// The scalar loss is `L = Σ output ⊙ R` for a fixed random `R`, so `∂L/∂output = R`. The
/// analytic gradients come from one training-mode forward and `backward(R)`; the numeric ones
/// from central differences `(L(θ + ε) − L(θ − ε)) / 2ε`, one scalar at a time (every scalar of
/// small tensors, a fixed random subset of larger ones).
enum GradientCheck {
    /// Relative error `‖a − n‖ / max(‖a‖, ‖n‖)` for each checked tensor, keyed by name
    /// (`"input"` and each parameter's name, prefixed by its index in `layer.parameters`).
    static func relativeErrors(
        layer: any Layer, input: Tensor, epsilon: Float = 1e-2, maxChecksPerTensor: Int = 60, seed: UInt64 = 7
    ) -> [String: Float] {
        var gaussian = GaussianGenerator(seed: seed)
        let probe = layer.forward(input, training: true)
        let weights = Tensor.randomNormal(shape: probe.shape, generator: &gaussian)
        layer.zeroGradients()
        _ = layer.forward(input, training: true)
        let inputGradient = layer.backward(weights)

        func loss(_ x: Tensor) -> Float {
            let y = layer.forward(x, training: true)
            var total: Float = 0
            for i in 0..<y.count { total += y[flat: i] * weights[flat: i] }
            return total
        }

        var picker = GaussianGenerator(seed: seed &+ 1)
        func indices(_ count: Int) -> [Int] {
            if count <= maxChecksPerTensor { return Array(0..<count) }
            var chosen = Set<Int>()
            while chosen.count < maxChecksPerTensor {
                chosen.insert(Int(picker.uniformSource.next() % UInt64(count)))
            }
            return chosen.sorted()
        }

        var errors: [String: Float] = [:]
        // Input gradient.
        var analytic: [Float] = [], numeric: [Float] = []
        var x = input
        for i in indices(input.count) {
            let original = x[flat: i]
            x[flat: i] = original + epsilon
            let plus = loss(x)
            x[flat: i] = original - epsilon
            let minus = loss(x)
            x[flat: i] = original
            analytic.append(inputGradient[flat: i])
            numeric.append((plus - minus) / (2 * epsilon))
        }
        errors["input"] = relativeError(analytic, numeric)

        // Parameter gradients.
        for (index, parameter) in layer.parameters.enumerated() {
            let gradient = parameter.gradient
            analytic = []
            numeric = []
            for i in indices(parameter.value.count) {
                let original = parameter.value[flat: i]
                parameter.value[flat: i] = original + epsilon
                let plus = loss(input)
                parameter.value[flat: i] = original - epsilon
                let minus = loss(input)
                parameter.value[flat: i] = original
                analytic.append(gradient[flat: i])
                numeric.append((plus - minus) / (2 * epsilon))
            }
            errors["\(index).\(parameter.name)"] = relativeError(analytic, numeric)
        }
        return errors
    }

    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        var diff: Float = 0, na: Float = 0, nb: Float = 0
        for (x, y) in zip(a, b) {
            diff += (x - y) * (x - y)
            na += x * x
            nb += y * y
        }
        let scale = max(na.squareRoot(), nb.squareRoot())
        return scale == 0 ? 0 : diff.squareRoot() / scale
    }
}

/// Small deterministic tensors for tests.
enum Fixtures {
    static func normal(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
        var g = GaussianGenerator(seed: seed)
        return Tensor.randomNormal(shape: shape, standardDeviation: std, generator: &g)
    }

    /// Values whose magnitudes stay at least `gap` away from zero (safe around ReLU's kink).
    static func awayFromZero(_ shape: [Int], seed: UInt64, gap: Float = 0.1) -> Tensor {
        var t = normal(shape, seed: seed)
        for i in 0..<t.count {
            let v = t[flat: i]
            t[flat: i] = v >= 0 ? v + gap : v - gap
        }
        return t
    }

    /// A random permutation of evenly spaced values (all distinct, `spacing` apart): no ties
    /// inside a pooling window, and no maximum changes under perturbations below `spacing / 2`.
    static func distinct(_ shape: [Int], seed: UInt64, spacing: Float = 0.05) -> Tensor {
        let count = shape.reduce(1, *)
        var values = (0..<count).map { Float($0) * spacing - Float(count) * spacing / 2 }
        var g = GaussianGenerator(seed: seed)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(g.uniformSource.next() % UInt64(i + 1))
            values.swapAt(i, j)
        }
        return Tensor(shape: shape, scalars: values)
    }
}

/// Runs `body` with `workers` engine threads, parallelising even the tiny tensors of the tests.
func withWorkers<R>(_ workers: Int, _ body: () throws -> R) throws -> R {
    try NNThreads.withThreads(workers) {
        try Parallel.$minimumWorkPerWorker.withValue(1, operation: body)
    }
}
