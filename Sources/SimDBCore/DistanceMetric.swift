/// Which way a metric's values point.
///
/// simdb never assumes: a threshold test or a ranking asks the metric's direction, as FAISS asks
/// `is_similarity_metric`.
public enum MetricDirection: String, Sendable, Equatable {
    /// Distances: 0 is identical, larger is farther (`l2`, `cosine`).
    case smallerIsCloser
    /// Similarities: larger is closer (`ip`).
    case largerIsCloser

    /// Whether value `a` is strictly closer than value `b`.
    @inlinable
    public func isCloser(_ a: Float, than b: Float) -> Bool {
        self == .smallerIsCloser ? a < b : a > b
    }

    /// Whether `value` is a match at `threshold` (equal counts as a match).
    @inlinable
    public func accepts(_ value: Float, threshold: Float) -> Bool {
        self == .smallerIsCloser ? value <= threshold : value >= threshold
    }

    /// The value farther than any real one, to start a search from.
    @inlinable
    public var farthest: Float {
        self == .smallerIsCloser ? .infinity : -.infinity
    }
}

/// Compares two embeddings: the extension point for metrics.
///
/// Three requirements, as in hnswlib: an identifier that stores persist, a direction, and the
/// kernel itself. Kernels are called once per stored vector in a scan, so they must not allocate.
/// A fourth, ``distances(_:batch:count:into:)``, has a default (the kernel in a loop); exact
/// scans call it once per run of stored vectors, so a metric may override it with a faster one.
public protocol DistanceMetric: Sendable {
    /// The stable identifier persisted in stores and accepted by `--metric` (`l2`, `cosine`, `ip`).
    var identifier: String { get }
    /// Whether smaller or larger values mean closer.
    var direction: MetricDirection { get }
    /// The value between two vectors of equal length.
    /// - Precondition: `a.count == b.count`.
    func distance(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float
    /// `out[j]` = the value between `query` and the `j`-th of `count` vectors of `query.count`
    /// values stored back to back at `base`.
    func distances(_ query: UnsafeBufferPointer<Float>, batch base: UnsafePointer<Float>, count: Int,
                   into out: UnsafeMutablePointer<Float>)
}

extension DistanceMetric {
    /// The kernel in a loop.
    @inlinable
    public func distances(_ query: UnsafeBufferPointer<Float>, batch base: UnsafePointer<Float>, count: Int,
                          into out: UnsafeMutablePointer<Float>) {
        let n = query.count
        for j in 0..<count { out[j] = distance(query, UnsafeBufferPointer(start: base + j * n, count: n)) }
    }

    /// The value between two arrays; a convenience for tests and one-off comparisons.
    public func distance(_ a: [Float], _ b: [Float]) -> Float {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in distance(a, b) } }
    }
}

/// Squared Euclidean distance, `Σ (aᵢ − bᵢ)²`; identifier `l2`.
public struct SquaredL2Metric: DistanceMetric {
    public init() {}
    public var identifier: String { "l2" }
    public var direction: MetricDirection { .smallerIsCloser }
    @inlinable
    public func distance(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        VectorKernels.squaredL2(a, b)
    }
    @inlinable
    public func distances(_ query: UnsafeBufferPointer<Float>, batch base: UnsafePointer<Float>, count: Int,
                          into out: UnsafeMutablePointer<Float>) {
        VectorKernels.squaredL2(query, batch: base, count: count, into: out)
    }
}

/// Cosine distance, `1 − a·b / (‖a‖‖b‖)`, in `0...2`; identifier `cosine`.
///
/// A zero vector is at distance 1 from everything.
public struct CosineMetric: DistanceMetric {
    public init() {}
    public var identifier: String { "cosine" }
    public var direction: MetricDirection { .smallerIsCloser }
    @inlinable
    public func distance(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        let (dot, aa, bb) = VectorKernels.dotAndNorms(a, b)
        let denominator = (aa * bb).squareRoot()
        return denominator > 0 ? 1 - dot / denominator : 1
    }
}

/// Inner product, `a·b`, a similarity (larger is closer); identifier `ip`.
public struct InnerProductMetric: DistanceMetric {
    public init() {}
    public var identifier: String { "ip" }
    public var direction: MetricDirection { .largerIsCloser }
    @inlinable
    public func distance(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        VectorKernels.dot(a, b)
    }
    @inlinable
    public func distances(_ query: UnsafeBufferPointer<Float>, batch base: UnsafePointer<Float>, count: Int,
                          into out: UnsafeMutablePointer<Float>) {
        VectorKernels.dot(query, batch: base, count: count, into: out)
    }
}
