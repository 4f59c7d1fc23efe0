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
    private var heap: [Neighbor] = []

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
    private func ranksAfter(_ a: Neighbor, _ b: Neighbor) -> Bool {
        if a.distance != b.distance { return direction.isCloser(b.distance, than: a.distance) }
        return a.id > b.id
    }

    /// Offers one hit.
    @inlinable
    public mutating func offer(id: UInt64, distance: Float) {
        offer(Neighbor(id: id, distance: distance))
    }

    /// Offers one hit.
    public mutating func offer(_ hit: Neighbor) {
        guard k > 0, !hit.distance.isNaN else { return }
        if heap.count < k {
            heap.append(hit)
            siftUp(heap.count - 1)
        } else if ranksAfter(heap[0], hit) {
            heap[0] = hit
            siftDown(0)
        }
    }

    /// The kept hits, closest first.
    public func sorted() -> [Neighbor] {
        heap.sorted { ranksAfter($1, $0) }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard ranksAfter(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var largest = parent
            if left < heap.count, ranksAfter(heap[left], heap[largest]) { largest = left }
            if right < heap.count, ranksAfter(heap[right], heap[largest]) { largest = right }
            if largest == parent { return }
            heap.swapAt(parent, largest)
            parent = largest
        }
    }
}
