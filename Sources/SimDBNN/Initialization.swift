/// Weight initialisation schemes.
public enum Initialization {
    /// He (Kaiming) normal initialisation for layers followed by ReLU: `N(0, 2 / fanIn)`.
    /// - Parameters:
    ///   - shape: the weight tensor's shape.
    ///   - fanIn: the number of inputs feeding each output (`inChannels·k·k` for a convolution).
    ///   - generator: the seeded source.
    /// - Returns: the initialised weights.
    public static func heNormal(shape: [Int], fanIn: Int, generator: inout GaussianGenerator) -> Tensor {
        precondition(fanIn > 0, "heNormal: fanIn must be positive")
        let std = Float((2.0 / Double(fanIn)).squareRoot())
        return Tensor.randomNormal(shape: shape, standardDeviation: std, generator: &generator)
    }
}
