import Foundation

/// A learning rate as a function of the optimiser step: constant, or a linear warm-up to a peak
/// followed by a cosine decay to a floor.
///
/// With warm-up `W`, decay end `T` and peak `η`:
/// - steps `0 ..< W` ramp linearly: `η · (step + 1) / W` (step `W − 1` reaches `η`);
/// - steps `W ... T` follow `floor + (η − floor) · ½ · (1 + cos(π · (step − W) / (T − W)))`,
///   which is `η` at `W` and `floor` at `T`;
/// - steps after `T` stay at `floor`.
public struct LearningRateSchedule: Sendable, Equatable {
    /// The rate after warm-up (the constant rate for ``constant(_:)``).
    public var peak: Float
    /// Steps of linear warm-up (0 for none).
    public var warmupSteps: Int
    /// The step at which the cosine decay reaches ``floor``; `nil` for no decay.
    public var totalSteps: Int?
    /// The rate the decay ends at.
    public var floor: Float

    /// Creates a schedule.
    /// - Parameters:
    ///   - peak: the rate after warm-up, positive.
    ///   - warmupSteps: steps of linear warm-up, at least 0.
    ///   - totalSteps: the step where the cosine decay ends (greater than `warmupSteps`), or `nil`
    ///     to hold `peak` after warm-up.
    ///   - floor: the final rate, in `[0, peak]`.
    public init(peak: Float, warmupSteps: Int = 0, totalSteps: Int? = nil, floor: Float = 0) {
        precondition(peak > 0 && warmupSteps >= 0 && floor >= 0 && floor <= peak, "LearningRateSchedule: invalid rates")
        if let totalSteps {
            precondition(totalSteps > warmupSteps, "LearningRateSchedule: totalSteps must exceed warmupSteps")
        }
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.floor = floor
    }

    /// The same rate at every step.
    /// - Parameter rate: the learning rate.
    public static func constant(_ rate: Float) -> LearningRateSchedule {
        LearningRateSchedule(peak: rate)
    }

    /// Linear warm-up to `peak`, then cosine decay to `floor` at `totalSteps`.
    /// - Parameters:
    ///   - peak: the rate at the end of warm-up.
    ///   - warmupSteps: steps of linear warm-up.
    ///   - totalSteps: the step at which the rate reaches `floor`.
    ///   - floor: the final rate.
    public static func warmupCosine(peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float = 0)
        -> LearningRateSchedule
    {
        LearningRateSchedule(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps, floor: floor)
    }

    /// The learning rate for a zero-based optimiser step.
    /// - Parameter step: the number of updates already applied.
    /// - Returns: the rate to use for the next update.
    public func rate(step: Int) -> Float {
        let step = max(step, 0)
        if step < warmupSteps {
            return peak * Float(step + 1) / Float(warmupSteps)
        }
        guard let totalSteps else { return peak }
        if step >= totalSteps { return floor }
        let progress = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
        let cosine = 0.5 * (1 + Foundation.cos(Double.pi * progress))
        return floor + (peak - floor) * Float(cosine)
    }
}
