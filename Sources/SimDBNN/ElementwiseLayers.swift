import SimDBCore

/// The rectifier `max(x, 0)`, element-wise on any shape.
public final class ReLU: Layer {
    private var cachedOutput: Tensor?

    /// Creates a rectifier.
    public init() {}

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let output = Tensor(shape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                Parallel.forEachChunk(x.count, workers: Parallel.workers(for: x.count, itemCost: 1)) { range, _ in
                    Kernels.relu(UnsafeBufferPointer(rebasing: x[range]), into: UnsafeMutableBufferPointer(rebasing: y[range]))
                }
            }
        }
        cachedOutput = training ? output : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let output = cachedOutput else {
            preconditionFailure("ReLU.backward called without a training-mode forward")
        }
        precondition(outputGradient.shape == output.shape, "ReLU: gradient shape mismatch")
        return Tensor(shape: output.shape) { dx in
            output.withUnsafeBufferPointer { y in
                outputGradient.withUnsafeBufferPointer { dy in
                    Parallel.forEachChunk(y.count, workers: Parallel.workers(for: y.count, itemCost: 1)) { range, _ in
                        Kernels.reluBackward(output: UnsafeBufferPointer(rebasing: y[range]),
                                             outputGradient: UnsafeBufferPointer(rebasing: dy[range]),
                                             into: UnsafeMutableBufferPointer(rebasing: dx[range]))
                    }
                }
            }
        }
    }
}

/// Reshapes `N×…` to `N×F` (F the product of the other extents); no copy.
public final class Flatten: Layer {
    private var inputShape: [Int] = []

    /// Creates a flattening layer.
    public init() {}

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.rank >= 1, "Flatten: input needs a batch dimension")
        let batch = input.shape[0]
        if training { inputShape = input.shape }
        return input.reshaped([batch, batch == 0 ? 0 : input.count / batch])
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        precondition(!inputShape.isEmpty, "Flatten.backward called without a training-mode forward")
        return outputGradient.reshaped(inputShape)
    }
}

/// Inverted dropout: in training, each scalar is zeroed with probability ``rate`` and the
/// survivors are scaled by `1 / (1 − rate)`, so inference (the identity) needs no rescaling.
///
/// The masks come from a seeded ``SimDBCore/SplitMix64`` owned by the layer, so a run is
/// reproducible from its seed; every training-mode forward draws a fresh mask.
public final class Dropout: Layer {
    /// The probability of zeroing a scalar, in `[0, 1)`.
    public let rate: Float
    private var generator: SplitMix64
    private var mask: [Float] = []
    private var shape: [Int] = []

    /// Creates a dropout layer.
    /// - Parameters:
    ///   - rate: the probability of dropping a scalar, in `[0, 1)`.
    ///   - seed: seeds the mask generator.
    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1)")
        self.rate = rate
        generator = SplitMix64(seed: seed)
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return input }
        shape = input.shape
        let count = input.count
        if mask.count != count { mask = [Float](repeating: 0, count: count) }
        let keep = 1 / (1 - rate)
        // A scalar survives when its 24-bit uniform u satisfies u ≥ rate.
        let threshold = UInt64((Double(rate) * 16_777_216).rounded(.up))
        var rng = generator
        mask.withUnsafeMutableBufferPointer { m in
            for i in 0..<count {
                m[i] = (rng.next() >> 40) >= threshold ? keep : 0
            }
        }
        generator = rng
        return Tensor(shape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                mask.withUnsafeBufferPointer { m in
                    for i in 0..<count {
                        y[i] = x[i] * m[i]
                    }
                }
            }
        }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        precondition(outputGradient.shape == shape, "Dropout: gradient shape mismatch (or no training forward)")
        return Tensor(shape: shape) { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                mask.withUnsafeBufferPointer { m in
                    for i in 0..<m.count {
                        dx[i] = dy[i] * m[i]
                    }
                }
            }
        }
    }
}

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
