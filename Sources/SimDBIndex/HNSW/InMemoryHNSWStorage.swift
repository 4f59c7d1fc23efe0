import SimDBCore

/// An HNSW graph held in process memory: vectors in one contiguous array, level-0 links in
/// fixed-size rows beside them, upper levels (about one node in `m`) in a dictionary.
///
/// Used by tests as the reference storage and by callers that rebuild their index on start-up.
public struct InMemoryHNSWStorage: HNSWGraphStorage, Sendable {
    public let dimension: Int
    public private(set) var entryPoint: HNSWEntryPoint?
    /// Links per level-0 row.
    private let rowCapacity: Int
    private var vectors: [Float] = []
    /// Per slot: a count, then `rowCapacity` links.
    private var levelZero: [HNSWNode] = []
    private var upper: [HNSWNode: [[HNSWNode]]] = [:]
    private var ids: [UInt64] = []
    private var levels: [Int32] = []
    private var freeSlots: [HNSWNode] = []
    private var nodesByID: [UInt64: HNSWNode] = [:]

    /// Creates an empty graph for `dimension`-d vectors built with `parameters`.
    public init(dimension: Int, parameters: HNSWParameters) {
        precondition(dimension > 0, "dimension must be positive")
        self.dimension = dimension
        rowCapacity = parameters.maximumLinks(atLevel: 0)
    }

    /// How many nodes are live.
    public var count: Int { ids.count - freeSlots.count }
    public var slotLimit: Int { ids.count }

    public func isLive(_ node: HNSWNode) -> Bool { Int(node) < levels.count && levels[Int(node)] >= 0 }
    public func node(for externalID: UInt64) -> HNSWNode? { nodesByID[externalID] }
    public func externalID(of node: HNSWNode) -> UInt64 { ids[Int(node)] }
    public func level(of node: HNSWNode) -> Int { Int(levels[Int(node)]) }

    public func withVector<R>(of node: HNSWNode, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try vectors.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[Int(node) * dimension ..< (Int(node) + 1) * dimension]))
        }
    }

    public func withNeighbors<R>(of node: HNSWNode, level: Int, _ body: (UnsafeBufferPointer<HNSWNode>) throws -> R) rethrows -> R {
        if level == 0 {
            return try levelZero.withUnsafeBufferPointer { all in
                let row = Int(node) * (rowCapacity + 1)
                return try body(UnsafeBufferPointer(rebasing: all[row + 1 ..< row + 1 + Int(all[row])]))
            }
        }
        return try upper[node, default: []][level - 1].withUnsafeBufferPointer(body)
    }

    public mutating func addNode(externalID: UInt64, vector: UnsafeBufferPointer<Float>, level: Int) throws -> HNSWNode {
        precondition(vector.count == dimension && level >= 0)
        guard nodesByID[externalID] == nil else { throw SimDBError(.invalidArgument, "vector id \(externalID) is already in the graph") }
        let node: HNSWNode
        if let reused = freeSlots.popLast() {
            node = reused
            let start = Int(node) * dimension
            vectors.withUnsafeMutableBufferPointer { all in
                for index in 0..<dimension { all[start + index] = vector[index] }
            }
            ids[Int(node)] = externalID
            levels[Int(node)] = Int32(level)
        } else {
            guard ids.count < Int(HNSWNode.max) else { throw SimDBError(.invalidArgument, "the graph is full") }
            node = HNSWNode(ids.count)
            vectors.append(contentsOf: vector)
            levelZero.append(contentsOf: repeatElement(0, count: rowCapacity + 1))
            ids.append(externalID)
            levels.append(Int32(level))
        }
        if level > 0 { upper[node] = Array(repeating: [], count: level) }
        nodesByID[externalID] = node
        return node
    }

    public mutating func removeNode(_ node: HNSWNode) throws {
        precondition(isLive(node), "node \(node) is not live")
        levels[Int(node)] = -1
        nodesByID[ids[Int(node)]] = nil
        levelZero[Int(node) * (rowCapacity + 1)] = 0
        upper[node] = nil
        freeSlots.append(node)
    }

    public mutating func setNeighbors(of node: HNSWNode, level: Int, to neighbors: [HNSWNode]) throws {
        if level == 0 {
            precondition(neighbors.count <= rowCapacity, "\(neighbors.count) links exceed \(rowCapacity)")
            let row = Int(node) * (rowCapacity + 1)
            levelZero[row] = HNSWNode(neighbors.count)
            for (index, neighbor) in neighbors.enumerated() { levelZero[row + 1 + index] = neighbor }
        } else {
            upper[node]![level - 1] = neighbors
        }
    }

    public mutating func setEntryPoint(_ entry: HNSWEntryPoint?) throws {
        entryPoint = entry
    }
}
