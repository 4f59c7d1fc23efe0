/// Batch normalisation per channel (Ioffe & Szegedy 2015).
///
/// Accepts `N×C×H×W` batches (statistics over `N`, `H`, `W` for each channel: "2-D") and
/// `N×C` batches (statistics over `N` for each feature: "1-D"). In training mode it normalises
/// with the batch mean and biased variance and updates the running estimates
/// `running ← (1 − momentum)·running + momentum·batch` (the variance estimate unbiased, as in
/// PyTorch); in inference mode it uses the running estimates. Then `y = γ·x̂ + β` with learnable
/// ``gamma`` (starts at 1) and ``beta`` (starts at 0), neither subject to weight decay.
/// Channels are split across ``NNThreads`` workers.
public final class BatchNorm: Layer {
    /// Channels (or features) `C`.
    public let channels: Int
    /// Weight of the current batch in the running estimates.
    public let momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// The scale γ, one per channel.
    public let gamma: Parameter
    /// The shift β, one per channel.
    public let beta: Parameter
    /// The running mean used at inference, one per channel (starts at 0). Not a
    /// ``Parameter``: optimisers never touch it, but model files must save it.
    public var runningMean: Tensor
    /// The running variance used at inference, one per channel (starts at 1); saved like
    /// ``runningMean``.
    public var runningVariance: Tensor

    private var normalized: Tensor?
    private var inverseStd: [Float] = []

    /// Creates a batch normalisation layer.
    /// - Parameters:
    ///   - channels: channels of an `N×C×H×W` input or features of an `N×C` input.
    ///   - momentum: weight of each batch in the running estimates, in `[0, 1]`.
    ///   - epsilon: added to the variance, positive.
    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(channels > 0, "BatchNorm: channels must be positive")
        precondition(momentum >= 0 && momentum <= 1 && epsilon > 0, "BatchNorm: invalid momentum or epsilon")
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter(name: "gamma", value: Tensor(shape: [channels], repeating: 1), appliesWeightDecay: false)
        beta = Parameter(name: "beta", value: Tensor(zeros: [channels]), appliesWeightDecay: false)
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
    }

    public var parameters: [Parameter] { [gamma, beta] }

    /// `(N, S)`: batch size and spatial positions per channel (1 for `N×C`).
    private func layout(of shape: [Int]) -> (batch: Int, spatial: Int) {
        precondition((shape.count == 2 || shape.count == 4) && shape[1] == channels,
                     "BatchNorm: expected N×\(channels) or N×\(channels)×H×W input, got \(shape)")
        return (shape[0], shape.count == 4 ? shape[2] * shape[3] : 1)
    }

    /// Runs `body(channel)` for every channel, channels split across workers.
    private func forEachChannel(batch: Int, spatial: Int, _ body: (Int) -> Void) {
        let workers = Parallel.workers(for: channels, itemCost: 4 * batch * spatial)
        Parallel.forEachChunk(channels, workers: workers) { chunk, _ in
            for c in chunk { body(c) }
        }
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let (batch, spatial) = layout(of: input.shape)
        guard training else { return infer(input, batch: batch, spatial: spatial) }
        let channels = channels, eps = epsilon, stride = channels * spatial
        let m = batch * spatial
        precondition(m > 0, "BatchNorm: empty batch in training mode")
        var means = [Float](repeating: 0, count: channels), variances = means
        if inverseStd.count != channels { inverseStd = means }
        let g = gamma.value, b = beta.value
        var xHat = Tensor(zeros: [])
        let output = Tensor(shape: input.shape) { y in
            xHat = Tensor(shape: input.shape) { h in
                input.withUnsafeBufferPointer { x in
                    means.withUnsafeMutableBufferPointer { meanOut in
                        variances.withUnsafeMutableBufferPointer { varianceOut in
                            inverseStd.withUnsafeMutableBufferPointer { invOut in
                                g.withUnsafeBufferPointer { gp in
                                    b.withUnsafeBufferPointer { bp in
                                        guard let xBase = x.baseAddress, let hBase = h.baseAddress,
                                              let yBase = y.baseAddress else { return }
                                        forEachChannel(batch: batch, spatial: spatial) { c in
                                            var sum: Double = 0
                                            for n in 0..<batch {
                                                sum += Double(Kernels.sum(xBase + n * stride + c * spatial, count: spatial))
                                            }
                                            let mean = Float(sum / Double(m))
                                            var squares: Double = 0
                                            for n in 0..<batch {
                                                squares += Double(Kernels.sumSquaredDeviations(
                                                    xBase + n * stride + c * spatial, count: spatial, mean: mean))
                                            }
                                            let variance = Float(squares / Double(m))
                                            let inv = 1 / (variance + eps).squareRoot()
                                            meanOut[c] = mean
                                            varianceOut[c] = variance
                                            invOut[c] = inv
                                            let scale = gp[c], shift = bp[c]
                                            for n in 0..<batch {
                                                let offset = n * stride + c * spatial
                                                let xs = xBase + offset, hs = hBase + offset, ys = yBase + offset
                                                for i in 0..<spatial {
                                                    let v = (xs[i] - mean) * inv
                                                    hs[i] = v
                                                    ys[i] = v * scale + shift
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        normalized = xHat
        let unbias: Float = m > 1 ? Float(m) / Float(m - 1) : 1
        let mom = momentum
        for c in 0..<channels {
            runningMean[flat: c] = (1 - mom) * runningMean[flat: c] + mom * means[c]
            runningVariance[flat: c] = (1 - mom) * runningVariance[flat: c] + mom * variances[c] * unbias
        }
        return output
    }

    /// `y = γ·(x − running mean)/√(running variance + ε) + β`.
    private func infer(_ input: Tensor, batch: Int, spatial: Int) -> Tensor {
        let g = gamma.value.scalars, b = beta.value.scalars
        let mean = runningMean.scalars, variance = runningVariance.scalars
        precondition(mean.count == channels && variance.count == channels, "BatchNorm: running statistics resized")
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            scale[c] = g[c] / (variance[c] + epsilon).squareRoot()
            shift[c] = b[c] - mean[c] * scale[c]
        }
        let stride = channels * spatial
        return Tensor(shape: input.shape) { y in
            input.withUnsafeBufferPointer { x in
                guard let xBase = x.baseAddress, let yBase = y.baseAddress else { return }
                forEachChannel(batch: batch, spatial: spatial) { c in
                    let a = scale[c], d = shift[c]
                    for n in 0..<batch {
                        let xs = xBase + n * stride + c * spatial, ys = yBase + n * stride + c * spatial
                        for i in 0..<spatial {
                            ys[i] = xs[i] * a + d
                        }
                    }
                }
            }
        }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let xHat = normalized else {
            preconditionFailure("BatchNorm.backward called without a training-mode forward")
        }
        precondition(outputGradient.shape == xHat.shape, "BatchNorm: gradient shape mismatch")
        let (batch, spatial) = layout(of: xHat.shape)
        let stride = channels * spatial, m = Float(batch * spatial)
        let g = gamma.value, invStd = inverseStd
        // ∂x = γ·σ⁻¹ · (∂y − mean(∂y) − x̂·mean(∂y·x̂));  ∂γ += Σ ∂y·x̂;  ∂β += Σ ∂y
        return Tensor(shape: xHat.shape) { dx in
            xHat.withUnsafeBufferPointer { h in
                outputGradient.withUnsafeBufferPointer { dy in
                    g.withUnsafeBufferPointer { gp in
                        gamma.gradient.withUnsafeMutableBufferPointer { dGamma in
                            beta.gradient.withUnsafeMutableBufferPointer { dBeta in
                                guard let hBase = h.baseAddress, let dyBase = dy.baseAddress,
                                      let dxBase = dx.baseAddress else { return }
                                forEachChannel(batch: batch, spatial: spatial) { c in
                                    var sumDy: Float = 0, sumDyXHat: Float = 0
                                    for n in 0..<batch {
                                        let offset = n * stride + c * spatial
                                        let (s, d) = Kernels.sumAndDot(dyBase + offset, hBase + offset, count: spatial)
                                        sumDy += s
                                        sumDyXHat += d
                                    }
                                    dGamma[c] += sumDyXHat
                                    dBeta[c] += sumDy
                                    let k = gp[c] * invStd[c], meanDy = sumDy / m, meanDyXHat = sumDyXHat / m
                                    for n in 0..<batch {
                                        let offset = n * stride + c * spatial
                                        let hs = hBase + offset, gs = dyBase + offset, ds = dxBase + offset
                                        for i in 0..<spatial {
                                            ds[i] = k * (gs[i] - meanDy - hs[i] * meanDyXHat)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
