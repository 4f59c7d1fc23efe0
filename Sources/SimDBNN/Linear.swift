/// A fully connected layer: `Y = X · Wᵀ + b` for an `N × inFeatures` batch.
///
/// Weights are stored `outFeatures × inFeatures` (the PyTorch layout) and initialised
/// He-normal; biases start at zero. Forward and both backward products are `cblas_sgemm`
/// calls over the whole batch (split into row blocks across ``NNThreads`` workers).
public final class Linear: Layer {
    /// Input features.
    public let inFeatures: Int
    /// Output features.
    public let outFeatures: Int
    /// `outFeatures × inFeatures`; weight decay applies.
    public let weight: Parameter
    /// One bias per output feature; no weight decay.
    public let bias: Parameter

    private var cachedInput: Tensor?

    /// Creates a fully connected layer with He-normal weights and zero biases.
    /// - Parameters:
    ///   - inFeatures: input features, at least 1.
    ///   - outFeatures: output features, at least 1.
    ///   - generator: the seeded source for the weights.
    public init(inFeatures: Int, outFeatures: Int, generator: inout GaussianGenerator) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear: feature counts must be positive")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(
            name: "weight",
            value: Initialization.heNormal(shape: [outFeatures, inFeatures], fanIn: inFeatures, generator: &generator),
            appliesWeightDecay: true)
        bias = Parameter(name: "bias", value: Tensor(zeros: [outFeatures]), appliesWeightDecay: false)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.rank == 2 && input.shape[1] == inFeatures,
                     "Linear: expected N×\(inFeatures) input, got \(input.shape)")
        let batch = input.shape[0], inFeatures = inFeatures, outFeatures = outFeatures
        let w = weight.value, b = bias.value
        let workers = Parallel.workers(for: batch, itemCost: inFeatures * outFeatures)
        let output = Tensor(shape: [batch, outFeatures]) { y in
            input.withUnsafeBufferPointer { x in
                w.withUnsafeBufferPointer { wp in
                    b.withUnsafeBufferPointer { bias in
                        guard let yBase = y.baseAddress, let xBase = x.baseAddress, let wBase = wp.baseAddress,
                              let biasBase = bias.baseAddress else { return }
                        Parallel.forEachChunk(batch, workers: workers) { rows, _ in
                            for n in rows {
                                (yBase + n * outFeatures).initialize(from: biasBase, count: outFeatures)
                            }
                            // Y[rows] += X[rows] · Wᵀ
                            BLAS.sgemm(transposeA: false, transposeB: true, m: rows.count, n: outFeatures, k: inFeatures,
                                       a: xBase + rows.lowerBound * inFeatures, b: wBase, beta: 1,
                                       c: yBase + rows.lowerBound * outFeatures)
                        }
                    }
                }
            }
        }
        cachedInput = training ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let input = cachedInput else {
            preconditionFailure("Linear.backward called without a training-mode forward")
        }
        let batch = input.shape[0], inFeatures = inFeatures, outFeatures = outFeatures
        precondition(outputGradient.shape == [batch, outFeatures], "Linear: gradient shape mismatch")
        let w = weight.value
        let parameterWorkers = Parallel.workers(for: outFeatures, itemCost: batch * inFeatures)
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    bias.gradient.withUnsafeMutableBufferPointer { db in
                        guard let xBase = x.baseAddress, let dyBase = dy.baseAddress, let dwBase = dw.baseAddress,
                              let dbBase = db.baseAddress else { return }
                        Parallel.forEachChunk(outFeatures, workers: parameterWorkers) { outputs, _ in
                            // ∂W[outputs] (o × in) += ∂Y[:, outputs]ᵀ (o × N) · X (N × in)
                            BLAS.sgemm(transposeA: true, transposeB: false, m: outputs.count, n: inFeatures, k: batch,
                                       a: dyBase + outputs.lowerBound, lda: outFeatures, b: xBase, beta: 1,
                                       c: dwBase + outputs.lowerBound * inFeatures)
                            for n in 0..<batch {
                                for o in outputs {
                                    dbBase[o] += dyBase[n * outFeatures + o]
                                }
                            }
                        }
                    }
                }
            }
        }
        let inputWorkers = Parallel.workers(for: batch, itemCost: inFeatures * outFeatures)
        return Tensor(shape: [batch, inFeatures]) { dx in
            outputGradient.withUnsafeBufferPointer { dy in
                w.withUnsafeBufferPointer { wp in
                    guard let dxBase = dx.baseAddress, let dyBase = dy.baseAddress, let wBase = wp.baseAddress
                    else { return }
                    Parallel.forEachChunk(batch, workers: inputWorkers) { rows, _ in
                        // ∂X[rows] (r × in) = ∂Y[rows] (r × out) · W (out × in)
                        BLAS.sgemm(transposeA: false, transposeB: false, m: rows.count, n: inFeatures, k: outFeatures,
                                   a: dyBase + rows.lowerBound * outFeatures, b: wBase, beta: 0,
                                   c: dxBase + rows.lowerBound * inFeatures)
                    }
                }
            }
        }
    }
}
