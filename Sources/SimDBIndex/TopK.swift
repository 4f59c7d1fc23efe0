import SimDBCore

/// Keeps the `k` closest hits seen so far, in O(log k) per offer and one allocation in all.
///
/// A binary heap whose root is the farthest kept hit, so a new hit is compared with one value
/// and usually rejected at once. Ties are broken by the smaller id, so results are deterministic.
public struct TopK {
    /// How many hits are kept.
    public let k: Int
    /// Which way the metric points.
    public let direction: MetricDirection
    @usableFromInline var heap: [Neighbor] = []

    /// Creates an empty selection.
    /// - Parameters:
    ///   - k: how many hits to keep; 0 keeps none.
    ///   - direction: the metric's direction.
    public init(k: Int, direction: MetricDirection) {
        self.k = max(0, k)
        self.direction = direction
        heap.reserveCapacity(self.k)
    }

    /// Whether `a` ranks after `b` (is farther, or equally far with a larger id).
    @inline(__always)
    private static func ranksAfter(_ a: Neighbor, _ b: Neighbor, _ direction: MetricDirection) -> Bool {
        if a.distance != b.distance { return direction.isCloser(b.distance, than: a.distance) }
        return a.id > b.id
    }

    /// Whether a hit at `distance` could be kept: the selection is not full, or `distance` is
    /// not farther than the farthest kept hit. A cheap test to run before looking up its id.
    @inlinable
    public func mightKeep(_ distance: Float) -> Bool {
        heap.count < k || !direction.isCloser(heap[0].distance, than: distance)
    }

    /// The farthest kept hit's distance once `k` hits are kept; `nil` before.
    public var worst: Float? { k > 0 && heap.count == k ? heap[0].distance : nil }

    /// Offers one hit.
    @inlinable
    public mutating func offer(id: UInt64, distance: Float) {
        offer(Neighbor(id: id, distance: distance))
    }

    /// Offers one hit.
    public mutating func offer(_ hit: Neighbor) {
        guard k > 0, !hit.distance.isNaN else { return }
        let direction = direction
        if heap.count < k {
            heap.append(hit)
            heap.siftUp(heap.count - 1) { Self.ranksAfter($0, $1, direction) }
        } else if Self.ranksAfter(heap[0], hit, direction) {
            heap[0] = hit
            heap.siftDown(0) { Self.ranksAfter($0, $1, direction) }
        }
    }

    /// The kept hits, closest first.
    public func sorted() -> [Neighbor] {
        heap.sorted { Self.ranksAfter($1, $0, direction) }
    }
}
