/// Max-pooling over `k×k` windows of every channel of an `N×C×H×W` batch (no padding; a
/// partial window at the bottom or right edge is dropped, as in PyTorch's default).
///
/// Training-mode forward stores, for every output, the position of a maximum inside its
/// input plane; backward routes each output gradient to that position (adding when windows
/// overlap).
public final class MaxPool2D: Layer {
    /// Window side.
    public let kernelSize: Int
    /// Step between windows.
    public let stride: Int

    private var inputShape: [Int] = []
    private var argmax: [Int32] = []

    /// Creates a max-pooling layer.
    /// - Parameters:
    ///   - kernelSize: window side, at least 1.
    ///   - stride: step between windows, at least 1; defaults to `kernelSize` (non-overlapping).
    public init(kernelSize: Int, stride: Int? = nil) {
        let stride = stride ?? kernelSize
        precondition(kernelSize > 0 && stride > 0, "MaxPool2D: kernel and stride must be positive")
        self.kernelSize = kernelSize
        self.stride = stride
    }

    /// The output shape for an input shape `N×C×H×W`.
    /// - Parameter inputShape: the input shape.
    /// - Returns: `N × C × OH × OW`.
    public func outputShape(for inputShape: [Int]) -> [Int] {
        precondition(inputShape.count == 4, "MaxPool2D: expected N×C×H×W input, got \(inputShape)")
        let oh = (inputShape[2] - kernelSize) / stride + 1
        let ow = (inputShape[3] - kernelSize) / stride + 1
        precondition(inputShape[2] >= kernelSize && inputShape[3] >= kernelSize,
                     "MaxPool2D: input \(inputShape) smaller than the window")
        return [inputShape[0], inputShape[1], oh, ow]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let outShape = outputShape(for: input.shape)
        let planes = outShape[0] * outShape[1]
        let height = input.shape[2], width = input.shape[3]
        let outHeight = outShape[2], outWidth = outShape[3]
        let k = kernelSize, s = stride
        precondition(height * width <= Int(Int32.max), "MaxPool2D: plane too large")
        let outCount = planes * outHeight * outWidth
        if training {
            if argmax.count != outCount { argmax = [Int32](repeating: 0, count: outCount) }
        }
        let record = training
        let output = Tensor(shape: outShape) { y in
            argmax.withUnsafeMutableBufferPointer { indices in
                input.withUnsafeBufferPointer { x in
                    guard let xBase = x.baseAddress, let yBase = y.baseAddress else { return }
                    let indexBase = record ? indices.baseAddress : nil
                    let inPlane = height * width, outPlane = outHeight * outWidth
                    Parallel.forEachChunk(planes, workers: Parallel.workers(for: planes, itemCost: inPlane)) { chunk, _ in
                        for p in chunk {
                            Self.poolPlane(xBase + p * inPlane, height: height, width: width, kernel: k, stride: s,
                                           into: yBase + p * outPlane, outHeight: outHeight, outWidth: outWidth,
                                           indices: indexBase.map { $0 + p * outPlane })
                        }
                    }
                }
            }
        }
        if training { inputShape = input.shape }
        return output
    }

    /// Pools one plane; writes each maximum's in-plane offset when `indices` is set.
    private static func poolPlane(
        _ plane: UnsafePointer<Float>, height: Int, width: Int, kernel k: Int, stride s: Int,
        into out: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int, indices: UnsafeMutablePointer<Int32>?
    ) {
        for oh in 0..<outHeight {
            let top = oh * s
            if k == 2 && s == 2 {
                pool2x2Row(plane + top * width, width: width, outWidth: outWidth, into: out + oh * outWidth,
                           indices: indices.map { $0 + oh * outWidth }, indexBase: Int32(truncatingIfNeeded: top * width))
                continue
            }
            for ow in 0..<outWidth {
                let left = ow * s
                var best = plane[top * width + left]
                var bestIndex = top * width + left
                for ki in 0..<k {
                    let line = (top + ki) * width + left
                    for kj in 0..<k where plane[line + kj] > best {
                        best = plane[line + kj]
                        bestIndex = line + kj
                    }
                }
                out[oh * outWidth + ow] = best
                indices?[oh * outWidth + ow] = Int32(truncatingIfNeeded: bestIndex)
            }
        }
    }

    /// One output row of 2×2, stride-2 pooling, four outputs per SIMD step: vertical maximum
    /// first (the lower row wins only if strictly greater), then horizontal (the right column wins
    /// only if strictly greater). Writes the in-plane offset of each maximum when `indices` is set.
    @inline(__always)
    private static func pool2x2Row(
        _ r0: UnsafePointer<Float>, width: Int, outWidth: Int, into out: UnsafeMutablePointer<Float>,
        indices: UnsafeMutablePointer<Int32>?, indexBase: Int32
    ) {
        let r1 = r0 + width
        let top = UnsafeRawPointer(r0), bottom = UnsafeRawPointer(r1), dst = UnsafeMutableRawPointer(out)
        let rowStep = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: width)), zeros = SIMD8<Int32>()
        let lanes = SIMD4<Int32>(0, 2, 4, 6)
        var ow = 0
        while ow + 4 <= outWidth {
            let l = 2 * ow
            let a = top.loadUnaligned(fromByteOffset: l * 4, as: SIMD8<Float>.self)
            let b = bottom.loadUnaligned(fromByteOffset: l * 4, as: SIMD8<Float>.self)
            let down = b .> a
            let v = a.replacing(with: b, where: down)
            let even = v.evenHalf, odd = v.oddHalf
            let right = odd .> even
            dst.storeBytes(of: even.replacing(with: odd, where: right), toByteOffset: ow * 4, as: SIMD4<Float>.self)
            if let indices {
                let rows = zeros.replacing(with: rowStep, where: down)
                let offsets = rows.evenHalf.replacing(with: rows.oddHalf &+ 1, where: right)
                let index = offsets &+ lanes &+ SIMD4<Int32>(repeating: indexBase &+ Int32(truncatingIfNeeded: l))
                UnsafeMutableRawPointer(indices + ow).storeBytes(of: index, as: SIMD4<Int32>.self)
            }
            ow += 4
        }
        while ow < outWidth {
            let l = 2 * ow
            let leftDown = r1[l] > r0[l], rightDown = r1[l + 1] > r0[l + 1]
            let left = leftDown ? r1[l] : r0[l], rightValue = rightDown ? r1[l + 1] : r0[l + 1]
            let takeRight = rightValue > left
            out[ow] = takeRight ? rightValue : left
            if let indices {
                let offset = takeRight ? (rightDown ? width : 0) + l + 1 : (leftDown ? width : 0) + l
                indices[ow] = indexBase &+ Int32(truncatingIfNeeded: offset)
            }
            ow += 1
        }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        precondition(!inputShape.isEmpty, "MaxPool2D.backward called without a training-mode forward")
        let outShape = outputShape(for: inputShape)
        precondition(outputGradient.shape == outShape,
                     "MaxPool2D: output gradient shape \(outputGradient.shape) does not match \(outShape)")
        let planes = outShape[0] * outShape[1]
        let inPlane = inputShape[2] * inputShape[3], outPlane = outShape[2] * outShape[3]
        var inputGradient = Tensor(zeros: inputShape)
        argmax.withUnsafeBufferPointer { indices in
            outputGradient.withUnsafeBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    guard let dxBase = dx.baseAddress else { return }
                    Parallel.forEachChunk(planes, workers: Parallel.workers(for: planes, itemCost: inPlane)) { chunk, _ in
                        for p in chunk {
                            let target = dxBase + p * inPlane
                            let base = p * outPlane
                            for i in 0..<outPlane {
                                target[Int(indices[base + i])] += dy[base + i]
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
