import Foundation
import SimDBCore

/// Seeded standard-normal samples: ``SimDBCore/SplitMix64`` uniforms through the Box–Muller
/// transform, computed in `Double` and rounded to `Float`.
///
/// The same seed gives the same sequence, bit for bit, on a given platform; this is what makes
/// weight initialisation and dropout masks reproducible.
public struct GaussianGenerator: Sendable {
    /// The uniform source; exposed so callers can draw uniforms from the same stream.
    public var uniformSource: SplitMix64
    private var spare: Double?
    /// Whether every sample is 0 (see ``zeros``).
    private var isZero = false

    /// Creates a generator from a seed.
    /// - Parameter seed: the same seed gives the same samples.
    public init(seed: UInt64) {
        uniformSource = SplitMix64(seed: seed)
    }

    /// Creates a generator drawing from an existing uniform source.
    /// - Parameter source: the uniform generator to consume.
    public init(source: SplitMix64) {
        uniformSource = source
    }

    /// A generator whose every normal sample is 0: for building a network whose weights are
    /// about to be overwritten (loading a model file), without paying for random numbers.
    public static var zeros: GaussianGenerator {
        var generator = GaussianGenerator(seed: 0)
        generator.isZero = true
        return generator
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(uniformSource.next() >> 11) * 0x1p-53
    }

    /// The next standard-normal sample (mean 0, standard deviation 1).
    public mutating func next() -> Float {
        if isZero { return 0 }
        if let value = spare {
            spare = nil
            return Float(value)
        }
        // u1 in (0, 1] so the logarithm is finite.
        let u1 = 1 - nextUniform()
        let u2 = nextUniform()
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spare = radius * Foundation.sin(angle)
        return Float(radius * Foundation.cos(angle))
    }
}
