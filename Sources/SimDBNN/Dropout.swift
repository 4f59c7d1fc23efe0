import SimDBCore

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
