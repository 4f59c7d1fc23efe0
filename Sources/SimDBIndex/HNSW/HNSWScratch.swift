/// A node with its score: the metric's value turned so that smaller is always closer. Ordered
/// by score, then by slot, so every choice the graph makes is deterministic.
struct ScoredNode: Comparable {
    var score: Float
    var node: HNSWNode

    static func < (a: ScoredNode, b: ScoredNode) -> Bool {
        a.score != b.score ? a.score < b.score : a.node < b.node
    }
}

/// A binary heap of scored nodes with the closest (`.closestFirst`) or the farthest on top.
struct ScoredHeap {
    enum Order { case closestFirst, farthestFirst }
    let order: Order
    private(set) var items: [ScoredNode] = []

    init(_ order: Order, capacity: Int) {
        self.order = order
        items.reserveCapacity(capacity)
    }

    var count: Int { items.count }
    var top: ScoredNode? { items.first }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ item: ScoredNode) {
        items.append(item)
        let order = order
        items.siftUp(items.count - 1) { order == .closestFirst ? $0 < $1 : $1 < $0 }
    }

    @discardableResult
    mutating func pop() -> ScoredNode? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            let order = order
            items.siftDown(0) { order == .closestFirst ? $0 < $1 : $1 < $0 }
        }
        return first
    }
}

/// The working memory of one search: a visited set stamped by generation (cleared in O(1)) and
/// the two heaps. Reuse one per thread; it is not safe to share between concurrent searches.
public final class HNSWScratch {
    private var stamps = UnsafeMutablePointer<UInt32>.allocate(capacity: 0)
    private var stampCapacity = 0
    private var generation: UInt32 = 0
    var candidates = ScoredHeap(.closestFirst, capacity: 256)
    var results = ScoredHeap(.farthestFirst, capacity: 256)

    /// Creates empty working memory; it grows to the graph it is used on.
    public init() {}

    deinit { stamps.deallocate() }

    /// Forgets every visit and makes room for slots below `slotLimit`.
    func beginVisit(slotLimit: Int) {
        if stampCapacity < slotLimit {
            let capacity = max(slotLimit, 2 * stampCapacity)
            let grown = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
            grown.update(from: stamps, count: stampCapacity)
            (grown + stampCapacity).initialize(repeating: 0, count: capacity - stampCapacity)
            stamps.deallocate()
            stamps = grown
            stampCapacity = capacity
        }
        generation &+= 1
        if generation == 0 {
            stamps.update(repeating: 0, count: stampCapacity)
            generation = 1
        }
    }

    /// Whether `node` was visited in this search.
    @inline(__always)
    func isVisited(_ node: HNSWNode) -> Bool { stamps[Int(node)] == generation }

    /// Marks `node` visited; returns whether it was new.
    @inline(__always)
    func visit(_ node: HNSWNode) -> Bool {
        let slot = stamps + Int(node)
        if slot.pointee == generation { return false }
        slot.pointee = generation
        return true
    }
}
