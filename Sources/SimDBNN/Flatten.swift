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
