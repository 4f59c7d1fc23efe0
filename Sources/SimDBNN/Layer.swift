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

/// One differentiable stage of a network, batch first.
///
/// `forward(_:training:)` with `training: true` caches what `backward(_:)` needs; `backward`
/// must follow the matching training-mode `forward`, adds this batch's contribution to every
/// parameter's ``Parameter/gradient`` (callers zero gradients between steps), and returns the
/// gradient with respect to the input. With `training: false` a layer uses inference behaviour
/// (running statistics, no dropout) and caches nothing.
public protocol Layer: AnyObject {
    /// Computes the layer's output.
    /// - Parameters:
    ///   - input: a batch (`N×C×H×W` or `N×F`).
    ///   - training: training mode (cache for backward, batch statistics, dropout) or inference.
    /// - Returns: the output batch.
    func forward(_ input: Tensor, training: Bool) -> Tensor

    /// Back-propagates through the last training-mode forward.
    /// - Parameter outputGradient: the loss gradient with respect to the last output.
    /// - Returns: the loss gradient with respect to the last input.
    func backward(_ outputGradient: Tensor) -> Tensor

    /// The learnable parameters, in a stable order (empty for parameter-free layers).
    var parameters: [Parameter] { get }
}

extension Layer {
    /// No parameters by default.
    public var parameters: [Parameter] { [] }

    /// Sets every parameter's gradient to zero.
    public func zeroGradients() {
        for parameter in parameters {
            parameter.zeroGradient()
        }
    }

    /// The total number of learnable scalars.
    public var parameterCount: Int {
        parameters.reduce(0) { $0 + $1.value.count }
    }
}

/// Layers applied one after another; itself a ``Layer``.
public final class Sequential: Layer {
    /// The stages, first applied first.
    public private(set) var layers: [any Layer]

    /// Creates a network from its stages.
    /// - Parameter layers: the stages, first applied first.
    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    /// Appends a stage at the end.
    /// - Parameter layer: the stage to apply after the current last one.
    public func append(_ layer: any Layer) {
        layers.append(layer)
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        var x = input
        for layer in layers {
            x = layer.forward(x, training: training)
        }
        return x
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        var g = outputGradient
        for layer in layers.reversed() {
            g = layer.backward(g)
        }
        return g
    }

    /// Every stage's parameters, concatenated in stage order.
    public var parameters: [Parameter] {
        layers.flatMap { $0.parameters }
    }
}
