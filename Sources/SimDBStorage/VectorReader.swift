import SimDBCore

/// Reads one snapshot of a ``VectorStore``: handed to the closure of ``VectorStore/read(_:)``.
///
/// Vectors are served in place, from the memory map: segments live on LMDB overflow pages,
/// which start at a page boundary, so every vector is 4-byte aligned. Where each segment is
/// comes from a table built once per snapshot and reused by later reads of the same snapshot.
///
/// - Important: The reader and every buffer it returns are valid only inside the `read` closure.
///   It is not `Sendable`.
public struct VectorReader: VectorSource, SegmentedVectors {
    /// How vectors are packed.
    public let layout: SegmentLayout
    /// The store's data file, for messages.
    public let path: String
    /// One more than the highest slot in use (slots below it are live or free).
    public let slotLimit: Int
    /// The vector segments' base addresses.
    public let vectorTable: SegmentTable
    /// The graph segments' base addresses (see ``VectorWriter/mutableGraphSegment(_:byteCount:)``).
    public let graphTable: SegmentTable
    /// The column segments' base addresses (see ``VectorWriter/mutableColumnSegment(_:byteCount:)``).
    public let columnTable: SegmentTable

    private let transaction: LMDBTransaction
    private let databases: VectorStore.Databases
    private let snapshot: Snapshot

    init(transaction: LMDBTransaction, snapshot: Snapshot, store: VectorStore) {
        self.transaction = transaction
        self.snapshot = snapshot
        databases = store.databases
        layout = store.layout
        path = store.path
        slotLimit = snapshot.slotLimit
        vectorTable = snapshot.vectors
        graphTable = snapshot.graph
        columnTable = snapshot.column
    }

    /// The number of components in every vector.
    public var dimension: Int { layout.dimension }

    /// The snapshot's LMDB transaction id: equal ids mean the same committed contents, so a
    /// layer may cache what it decoded from one snapshot for the next read with the same id.
    public var snapshotID: Int { snapshot.transactionID }

    /// Calls `body` with every stored vector, in slot order.
    ///
    /// Streams the segments: nothing is looked up or allocated per vector, and `body` receives a
    /// view valid only for that call.
    /// - Throws: what `body` throws (the scan stops).
    public func forEachVector(_ body: (UInt64, UnsafeBufferPointer<Float>) throws -> Void) throws {
        try forEachVector(inSegments: 0 ..< layout.segmentCount(forSlots: slotLimit), body)
    }

    /// ``forEachVector(_:)`` over some segments only: parallel scans split the segments.
    public func forEachVector(inSegments segments: Range<Int>,
                              _ body: (UInt64, UnsafeBufferPointer<Float>) throws -> Void) rethrows {
        let dimension = layout.dimension
        try forEachSegment(inSegments: segments) { vectors, ids, slots in
            for index in 0 ..< slots {
                let id = UInt64(littleEndian: ids.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                if id == SegmentLayout.freeSlot { continue }
                try body(id, UnsafeBufferPointer(start: vectors + index * dimension, count: dimension))
            }
        }
    }

    /// Calls `body` with each segment's run of slots in `segments`: the vectors (back to back),
    /// their ids (`UInt64`, ``SegmentLayout/freeSlot`` for an empty slot; read them unaligned)
    /// and how many slots are in use. For scans that compute a run of distances in one call.
    public func forEachSegment(inSegments segments: Range<Int>,
                               _ body: (UnsafePointer<Float>, UnsafeRawPointer, Int) throws -> Void) rethrows {
        let perSegment = layout.slotsPerSegment
        for segment in segments {
            guard let base = vectorTable.bases[segment] else { continue }
            try body(UnsafePointer(base.assumingMemoryBound(to: Float.self)), UnsafeRawPointer(base + layout.idsOffset),
                     min(perSegment, slotLimit - segment * perSegment))
        }
    }

    /// The slot of the vector stored under `id`, if any.
    /// - Throws: ``SimDBError`` `.corruptStore` for a damaged record; `.storage` when LMDB fails.
    public func slot(of id: UInt64) throws -> Int? {
        guard let raw = try transaction.get(databases.ids, key: id) else { return nil }
        guard raw.count == 8 else { throw SimDBError(.corruptStore, "\(path): the slot record of id \(id) is damaged") }
        let slot = Int(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
        guard slot < slotLimit else { throw SimDBError(.corruptStore, "\(path): id \(id) points past the last slot") }
        return slot
    }

    /// The vector stored under `id`, in place.
    /// - Returns: a view valid until the `read` closure returns, or `nil` when `id` is absent.
    /// - Throws: as ``slot(of:)``.
    public func vector(_ id: UInt64) throws -> UnsafeBufferPointer<Float>? {
        try slot(of: id).map { vector(at: $0) }
    }

    /// The vector in `slot` (`slot < slotLimit`), in place.
    @inlinable
    public func vector(at slot: Int) -> UnsafeBufferPointer<Float> {
        let base = vectorTable.bases[layout.segment(of: slot)].unsafelyUnwrapped
            + layout.index(of: slot) * layout.vectorBytes
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: layout.dimension)
    }

    /// The id stored in `slot` (`slot < slotLimit`), or `nil` when the slot is free.
    @inlinable
    public func id(at slot: Int) -> UInt64? {
        let base = vectorTable.bases[layout.segment(of: slot)].unsafelyUnwrapped
        let id = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: layout.idsOffset + layout.index(of: slot) * 8,
                                                         as: UInt64.self))
        return id == SegmentLayout.freeSlot ? nil : id
    }

    /// Every stored id, ascending.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func ids() throws -> [UInt64] {
        var ids: [UInt64] = []
        ids.reserveCapacity(try transaction.count(databases.ids))
        try transaction.forEach(databases.ids) { id, _ in ids.append(id) }
        return ids
    }

    /// The number of stored vectors, in constant time.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func count() throws -> Int {
        try transaction.count(databases.ids)
    }

    /// Whether a vector is stored under `id`.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func contains(_ id: UInt64) throws -> Bool {
        try transaction.get(databases.ids, key: id) != nil
    }

    /// The small record of an index under `slot`, in place (2-byte aligned: use unaligned loads).
    public func upperRecord(_ slot: Int) throws -> UnsafeRawBufferPointer? {
        try transaction.get(databases.upper, key: UInt64(slot))
    }

    /// The `meta` record named `name`, copied.
    public func record(_ name: String) throws -> [UInt8]? {
        try transaction.get(databases.meta, key: VectorStore.recordKey(name)).map(Array.init)
    }

    /// The bytes of pages the vectors (segments, id map, free list) and an index's data (graph
    /// segments, small records) occupy in the file.
    public func pageBytes() throws -> (vectors: Int, index: Int) {
        let vectors = try [databases.segments, databases.ids, databases.free].reduce(0) { try $0 + transaction.byteSize($1) }
        let index = try transaction.byteSize(databases.graph) + transaction.byteSize(databases.upper)
        return (vectors, index)
    }

    /// The number of free slots (holes left by removals, reused first).
    public func freeSlotCount() throws -> Int {
        try transaction.count(databases.free)
    }
}

@available(*, unavailable, message: "a reader belongs to the closure it was handed to")
extension VectorReader: Sendable {}
