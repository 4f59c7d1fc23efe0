/// One differentiable stage of a network, batch first.
///
/// `forward(_:training:)` with `training: true` caches what `backward(_:)` needs; `backward`
/// must follow the matching training-mode `forward`, adds this batch's contribution to every
/// parameter's ``Parameter/gradient`` (callers zero gradients between steps), and returns the
/// gradient with respect to the input. With `training: false` a layer uses inference behaviour
/// (running statistics, no dropout) and caches nothing.
///
/// A layer instance keeps per-call caches and scratch memory, so use it from one thread at a
/// time; the engine parallelises inside a call (see ``NNThreads``).
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
