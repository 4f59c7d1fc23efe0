/// Scales every row of an `N×F` batch to unit Euclidean length: `y = x / √(‖x‖² + ε)`.
///
/// The ε keeps the map smooth (and finite) at `x = 0`. Backward uses
/// `∂x = (∂y − y·(y·∂y)) / √(‖x‖² + ε)`.
public final class L2Normalize: Layer {
    /// Added to the squared norm before the square root.
    public let epsilon: Float
    private var cachedOutput: Tensor?
    private var norms: [Float] = []

    /// Creates a row normalisation.
    /// - Parameter epsilon: added to each squared norm, positive.
    public init(epsilon: Float = 1e-12) {
        precondition(epsilon > 0, "L2Normalize: epsilon must be positive")
        self.epsilon = epsilon
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.rank == 2, "L2Normalize: expected N×F input, got \(input.shape)")
        let rows = input.shape[0], cols = input.shape[1], eps = epsilon
        if norms.count != rows { norms = [Float](repeating: 0, count: rows) }
        let output = Tensor(shape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                norms.withUnsafeMutableBufferPointer { nrm in
                    for r in 0..<rows {
                        var sum: Float = 0
                        for c in 0..<cols {
                            let v = x[r * cols + c]
                            sum += v * v
                        }
                        let n = (sum + eps).squareRoot()
                        nrm[r] = n
                        let inv = 1 / n
                        for c in 0..<cols {
                            y[r * cols + c] = x[r * cols + c] * inv
                        }
                    }
                }
            }
        }
        cachedOutput = training ? output : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let output = cachedOutput else {
            preconditionFailure("L2Normalize.backward called without a training-mode forward")
        }
        precondition(outputGradient.shape == output.shape, "L2Normalize: gradient shape mismatch")
        let rows = output.shape[0], cols = output.shape[1]
        return Tensor(shape: output.shape) { dx in
            output.withUnsafeBufferPointer { y in
                outputGradient.withUnsafeBufferPointer { dy in
                    norms.withUnsafeBufferPointer { nrm in
                        for r in 0..<rows {
                            var dot: Float = 0
                            for c in 0..<cols {
                                dot += y[r * cols + c] * dy[r * cols + c]
                            }
                            let inv = 1 / nrm[r]
                            for c in 0..<cols {
                                dx[r * cols + c] = (dy[r * cols + c] - y[r * cols + c] * dot) * inv
                            }
                        }
                    }
                }
            }
        }
    }
}
