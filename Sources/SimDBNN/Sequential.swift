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
