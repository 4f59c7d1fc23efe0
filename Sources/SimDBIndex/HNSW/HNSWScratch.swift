/// A node with its score: the metric's value turned so that smaller is always closer. Ordered
/// by score, then by slot, so every choice the graph makes is deterministic.
struct ScoredNode: Comparable {
    var score: Float
    var node: HNSWNode

    static func < (a: ScoredNode, b: ScoredNode) -> Bool {
        a.score != b.score ? a.score < b.score : a.node < b.node
    }
}

/// A binary heap of scored nodes with the closest (`.closestFirst`) or the farthest on top, in
/// plain memory: no bounds or uniqueness checks on the search's hottest path. The memory
/// belongs to the ``HNSWScratch`` that made the heap, which frees it.
struct ScoredHeap {
    enum Order { case closestFirst, farthestFirst }
    let order: Order
    private(set) var count = 0
    private var capacity: Int
    private(set) var storage: UnsafeMutablePointer<ScoredNode>

    init(_ order: Order, capacity: Int) {
        self.order = order
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    /// Frees the memory; the heap must not be used afterwards.
    func deallocate() { storage.deallocate() }

    var top: ScoredNode? { count > 0 ? storage[0] : nil }
    /// The top, when the heap is not empty.
    var unsafeTop: ScoredNode { storage[0] }
    /// The items in heap order.
    var items: UnsafeBufferPointer<ScoredNode> { UnsafeBufferPointer(start: storage, count: count) }

    mutating func removeAll() { count = 0 }

    /// Whether `a` belongs nearer the root than `b`.
    @inline(__always)
    private func above(_ a: ScoredNode, _ b: ScoredNode) -> Bool {
        order == .closestFirst ? a < b : b < a
    }

    @inline(__always)
    mutating func push(_ item: ScoredNode) {
        if count == capacity { grow() }
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard above(item, storage[parent]) else { break }
            storage[child] = storage[parent]
            child = parent
        }
        storage[child] = item
    }

    @discardableResult
    mutating func pop() -> ScoredNode? {
        guard count > 0 else { return nil }
        let first = storage[0]
        count -= 1
        if count > 0 { siftDown(storage[count]) }
        return first
    }

    /// Replaces the top with `item` (the heap must not be empty): a pop and a push in one sift.
    @inline(__always)
    mutating func replaceTop(_ item: ScoredNode) {
        siftDown(item)
    }

    /// Places `item` from the root down.
    @inline(__always)
    private mutating func siftDown(_ item: ScoredNode) {
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count, above(storage[child + 1], storage[child]) { child += 1 }
            guard above(storage[child], item) else { break }
            storage[parent] = storage[child]
            parent = child
        }
        storage[parent] = item
    }

    private mutating func grow() {
        let grown = UnsafeMutablePointer<ScoredNode>.allocate(capacity: capacity * 2)
        grown.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity *= 2
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

    deinit {
        stamps.deallocate()
        candidates.deallocate()
        results.deallocate()
    }

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
