extension Duration {
    /// The duration in milliseconds, as audit rows and JSON output record it.
    public var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
