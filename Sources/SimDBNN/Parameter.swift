/// A learnable tensor together with its accumulated gradient.
///
/// Layers own their parameters; optimisers update ``value`` in place from ``gradient``.
/// A reference type so that a layer, an optimiser and a model file all see the same weights.
public final class Parameter {
    /// A name unique within its layer (`"weight"`, `"bias"`, `"gamma"`, …); a ``Sequential``
    /// does not rename, so prefix with the layer's position when serialising.
    public let name: String
    /// The current value.
    public var value: Tensor
    /// The gradient of the loss with respect to ``value``, accumulated by `backward`.
    public var gradient: Tensor
    /// Whether decoupled weight decay applies (true for weights; false for biases and
    /// batch-normalisation scale and shift).
    public var appliesWeightDecay: Bool

    /// Creates a parameter with a zero gradient of the same shape.
    /// - Parameters:
    ///   - name: the parameter's name within its layer.
    ///   - value: the initial value.
    ///   - appliesWeightDecay: whether decoupled weight decay applies.
    public init(name: String, value: Tensor, appliesWeightDecay: Bool) {
        self.name = name
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
        self.appliesWeightDecay = appliesWeightDecay
    }

    /// Sets the gradient to zero.
    public func zeroGradient() {
        gradient.zero()
    }
}
