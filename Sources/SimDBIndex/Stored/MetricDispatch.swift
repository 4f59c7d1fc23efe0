import SimDBCore

/// Work that is generic over the metric, run with the metric's concrete type so the compiler
/// specialises (and inlines) the distance in the hot loops instead of calling through an
/// existential.
protocol MetricGenericWork {
    associatedtype Output
    func run<Metric: DistanceMetric>(_ metric: Metric) throws -> Output
}

extension MetricGenericWork {
    /// Runs the work with `metric`'s concrete type: the built-in metrics specialised, others
    /// (plugins) through the protocol.
    func run(with metric: any DistanceMetric) throws -> Output {
        switch metric {
        case let metric as SquaredL2Metric: return try run(metric)
        case let metric as CosineMetric: return try run(metric)
        case let metric as InnerProductMetric: return try run(metric)
        default: return try run(ExistentialMetric(base: metric))
        }
    }
}

/// A plugin's metric, wrapped so generic code can take it.
struct ExistentialMetric: DistanceMetric {
    let base: any DistanceMetric
    var identifier: String { base.identifier }
    var direction: MetricDirection { base.direction }
    func distance(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float { base.distance(a, b) }
}
