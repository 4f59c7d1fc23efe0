/// A 2-D convolution over `N×C×H×W` batches: square `k×k` kernel, stride and zero padding
/// equal on both axes, a bias per output channel.
///
/// Each image is lowered with im2col to a `(C·k·k) × (OH·OW)` matrix and multiplied by the
/// `outChannels × (C·k·k)` weights with `cblas_sgemm`. Backward recomputes the columns (no
/// per-batch column cache) and uses two more products per image: `∂W += ∂Y · colᵀ` and
/// `∂col = Wᵀ · ∂Y`, which col2im folds back onto the input gradient. The images of a batch
/// are split across ``NNThreads`` workers, each with its own scratch columns and (in backward)
/// its own partial parameter gradients, summed in worker order at the end.
///
/// Weights are stored `outChannels × inChannels × k × k` (the PyTorch layout) and initialised
/// He-normal; biases start at zero.
public final class Conv2D: Layer {
    /// Input channels `C`.
    public let inChannels: Int
    /// Output channels (number of filters).
    public let outChannels: Int
    /// Kernel side `k`.
    public let kernelSize: Int
    /// Step between neighbouring output positions, on both axes.
    public let stride: Int
    /// Zeros added on every side of the input.
    public let padding: Int
    /// The filters, `outChannels × inChannels × k × k`; weight decay applies.
    public let weight: Parameter
    /// One bias per output channel; no weight decay.
    public let bias: Parameter
    /// Whether ``backward(_:)`` computes the input gradient. Set it to `false` on a network's
    /// first layer, whose input gradient nobody reads: `backward` then returns zeros and skips
    /// one matrix product and col2im per image.
    public var computesInputGradient = true

    private var cachedInput: Tensor?
    /// Per-worker scratch: column matrices, column gradients, and (workers 1…) partial
    /// parameter gradients.
    private var columns: [ScratchBuffer] = []
    private var columnGradients: [ScratchBuffer] = []
    private var partialGradients: [ScratchBuffer] = []

    /// Creates a convolution with He-normal weights and zero biases.
    /// - Parameters:
    ///   - inChannels: input channels, at least 1.
    ///   - outChannels: output channels, at least 1.
    ///   - kernelSize: kernel side, at least 1.
    ///   - stride: step between output positions, at least 1.
    ///   - padding: zeros added on each side, at least 0.
    ///   - generator: the seeded source for the weights.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        generator: inout GaussianGenerator
    ) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                     "Conv2D: invalid configuration")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let fanIn = inChannels * kernelSize * kernelSize
        weight = Parameter(
            name: "weight",
            value: Initialization.heNormal(
                shape: [outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn, generator: &generator),
            appliesWeightDecay: true)
        bias = Parameter(name: "bias", value: Tensor(zeros: [outChannels]), appliesWeightDecay: false)
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// The output shape for an input shape `N×C×H×W`.
    /// - Parameter inputShape: the input shape.
    /// - Returns: `N × outChannels × OH × OW`.
    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = geometry(for: inputShape)
        return [inputShape[0], outChannels, g.outHeight, g.outWidth]
    }

    private func geometry(for shape: [Int]) -> ConvGeometry {
        precondition(shape.count == 4 && shape[1] == inChannels,
                     "Conv2D: expected N×\(inChannels)×H×W input, got \(shape)")
        let g = ConvGeometry(channels: inChannels, height: shape[2], width: shape[3],
                             kernel: kernelSize, stride: stride, padding: padding)
        precondition(g.outHeight > 0 && g.outWidth > 0, "Conv2D: input \(shape) too small for the kernel")
        return g
    }

    private func reserveScratch(workers: Int) {
        while columns.count < workers {
            columns.append(ScratchBuffer())
            columnGradients.append(ScratchBuffer())
            partialGradients.append(ScratchBuffer())
        }
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let g = geometry(for: input.shape)
        let batch = input.shape[0], outChannels = outChannels
        let rows = g.columnRows, ohw = g.columnCount, outPlane = outChannels * ohw
        let workers = Parallel.workers(for: batch, itemCost: outPlane * rows)
        reserveScratch(workers: workers)
        let cols = (0..<workers).map { g.isIdentity ? nil : columns[$0].pointer(count: rows * ohw) }
        let filters = weight.value, biases = bias.value
        let output = Tensor(shape: [batch, outChannels, g.outHeight, g.outWidth]) { y in
            input.withUnsafeBufferPointer { x in
                filters.withUnsafeBufferPointer { w in
                    biases.withUnsafeBufferPointer { b in
                        guard let yBase = y.baseAddress, let xBase = x.baseAddress, let wBase = w.baseAddress
                        else { return }
                        Parallel.forEachChunk(batch, workers: workers) { images, worker in
                            for n in images {
                                let image = xBase + n * g.inputPlaneCount
                                let out = yBase + n * outPlane
                                for o in 0..<outChannels {
                                    (out + o * ohw).initialize(repeating: b[o], count: ohw)
                                }
                                let matrix = g.columnMatrix(of: image, scratch: cols[worker])
                                BLAS.sgemm(transposeA: false, transposeB: false, m: outChannels, n: ohw, k: rows,
                                           a: wBase, b: matrix, beta: 1, c: out)
                            }
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
            preconditionFailure("Conv2D.backward called without a training-mode forward")
        }
        let g = geometry(for: input.shape)
        let batch = input.shape[0], outChannels = outChannels
        let rows = g.columnRows, ohw = g.columnCount, outPlane = outChannels * ohw
        precondition(outputGradient.shape == [batch, outChannels, g.outHeight, g.outWidth],
                     "Conv2D: output gradient shape \(outputGradient.shape) does not match the output")
        let needInput = computesInputGradient
        let workers = Parallel.workers(for: batch, itemCost: 2 * outPlane * rows)
        reserveScratch(workers: workers)
        let cols = (0..<workers).map { g.isIdentity ? nil : columns[$0].pointer(count: rows * ohw) }
        let dCols = (0..<workers).map { needInput ? columnGradients[$0].pointer(count: rows * ohw) : nil }
        let weightCount = outChannels * rows
        // Worker 0 accumulates straight into the parameter gradients; the others into partials.
        let partials = (0..<workers).map { $0 == 0 ? nil : partialGradients[$0].pointer(count: weightCount + outChannels) }
        let filters = weight.value
        var inputGradient = Tensor(zeros: input.shape)

        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                filters.withUnsafeBufferPointer { w in
                    weight.gradient.withUnsafeMutableBufferPointer { dw in
                        bias.gradient.withUnsafeMutableBufferPointer { db in
                            inputGradient.withUnsafeMutableBufferPointer { dx in
                                guard let xBase = x.baseAddress, let dyBase = dy.baseAddress,
                                      let wBase = w.baseAddress, let dwBase = dw.baseAddress,
                                      let dbBase = db.baseAddress, let dxBase = dx.baseAddress else { return }
                                Parallel.forEachChunk(batch, workers: workers) { images, worker in
                                    var dW = dwBase, dB = dbBase
                                    if let partial = partials[worker] {
                                        partial.update(repeating: 0, count: weightCount + outChannels)
                                        dW = partial
                                        dB = partial + weightCount
                                    }
                                    for n in images {
                                        let image = xBase + n * g.inputPlaneCount
                                        let gradOut = dyBase + n * outPlane
                                        let matrix = g.columnMatrix(of: image, scratch: cols[worker])
                                        // ∂W (out × rows) += ∂Y (out × ohw) · colᵀ (ohw × rows)
                                        BLAS.sgemm(transposeA: false, transposeB: true, m: outChannels, n: rows, k: ohw,
                                                   a: gradOut, b: matrix, beta: 1, c: dW)
                                        for o in 0..<outChannels {
                                            dB[o] += Kernels.sum(gradOut + o * ohw, count: ohw)
                                        }
                                        guard let dColumns = dCols[worker] else { continue }
                                        let gradImage = dxBase + n * g.inputPlaneCount
                                        // ∂col (rows × ohw) = Wᵀ · ∂Y; for 1×1 kernels that is ∂X itself.
                                        let target = g.isIdentity ? gradImage : dColumns
                                        BLAS.sgemm(transposeA: true, transposeB: false, m: rows, n: ohw, k: outChannels,
                                                   a: wBase, b: gradOut, beta: 0, c: target)
                                        if !g.isIdentity {
                                            g.col2im(UnsafePointer(dColumns), addingInto: gradImage)
                                        }
                                    }
                                }
                                for case let partial? in partials {
                                    Kernels.add(UnsafePointer(partial), into: dwBase, count: weightCount)
                                    Kernels.add(UnsafePointer(partial + weightCount), into: dbBase, count: outChannels)
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
