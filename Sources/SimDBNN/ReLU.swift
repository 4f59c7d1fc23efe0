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
