import SimDBCore

/// An HNSW graph held in process memory: per slot, the vector, the level-0 links (a count then
/// `2m` slots), the id and the level, each in one contiguous column; upper-level links (about one
/// node in `m` has any) in a block per node.
///
/// A class: the graph's storage is shared, not copied, when an ``HNSWGraph`` value is copied.
/// Used by tests as the reference storage and by callers that rebuild their index on start-up.
/// Not thread-safe for writes; concurrent searches are safe while nothing writes.
public final class InMemoryHNSWStorage: HNSWGraphStorage {
    public let dimension: Int
    public private(set) var entryPoint: HNSWEntryPoint?
    public private(set) var slotLimit = 0
    /// Links per level-0 row; per upper level, `m`.
    private let rowCapacity: Int, upperCapacity: Int
    private var capacity = 0
    private var vectors = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    /// Per slot: a count, then `rowCapacity` links.
    private var levelZero = UnsafeMutablePointer<HNSWNode>.allocate(capacity: 0)
    private var ids = UnsafeMutablePointer<UInt64>.allocate(capacity: 0)
    /// Per slot: its level, or −1 when the slot is free.
    private var levels = UnsafeMutablePointer<Int32>.allocate(capacity: 0)
    /// Per node above level 0: for each level 1…L, a count then `upperCapacity` links.
    private var upper: [HNSWNode: UnsafeMutablePointer<HNSWNode>] = [:]
    private var freeSlots: [HNSWNode] = []
    private var nodesByID: [UInt64: HNSWNode] = [:]

    /// Creates an empty graph for `dimension`-d vectors built with `parameters`.
    public init(dimension: Int, parameters: HNSWParameters) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        rowCapacity = parameters.maximumLinks(atLevel: 0)
        upperCapacity = parameters.maximumLinks(atLevel: 1)
    }

    deinit {
        vectors.deallocate()
        levelZero.deallocate()
        ids.deallocate()
        levels.deallocate()
        for block in upper.values { block.deallocate() }
    }

    /// How many nodes are live.
    public var count: Int { slotLimit - freeSlots.count }

    public func isLive(_ node: HNSWNode) -> Bool { Int(node) < slotLimit && levels[Int(node)] >= 0 }
    public func node(for externalID: UInt64) -> HNSWNode? { nodesByID[externalID] }
    public func externalID(of node: HNSWNode) -> UInt64 { ids[Int(node)] }
    public func level(of node: HNSWNode) -> Int { Int(levels[Int(node)]) }

    public func vector(of node: HNSWNode) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: vectors + Int(node) * dimension, count: dimension)
    }

    public func neighbors(of node: HNSWNode, level: Int) -> UnsafeBufferPointer<HNSWNode> {
        let row = level == 0
            ? levelZero + Int(node) * (rowCapacity + 1)
            : upper[node]! + (level - 1) * (upperCapacity + 1)
        return UnsafeBufferPointer(start: row + 1, count: Int(row[0]))
    }

    public func addNode(externalID: UInt64, vector: UnsafeBufferPointer<Float>, level: Int) throws -> HNSWNode {
        precondition(vector.count == dimension && level >= 0)
        guard nodesByID[externalID] == nil else { throw SimDBError(.invalidArgument, "vector id \(externalID) is already in the graph") }
        let node: HNSWNode
        if let reused = freeSlots.popLast() {
            node = reused
        } else {
            guard slotLimit < Int(HNSWNode.max) else { throw SimDBError(.invalidArgument, "the graph is full") }
            if slotLimit == capacity { grow() }
            node = HNSWNode(slotLimit)
            slotLimit += 1
        }
        let slot = Int(node)
        (vectors + slot * dimension).update(from: vector.baseAddress!, count: dimension)
        levelZero[slot * (rowCapacity + 1)] = 0
        ids[slot] = externalID
        levels[slot] = Int32(level)
        if level > 0 {
            let block = UnsafeMutablePointer<HNSWNode>.allocate(capacity: level * (upperCapacity + 1))
            block.initialize(repeating: 0, count: level * (upperCapacity + 1))
            upper[node] = block
        }
        nodesByID[externalID] = node
        return node
    }

    public func removeNode(_ node: HNSWNode) throws {
        precondition(isLive(node), "node \(node) is not live")
        levels[Int(node)] = -1
        levelZero[Int(node) * (rowCapacity + 1)] = 0
        (vectors + Int(node) * dimension).update(repeating: .nan, count: dimension)
        upper.removeValue(forKey: node)?.deallocate()
        nodesByID[ids[Int(node)]] = nil
        freeSlots.append(node)
    }

    public func setNeighbors(of node: HNSWNode, level: Int, to neighbors: [HNSWNode]) throws {
        let limit = level == 0 ? rowCapacity : upperCapacity
        precondition(neighbors.count <= limit, "\(neighbors.count) links exceed \(limit)")
        let row = level == 0
            ? levelZero + Int(node) * (rowCapacity + 1)
            : upper[node]! + (level - 1) * (upperCapacity + 1)
        row[0] = HNSWNode(neighbors.count)
        for (index, neighbor) in neighbors.enumerated() { row[1 + index] = neighbor }
    }

    public func setEntryPoint(_ entry: HNSWEntryPoint?) throws {
        entryPoint = entry
    }

    /// Doubles every per-slot column (pointers handed out before are then stale, as documented).
    private func grow() {
        let newCapacity = max(1024, capacity * 2)
        func moved<T>(_ old: UnsafeMutablePointer<T>, _ width: Int) -> UnsafeMutablePointer<T> {
            let new = UnsafeMutablePointer<T>.allocate(capacity: newCapacity * width)
            new.moveInitialize(from: old, count: slotLimit * width)
            old.deallocate()
            return new
        }
        vectors = moved(vectors, dimension)
        levelZero = moved(levelZero, rowCapacity + 1)
        ids = moved(ids, 1)
        levels = moved(levels, 1)
        capacity = newCapacity
    }
}
