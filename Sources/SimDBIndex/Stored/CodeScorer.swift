import CSimDBKernels
import SimDBCore

/// Scores level-0 nodes of a stored graph by their codes: how a search walks level 0 when the
/// graph keeps codes. Squared L2 and inner product are computed on the codes directly; other
/// metrics on a decoded copy; a node whose code was clamped on its vector.
struct CodeScorer<Metric: DistanceMetric>: HNSWNodeScorer {
    private enum Kind { case squaredL2, innerProduct, decoded }

    private let storage: StoredHNSWStorage
    private let metric: Metric
    private let query: UnsafeBufferPointer<Float>
    private let kind: Kind
    private let dimension: Int
    /// Squared L2: the query minus the minimum. Inner product: query · step. Otherwise unused.
    private let prepared: UnsafeMutablePointer<Float>
    /// Squared L2: the steps. Otherwise: a buffer for a decoded code.
    private let auxiliary: UnsafeMutablePointer<Float>
    /// Inner product: Σ queryᵢ · minimumᵢ, the part of every score that does not depend on the code.
    private let offset: Float
    private let quantizer: ScalarQuantizer
    private let avx2: Int32 = VectorKernels.hasAVX2 ? 1 : 0
    /// Owns `prepared` and `auxiliary`, freed with the last copy of the scorer.
    private let buffers: Buffers

    private final class Buffers {
        let prepared: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>
        init(_ dimension: Int) {
            prepared = .allocate(capacity: dimension)
            auxiliary = .allocate(capacity: dimension)
        }
        deinit {
            prepared.deallocate()
            auxiliary.deallocate()
        }
    }

    /// A scorer for `query`, which must stay valid while the scorer is used.
    init(storage: StoredHNSWStorage, quantizer: ScalarQuantizer, metric: Metric, query: UnsafeBufferPointer<Float>) {
        self.storage = storage
        self.metric = metric
        self.query = query
        self.quantizer = quantizer
        dimension = quantizer.dimension
        buffers = Buffers(dimension)
        prepared = buffers.prepared
        auxiliary = buffers.auxiliary
        var offset: Float = 0
        switch metric {
        case is SquaredL2Metric:
            kind = .squaredL2
            for i in 0..<dimension {
                prepared[i] = query[i] - quantizer.minimum[i]
                auxiliary[i] = quantizer.step[i]
            }
        case is InnerProductMetric:
            kind = .innerProduct
            for i in 0..<dimension {
                prepared[i] = query[i] * quantizer.step[i]
                offset += query[i] * quantizer.minimum[i]
            }
        default:
            kind = .decoded
        }
        self.offset = offset
    }

    @inline(__always)
    func score(_ node: HNSWNode) -> Float {
        guard let (code, clamped) = storage.code(of: node) else { return .nan }
        if clamped { return exactScore(node) }
        switch kind {
        case .squaredL2:
            return simdb_sq8_squared_l2(prepared, auxiliary, code, dimension, avx2)
        case .innerProduct:
            return -(offset + simdb_sq8_dot(prepared, code, dimension, avx2))
        case .decoded:
            quantizer.decode(code, into: auxiliary)
            let value = metric.distance(query, UnsafeBufferPointer(start: auxiliary, count: dimension))
            return metric.direction == .smallerIsCloser ? value : -value
        }
    }

    private func exactScore(_ node: HNSWNode) -> Float {
        let value = metric.distance(query, storage.vector(of: node))
        return metric.direction == .smallerIsCloser ? value : -value
    }

    @inline(__always)
    func prefetch(_ node: HNSWNode) { storage.prefetchCode(of: node) }

    @inline(__always)
    func willExpand(_ node: HNSWNode) {}
}

extension StoredHNSWStorage {
    /// How searches and inserts walk level 0 of this graph: on its codes when it keeps them
    /// (`nil` otherwise, for graphs built before codes: they walk on the vectors).
    func codeScorers<Metric: DistanceMetric>(_ metric: Metric) -> ((UnsafeBufferPointer<Float>) -> CodeScorer<Metric>)? {
        guard let quantizer else { return nil }
        return { query in CodeScorer(storage: self, quantizer: quantizer, metric: metric, query: query) }
    }
}
