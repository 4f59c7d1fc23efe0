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
/// | 4..<8 | how many level-0 links follow (low 16 bits), flags (high 16 bits) |
/// | 8..<8+8m | up to `2m` links (slots, `UInt32`) |
/// | 8+8m..<8+8m+d | the vector's 8-bit code (``ScalarQuantizer``), when the graph keeps codes |
///
/// One flag is defined: ``outsideCodeRange`` (bit 16), set when a component of the vector fell
/// outside the quantizer's range and was clamped; searches score such a node on its vector.
/// Rows are padded to a multiple of 4 bytes. A graph built before codes existed has rows
/// without them (its index record has no quantizer) and is walked on the vectors.
/// A graph with codes may also keep them in a column (its index record says so), for exact
/// scans that read codes only (``CodeBoundedScan``): column segments of `S` slots (a power of
/// two, `S·(d+1)` at least 128 KiB), each `S` state bytes (0: the slot is not in the graph,
/// 1: coded, 2: coded but clamped) then `S` codes of `d` bytes, in slot order.
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
    /// Row and column sizes.
    let geometry: GraphGeometry
    private let source: any SegmentedVectors
    /// The writer, when the graph was opened for changes.
    private let writer: VectorWriter?
    private var vectorBases: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var graphBases: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var graphSegments: Int
    private var columnBases: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var columnSegments: Int
    /// An aligned copy of the last upper-level row handed out (records are only 2-byte aligned).
    private let upperRow: UnsafeMutablePointer<HNSWNode>
    /// The codes' quantizer, when rows hold codes.
    let quantizer: ScalarQuantizer?
    /// Whether the codes are kept in a column too.
    let keepsColumn: Bool

    /// A graph over `source`: read-only over a ``VectorReader``, changeable over a ``VectorWriter``.
    /// Rows hold codes when `quantizer` is given, and the column too when `keepsColumn` is set.
    init(_ source: any SegmentedVectors, parameters: HNSWParameters, entryPoint: HNSWEntryPoint?,
         quantizer: ScalarQuantizer?, keepsColumn: Bool = false) {
        self.source = source
        writer = source as? VectorWriter
        self.entryPoint = entryPoint
        self.quantizer = quantizer
        self.keepsColumn = keepsColumn && quantizer != nil
        layout = source.layout
        slotLimit = source.slotLimit
        vectorBases = source.vectorTable.bases
        graphBases = source.graphTable.bases
        graphSegments = source.graphTable.count
        columnBases = source.columnTable.bases
        columnSegments = source.columnTable.count
        dimension = layout.dimension
        geometry = GraphGeometry(parameters: parameters, codeBytes: quantizer == nil ? 0 : layout.dimension)
        upperRow = .allocate(capacity: geometry.upperLinks + 1)
    }

    /// The graph an index record describes, over `source`.
    convenience init(_ source: any SegmentedVectors, record: IndexRecord) {
        self.init(source, parameters: record.settings.hnsw, entryPoint: record.entryPoint, quantizer: record.quantizer,
                  keepsColumn: record.keepsCodeColumn)
    }

    deinit { upperRow.deallocate() }

    /// Re-reads the tables after the store changed (they may have grown or moved).
    func refresh() {
        slotLimit = source.slotLimit
        vectorBases = source.vectorTable.bases
        graphBases = source.graphTable.bases
        graphSegments = source.graphTable.count
        columnBases = source.columnTable.bases
        columnSegments = source.columnTable.count
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
        if let row = row(node) { simdb_prefetch(row) }
    }

    /// The flag of a node whose code was clamped (see the row layout).
    static let outsideCodeRange: UInt32 = 1 << 16
    private static let countMask: UInt32 = 0xFFFF

    /// The code of `node` in place, and whether it was clamped (then the node is best scored on
    /// its vector); `nil` when the slot is not in the graph. The graph must keep codes.
    @inline(__always)
    func code(of node: HNSWNode) -> (code: UnsafePointer<UInt8>, clamped: Bool)? {
        guard let row = row(node), row.load(as: Int32.self) > 0 else { return nil }
        let clamped = row.load(fromByteOffset: 4, as: UInt32.self) & Self.outsideCodeRange != 0
        return (UnsafePointer((row + geometry.codeOffset).assumingMemoryBound(to: UInt8.self)), clamped)
    }

    /// Column segments that hold slots below the slot limit.
    var columnSegmentCount: Int {
        min(columnSegments, (slotLimit + geometry.columnSlots - 1) >> geometry.columnShift)
    }

    /// Column segment `segment` in place: its state bytes, its codes, its first node, and how
    /// many of its slots are below the slot limit; `nil` when no node was ever coded in it.
    func columnSegment(_ segment: Int) -> (states: UnsafePointer<UInt8>, codes: UnsafePointer<UInt8>,
                                          first: HNSWNode, count: Int)? {
        guard keepsColumn, segment < columnSegments, let base = columnBases[segment] else { return nil }
        let first = segment << geometry.columnShift
        let states = UnsafePointer(base.assumingMemoryBound(to: UInt8.self))
        return (states, states + geometry.columnSlots, HNSWNode(first), min(geometry.columnSlots, slotLimit - first))
    }

    /// The state and code of `node` in the column (see the type's notes); `nil` when its
    /// segment was never written. The graph must keep a column.
    func columnEntry(of node: HNSWNode) -> (state: UInt8, code: UnsafePointer<UInt8>)? {
        guard let (states, codes, first, _) = columnSegment(Int(node) >> geometry.columnShift) else { return nil }
        let index = Int(node - first)
        return (states[index], codes + index * dimension)
    }

    /// Column states: not in the graph, coded, coded but clamped.
    enum ColumnState {
        static let absent: UInt8 = 0, coded: UInt8 = 1, clamped: UInt8 = 2
    }

    /// Hints that ``code(of:)`` of `node` is about to be read: the row's first line (its level)
    /// and the lines of its code.
    @inline(__always)
    func prefetchCode(of node: HNSWNode) {
        guard let row = row(node) else { return }
        simdb_prefetch(row)
        simdb_prefetch(row + geometry.codeOffset)
        simdb_prefetch(row + geometry.codeOffset + geometry.codeBytes - 1)
    }

    /// Level 0: in place. Upper levels: a copy, valid until the next call for an upper level.
    @inline(__always)
    func neighbors(of node: HNSWNode, level: Int) -> UnsafeBufferPointer<HNSWNode> {
        if level == 0 {
            let row = row(node).unsafelyUnwrapped
            let count = Int(row.load(fromByteOffset: 4, as: UInt32.self) & Self.countMask)
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
        let clamped = quantizer?.encode(vector, into: (row + geometry.codeOffset).assumingMemoryBound(to: UInt8.self))
        row.storeBytes(of: Int32(level + 1), as: Int32.self)
        row.storeBytes(of: clamped == true ? Self.outsideCodeRange : 0, toByteOffset: 4, as: UInt32.self)
        if keepsColumn {
            let (states, codes, index) = try mutableColumnEntry(HNSWNode(slot))
            states[index] = clamped == true ? ColumnState.clamped : ColumnState.coded
            (codes + index * dimension).update(from: (row + geometry.codeOffset).assumingMemoryBound(to: UInt8.self),
                                               count: dimension)
        }
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
        if keepsColumn {
            let (states, _, index) = try mutableColumnEntry(node)
            states[index] = ColumnState.absent
        }
    }

    func setNeighbors(of node: HNSWNode, level: Int, to neighbors: [HNSWNode]) throws {
        if level == 0 {
            precondition(neighbors.count <= geometry.levelZeroLinks)
            let row = try mutableRow(node)
            let flags = row.load(fromByteOffset: 4, as: UInt32.self) & ~Self.countMask
            row.storeBytes(of: flags | UInt32(neighbors.count), toByteOffset: 4, as: UInt32.self)
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

    private func mutableColumnEntry(_ node: HNSWNode) throws
        -> (states: UnsafeMutablePointer<UInt8>, codes: UnsafeMutablePointer<UInt8>, index: Int)
    {
        let segment = Int(node) >> geometry.columnShift
        let base = try changing().mutableColumnSegment(segment, byteCount: geometry.columnSegmentBytes)
        refresh()
        let states = base.assumingMemoryBound(to: UInt8.self)
        return (states, states + geometry.columnSlots, Int(node) & geometry.columnMask)
    }

    private func mutableRow(_ node: HNSWNode) throws -> UnsafeMutableRawPointer {
        let segment = Int(node) >> geometry.rowShift
        let base = try changing().mutableGraphSegment(segment, byteCount: geometry.segmentBytes)
        refresh()
        return base + (Int(node) & geometry.rowMask) * geometry.rowBytes
    }
}

/// The sizes of a stored graph's rows and segments, fixed by `m` and whether rows hold codes.
struct GraphGeometry {
    let levelZeroLinks: Int
    let upperLinks: Int
    /// Where a row's code starts, and its length (0 without codes).
    let codeOffset: Int, codeBytes: Int
    /// Bytes of a level-0 row: level, count, links, code, padding.
    let rowBytes: Int
    /// Bytes of one level's row in an upper record: count, links.
    let upperRowBytes: Int
    /// Rows per graph segment, a power of two, so that a segment is at least 16 KiB (LMDB keeps
    /// it on overflow pages: contiguous and page-aligned).
    let rowsPerSegment: Int
    let rowShift: Int
    let rowMask: Int
    /// Slots per column segment: a power of two with at least 128 KiB of states and codes.
    let columnSlots: Int
    let columnShift: Int
    let columnMask: Int

    init(parameters: HNSWParameters, codeBytes: Int) {
        levelZeroLinks = parameters.maximumLinks(atLevel: 0)
        upperLinks = parameters.maximumLinks(atLevel: 1)
        codeOffset = 8 + 4 * levelZeroLinks
        self.codeBytes = codeBytes
        rowBytes = (codeOffset + codeBytes + 3) & ~3
        upperRowBytes = 4 + 4 * upperLinks
        var rows = 1
        while rows * rowBytes < 16 << 10 { rows *= 2 }
        rowsPerSegment = rows
        rowShift = rows.trailingZeroBitCount
        rowMask = rows - 1
        var slots = 1
        while slots * (codeBytes + 1) < 128 << 10 { slots *= 2 }
        columnSlots = slots
        columnShift = slots.trailingZeroBitCount
        columnMask = slots - 1
    }

    var segmentBytes: Int { rowsPerSegment * rowBytes }

    var columnSegmentBytes: Int { columnSlots * (codeBytes + 1) }
}
