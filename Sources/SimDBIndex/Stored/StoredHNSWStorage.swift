import CSimDBKernels
import SimDBCore
import SimDBStorage

/// An HNSW graph kept inside a ``VectorStore``: nodes are the store's slots, so a node's vector
/// is the one the store already holds, read in place.
///
/// Level 0, which every node has, lives in graph segments of fixed-size rows, one row per slot:
///
/// | bytes | field |
/// |---|---|
/// | 0..<4 | the node's level + 1 (`Int32`; 0 when the slot is not in the graph) |
/// | 4..<8 | how many level-0 links follow (`UInt32`) |
/// | 8..<8+8m | up to `2m` links (slots, `UInt32`) |
///
/// The upper levels (about one node in `m` has any) are one small record per node in the
/// store's `upper` database: for each level `1...L`, a count then `m` links. All integers are
/// little-endian. Read through a ``VectorReader`` it serves searches; through a ``VectorWriter``
/// it changes the graph in the same transaction as the vectors.
final class StoredHNSWStorage: HNSWGraphStorage {
    let dimension: Int
    private(set) var slotLimit: Int
    private(set) var entryPoint: HNSWEntryPoint?
    /// Whether ``setEntryPoint(_:)`` changed the entry point since the storage was made.
    private(set) var entryPointChanged = false

    private let layout: SegmentLayout
    private let geometry: GraphGeometry
    private let source: any SegmentedVectors
    /// The writer, when the graph was opened for changes.
    private let writer: VectorWriter?
    private var vectorBases: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var graphBases: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var graphSegments: Int
    /// An aligned copy of the last upper-level row handed out (records are only 2-byte aligned).
    private let upperRow: UnsafeMutablePointer<HNSWNode>

    /// A graph over `source`: read-only over a ``VectorReader``, changeable over a ``VectorWriter``.
    init(_ source: any SegmentedVectors, parameters: HNSWParameters, entryPoint: HNSWEntryPoint?) {
        self.source = source
        writer = source as? VectorWriter
        self.entryPoint = entryPoint
        layout = source.layout
        slotLimit = source.slotLimit
        vectorBases = source.vectorTable.bases
        graphBases = source.graphTable.bases
        graphSegments = source.graphTable.count
        dimension = layout.dimension
        geometry = GraphGeometry(parameters: parameters)
        upperRow = .allocate(capacity: geometry.upperLinks + 1)
    }

    deinit { upperRow.deallocate() }

    /// Re-reads the tables after the store changed (they may have grown or moved).
    func refresh() {
        slotLimit = source.slotLimit
        vectorBases = source.vectorTable.bases
        graphBases = source.graphTable.bases
        graphSegments = source.graphTable.count
    }

    private func changing() -> VectorWriter {
        guard let writer else { preconditionFailure("the graph was opened for reading") }
        return writer
    }

    // MARK: Reading

    @inline(__always)
    private func row(_ node: HNSWNode) -> UnsafeMutableRawPointer? {
        let segment = Int(node) >> geometry.rowShift
        guard segment < graphSegments, let base = graphBases[segment] else { return nil }
        return base + (Int(node) & geometry.rowMask) * geometry.rowBytes
    }

    func isLive(_ node: HNSWNode) -> Bool {
        guard Int(node) < slotLimit, let row = row(node) else { return false }
        return row.load(as: Int32.self) > 0
    }

    func node(for externalID: UInt64) -> HNSWNode? {
        guard let slot = try? source.slot(of: externalID), isLive(HNSWNode(slot)) else { return nil }
        return HNSWNode(slot)
    }

    func externalID(of node: HNSWNode) -> UInt64 {
        let slot = Int(node)
        let base = vectorBases[layout.segment(of: slot)].unsafelyUnwrapped
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: layout.idsOffset + layout.index(of: slot) * 8,
                                                       as: UInt64.self))
    }

    func level(of node: HNSWNode) -> Int {
        Int(row(node).unsafelyUnwrapped.load(as: Int32.self)) - 1
    }

    @inline(__always)
    func vector(of node: HNSWNode) -> UnsafeBufferPointer<Float> {
        let slot = Int(node)
        let base = vectorBases[slot >> layout.shift].unsafelyUnwrapped + layout.index(of: slot) * layout.vectorBytes
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: dimension)
    }

    @inline(__always)
    func prefetchVector(of node: HNSWNode) {
        let slot = Int(node)
        guard let base = vectorBases[slot >> layout.shift] else { return }
        simdb_prefetch(base + layout.index(of: slot) * layout.vectorBytes)
    }

    @inline(__always)
    func prefetchNeighbors(of node: HNSWNode) {
        let segment = Int(node) >> geometry.rowShift
        guard segment < graphSegments, let base = graphBases[segment] else { return }
        simdb_prefetch(base + (Int(node) & geometry.rowMask) * geometry.rowBytes)
    }

    /// Level 0: in place. Upper levels: a copy, valid until the next call for an upper level.
    @inline(__always)
    func neighbors(of node: HNSWNode, level: Int) -> UnsafeBufferPointer<HNSWNode> {
        if level == 0 {
            let row = row(node).unsafelyUnwrapped
            let count = Int(row.load(fromByteOffset: 4, as: UInt32.self))
            return UnsafeBufferPointer(start: (row + 8).assumingMemoryBound(to: HNSWNode.self), count: count)
        }
        return upperNeighbors(of: node, level: level)
    }

    private func upperNeighbors(of node: HNSWNode, level: Int) -> UnsafeBufferPointer<HNSWNode> {
        let record = try? source.upperRecord(Int(node))
        let offset = (level - 1) * geometry.upperRowBytes
        guard let record, record.count >= offset + geometry.upperRowBytes else {
            return UnsafeBufferPointer(start: upperRow, count: 0)
        }
        UnsafeMutableRawPointer(upperRow).copyMemory(from: record.baseAddress! + offset, byteCount: geometry.upperRowBytes)
        return UnsafeBufferPointer(start: upperRow + 1, count: min(Int(upperRow[0]), geometry.upperLinks))
    }

    // MARK: Writing

    /// The vector is already in the store under `externalID` (the store writes vectors first);
    /// this links its slot into the graph's tables with no neighbours.
    func addNode(externalID: UInt64, vector: UnsafeBufferPointer<Float>, level: Int) throws -> HNSWNode {
        guard let slot = try changing().slot(of: externalID) else {
            throw SimDBError(.internal, "vector \(externalID) is not in the store")
        }
        let row = try mutableRow(HNSWNode(slot))
        row.storeBytes(of: Int32(level + 1), as: Int32.self)
        row.storeBytes(of: 0, toByteOffset: 4, as: UInt32.self)
        if level > 0 {
            let zeros = [UInt8](repeating: 0, count: level * geometry.upperRowBytes)
            try zeros.withUnsafeBytes { try changing().setUpperRecord(slot, $0) }
        }
        return HNSWNode(slot)
    }

    func removeNode(_ node: HNSWNode) throws {
        let row = try mutableRow(node)
        let hadUpper = row.load(as: Int32.self) > 1
        row.storeBytes(of: 0, as: Int32.self)
        row.storeBytes(of: 0, toByteOffset: 4, as: UInt32.self)
        if hadUpper { try changing().setUpperRecord(Int(node), nil) }
    }

    func setNeighbors(of node: HNSWNode, level: Int, to neighbors: [HNSWNode]) throws {
        if level == 0 {
            precondition(neighbors.count <= geometry.levelZeroLinks)
            let row = try mutableRow(node)
            row.storeBytes(of: UInt32(neighbors.count), toByteOffset: 4, as: UInt32.self)
            neighbors.withUnsafeBytes { (row + 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return
        }
        precondition(neighbors.count <= geometry.upperLinks)
        guard var record = try changing().upperRecord(Int(node)).map(Array.init) else {
            throw SimDBError(.corruptStore, "graph node \(node) has no upper levels")
        }
        let offset = (level - 1) * geometry.upperRowBytes
        guard record.count >= offset + geometry.upperRowBytes else {
            throw SimDBError(.corruptStore, "graph node \(node) has no level \(level)")
        }
        record.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: UInt32(neighbors.count), toByteOffset: offset, as: UInt32.self)
            for (index, neighbor) in neighbors.enumerated() {
                bytes.storeBytes(of: neighbor, toByteOffset: offset + 4 + index * 4, as: UInt32.self)
            }
        }
        try record.withUnsafeBytes { try changing().setUpperRecord(Int(node), $0) }
    }

    func setEntryPoint(_ entry: HNSWEntryPoint?) throws {
        entryPoint = entry
        entryPointChanged = true
    }

    private func mutableRow(_ node: HNSWNode) throws -> UnsafeMutableRawPointer {
        let segment = Int(node) >> geometry.rowShift
        let base = try changing().mutableGraphSegment(segment, byteCount: geometry.segmentBytes)
        refresh()
        return base + (Int(node) & geometry.rowMask) * geometry.rowBytes
    }
}

/// The sizes of a stored graph's rows and segments, fixed by `m`.
struct GraphGeometry {
    let levelZeroLinks: Int
    let upperLinks: Int
    /// Bytes of a level-0 row: level, count, links.
    let rowBytes: Int
    /// Bytes of one level's row in an upper record: count, links.
    let upperRowBytes: Int
    /// Rows per graph segment, a power of two, so that a segment is at least 16 KiB (LMDB keeps
    /// it on overflow pages: contiguous and page-aligned).
    let rowsPerSegment: Int
    let rowShift: Int
    let rowMask: Int

    init(parameters: HNSWParameters) {
        levelZeroLinks = parameters.maximumLinks(atLevel: 0)
        upperLinks = parameters.maximumLinks(atLevel: 1)
        rowBytes = 8 + 4 * levelZeroLinks
        upperRowBytes = 4 + 4 * upperLinks
        var rows = 1
        while rows * rowBytes < 16 << 10 { rows *= 2 }
        rowsPerSegment = rows
        rowShift = rows.trailingZeroBitCount
        rowMask = rows - 1
    }

    var segmentBytes: Int { rowsPerSegment * rowBytes }
}
