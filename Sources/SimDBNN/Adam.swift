import Foundation

/// Adam with decoupled weight decay (AdamW, Loshchilov & Hutter 2019).
///
/// Each ``update()`` reads every parameter's accumulated gradient `g` and, with the rate
/// `η = schedule.rate(step: step)` and `t = step + 1`, applies
/// ```
/// m ← β₁·m + (1 − β₁)·g            v ← β₂·v + (1 − β₂)·g²
/// p ← p − η·λ·p                     (only where `appliesWeightDecay`)
/// p ← p − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
/// ```
/// as PyTorch's `AdamW` does. It does not clear gradients; call `zeroGradients()` on the model
/// between steps. The moments and ``step`` are public so a checkpoint can save and restore them.
public final class Adam {
    /// The parameters updated, in a fixed order matching ``firstMoments`` and ``secondMoments``.
    public let parameters: [Parameter]
    /// The learning rate as a function of ``step``.
    public var schedule: LearningRateSchedule
    /// Decay of the first-moment estimate.
    public var beta1: Float
    /// Decay of the second-moment estimate.
    public var beta2: Float
    /// Added to the denominator for stability.
    public var epsilon: Float
    /// The decoupled weight decay λ (multiplied by the learning rate), applied only to
    /// parameters with ``Parameter/appliesWeightDecay``.
    public var weightDecay: Float
    /// The number of updates applied so far.
    public var step: Int
    /// The first-moment estimates, one per parameter, same shapes.
    public var firstMoments: [Tensor]
    /// The second-moment estimates, one per parameter, same shapes.
    public var secondMoments: [Tensor]

    /// Creates an optimiser with zero moments.
    /// - Parameters:
    ///   - parameters: the parameters to update (e.g. a model's ``Layer/parameters``).
    ///   - schedule: the learning rate per step.
    ///   - beta1: first-moment decay, in `[0, 1)`.
    ///   - beta2: second-moment decay, in `[0, 1)`.
    ///   - epsilon: denominator stabiliser, positive.
    ///   - weightDecay: decoupled weight decay λ, at least 0.
    public init(
        parameters: [Parameter], schedule: LearningRateSchedule,
        beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        precondition(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0 && weightDecay >= 0,
                     "Adam: invalid hyper-parameters")
        self.parameters = parameters
        self.schedule = schedule
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        step = 0
        firstMoments = parameters.map { Tensor(zeros: $0.value.shape) }
        secondMoments = parameters.map { Tensor(zeros: $0.value.shape) }
    }

    /// The rate the next ``update()`` will use.
    public var currentLearningRate: Float { schedule.rate(step: step) }

    /// Applies one update from the parameters' current gradients and advances ``step``.
    public func update() {
        let rate = schedule.rate(step: step)
        let t = Double(step + 1)
        let b1 = beta1, b2 = beta2, eps = epsilon
        let correction1 = Float(1 - Foundation.pow(Double(b1), t))
        let correction2 = Float(1 - Foundation.pow(Double(b2), t))
        let stepSize = rate / correction1
        let inverseSqrtCorrection2 = 1 / correction2.squareRoot()
        for (index, parameter) in parameters.enumerated() {
            let decay: Float = parameter.appliesWeightDecay ? 1 - rate * weightDecay : 1
            let gradient = parameter.gradient
            precondition(gradient.shape == parameter.value.shape && firstMoments[index].shape == gradient.shape,
                         "Adam: parameter \(parameter.name) changed shape")
            gradient.withUnsafeBufferPointer { g in
                firstMoments[index].withUnsafeMutableBufferPointer { m in
                    secondMoments[index].withUnsafeMutableBufferPointer { v in
                        parameter.value.withUnsafeMutableBufferPointer { p in
                            for i in 0..<p.count {
                                let gi = g[i]
                                let mi = b1 * m[i] + (1 - b1) * gi
                                let vi = b2 * v[i] + (1 - b2) * gi * gi
                                m[i] = mi
                                v[i] = vi
                                let denominator = vi.squareRoot() * inverseSqrtCorrection2 + eps
                                p[i] = p[i] * decay - stepSize * mi / denominator
                            }
                        }
                    }
                }
            }
        }
        step += 1
    }
}
