import SimDBCore

/// A node of an HNSW graph: a dense slot number, reused after a delete.
public typealias HNSWNode = UInt32

/// Where an HNSW search starts: the node on the highest level.
public struct HNSWEntryPoint: Codable, Equatable, Sendable {
    /// The node.
    public var node: HNSWNode
    /// Its level, the graph's highest.
    public var level: Int

    /// Creates an entry point.
    public init(node: HNSWNode, level: Int) {
        self.node = node
        self.level = level
    }
}

/// What ``HNSWGraph`` needs from the place its nodes live: vectors and adjacency lists by slot.
///
/// The algorithm is written once against this protocol; ``InMemoryHNSWStorage`` keeps a graph in
/// process memory, and a store keeps one inside its write transaction, so the graph can never be
/// out of step with the vectors it indexes. Vectors and links are handed out as pointers into the
/// storage (a memory map, or process memory), not copied; they stay valid until the storage is
/// next mutated, and the graph never holds one across a mutation.
public protocol HNSWGraphStorage {
    /// The length of every vector.
    var dimension: Int { get }
    /// One more than the largest slot in use: visited sets are sized by it.
    var slotLimit: Int { get }
    /// The top of the graph, or `nil` when it holds no node.
    var entryPoint: HNSWEntryPoint? { get }

    /// Whether `node` holds a vector now (a slot freed by a delete does not).
    func isLive(_ node: HNSWNode) -> Bool
    /// The live node holding the vector with the caller's id `externalID`, if any.
    func node(for externalID: UInt64) -> HNSWNode?
    /// The caller's id of the vector at `node`.
    func externalID(of node: HNSWNode) -> UInt64
    /// The highest level `node` is linked on.
    func level(of node: HNSWNode) -> Int
    /// The vector at `node`, in place. Must be readable for every slot below ``slotLimit``, live
    /// or not, and a slot freed by ``removeNode(_:)`` must hold NaN values: searches tell a stale
    /// level-0 link by its NaN score, so it costs one distance, not a lookup.
    func vector(of node: HNSWNode) -> UnsafeBufferPointer<Float>
    /// Hints that ``vector(of:)`` of `node` is about to be read (a prefetch); may do nothing.
    func prefetchVector(of node: HNSWNode)
    /// Hints that the level-0 links of `node` are about to be read; may do nothing.
    func prefetchNeighbors(of node: HNSWNode)
    /// The links of `node` on `level` (`level ≤ level(of: node)`), in place.
    func neighbors(of node: HNSWNode, level: Int) -> UnsafeBufferPointer<HNSWNode>

    /// Stores a vector in a free slot with no links, on levels `0...level`, and returns the slot.
    /// - Throws: ``SimDBError`` when the storage fails or is full.
    mutating func addNode(externalID: UInt64, vector: UnsafeBufferPointer<Float>, level: Int) throws -> HNSWNode
    /// Frees `node`'s slot and its links (its vector reads as NaN from then on); later
    /// ``addNode(externalID:vector:level:)`` calls may reuse it.
    mutating func removeNode(_ node: HNSWNode) throws
    /// Replaces the links of `node` on `level`.
    mutating func setNeighbors(of node: HNSWNode, level: Int, to neighbors: [HNSWNode]) throws
    /// Moves the top of the graph.
    mutating func setEntryPoint(_ entry: HNSWEntryPoint?) throws
}

extension HNSWGraphStorage {
    /// Does nothing.
    public func prefetchVector(of node: HNSWNode) {}
    /// Does nothing.
    public func prefetchNeighbors(of node: HNSWNode) {}
}
