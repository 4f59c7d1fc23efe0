import SimDBCore

/// Changes a ``VectorStore`` inside one write transaction: handed to ``VectorStore/write(_:)``.
///
/// Vectors go into slots (the lowest free slot first, else a new one at the end); a segment a
/// transaction changes is copied to dirty pages once, on first touch, and then written in place
/// (`MDB_RESERVE` on LMDB overflow pages), so a batch costs one copy per segment touched, not
/// one per vector. The writer also carries the store's other layers through the same
/// transaction: segments of an index's graph (``graphSegment(_:)``), its small records
/// (``upperRecord(_:)``), and named records in `meta`.
///
/// - Important: The writer and every pointer it returns are valid only inside the `write`
///   closure, and a pointer into a segment only until the next call that changes that segment's
///   database. It is not `Sendable`.
public final class VectorWriter: SegmentedVectors {
    /// How vectors are packed.
    public let layout: SegmentLayout
    /// The store's data file, for messages.
    public let path: String
    /// One more than the highest slot ever used: slots below it are live or free.
    public private(set) var slotLimit: Int
    /// Bytes of segments this transaction has copied to dirty pages so far: the memory it holds.
    /// LMDB bounds a transaction's dirty pages by count of allocations (2¹⁷; a segment is one), so
    /// bulk writers commit in chunks to bound memory, not to stay within LMDB.
    public private(set) var dirtyBytes = 0
    /// The vector segments' base addresses (dirty copies for the ones changed).
    public let vectorTable: SegmentTable
    /// The graph segments' base addresses (dirty copies for the ones changed).
    public let graphTable: SegmentTable
    /// The column segments' base addresses (dirty copies for the ones changed).
    public let columnTable: SegmentTable

    let txn: LMDBTransaction
    let databases: VectorStore.Databases
    private let storedSlotLimit: Int
    private var dirtyVectors = Set<Int>(), dirtyGraph = Set<Int>(), dirtyColumn = Set<Int>()
    /// Free slots now: a put looks for one only when there is one.
    private var freeSlots: Int
    /// The largest stored id: a larger one is new (no lookup) and appended to the id map.
    private var largestID: UInt64?

    init(_ txn: LMDBTransaction, databases: VectorStore.Databases, layout: SegmentLayout, path: String) throws {
        self.txn = txn
        self.databases = databases
        self.layout = layout
        self.path = path
        storedSlotLimit = try VectorStore.slotLimit(txn, databases.meta)
        slotLimit = storedSlotLimit
        freeSlots = try txn.count(databases.free)
        largestID = try txn.lastKey(databases.ids)
        vectorTable = try SegmentTable.load(databases.segments, in: txn, byteCount: layout.segmentBytes, path: path)
        (graphTable, columnTable) = try SegmentTable.loadIndex(databases.graph, in: txn, path: path)
        guard vectorTable.count == layout.segmentCount(forSlots: slotLimit) else {
            throw SimDBError(.corruptStore,
                "\(path): \(vectorTable.count) vector segments for \(slotLimit) slots")
        }
    }

    /// Writes the slot count; called once when the closure returns.
    func finish() throws {
        if slotLimit != storedSlotLimit {
            try txn.put(databases.meta, key: VectorStore.slotsKey,
                        value: withUnsafeBytes(of: UInt64(slotLimit).littleEndian, Array.init))
        }
    }

    // MARK: Vectors

    /// The number of stored vectors.
    public func count() throws -> Int { try txn.count(databases.ids) }

    /// The slot holding the vector stored under `id`, if any.
    public func slot(of id: UInt64) throws -> Int? {
        guard let raw = try txn.get(databases.ids, key: id) else { return nil }
        guard raw.count == 8 else { throw SimDBError(.corruptStore, "\(path): the slot record of id \(id) is damaged") }
        return Int(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
    }

    /// Stores `vector` under `id`: in the slot it already has (replacing the vector), else in the
    /// lowest free slot, else in a new slot at the end.
    /// - Returns: the slot, and whether an existing vector was replaced.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a wrong length or the reserved id
    ///   `UInt64.max`; `.storage` when LMDB fails.
    @discardableResult
    public func put(id: UInt64, vector: UnsafeBufferPointer<Float>) throws -> (slot: Int, replaced: Bool) {
        guard vector.count == layout.dimension else {
            throw SimDBError(.invalidArgument, "\(path): vector has \(vector.count) values, expected \(layout.dimension)")
        }
        guard id != SegmentLayout.freeSlot else {
            throw SimDBError(.invalidArgument, "\(path): id \(id) is reserved")
        }
        guard vector.allSatisfy(\.isFinite) else {
            throw SimDBError(.invalidArgument, "\(path): vector \(id) has a value that is not finite")
        }
        let isLargest = largestID.map { id > $0 } ?? true
        if !isLargest, let slot = try slot(of: id) {
            try writeSlot(slot, id: id, vector: vector)
            return (slot, true)
        }
        let slot: Int
        if freeSlots > 0, let free = try txn.firstKey(databases.free) {
            slot = Int(free)
            _ = try txn.delete(databases.free, key: free)
            freeSlots -= 1
        } else {
            guard slotLimit < Int(UInt32.max) else { throw SimDBError(.invalidArgument, "\(path): the store is full") }
            slot = slotLimit
            slotLimit += 1
        }
        var slotValue = UInt64(slot).littleEndian
        try withUnsafeBytes(of: &slotValue) { try txn.put(databases.ids, key: id, value: $0, append: isLargest) }
        if isLargest { largestID = id }
        try writeSlot(slot, id: id, vector: vector)
        return (slot, false)
    }

    /// Removes the vector stored under `id` and frees its slot, whose vector then reads as NaN
    /// (so an index can tell a link to a freed slot by its distance).
    /// - Returns: the slot it had, or `nil` when `id` was absent.
    @discardableResult
    public func remove(id: UInt64) throws -> Int? {
        guard let slot = try slot(of: id) else { return nil }
        _ = try txn.delete(databases.ids, key: id)
        if id == largestID { largestID = try txn.lastKey(databases.ids) }
        try txn.put(databases.free, key: UInt64(slot), value: UnsafeRawBufferPointer(start: nil, count: 0))
        freeSlots += 1
        let segment = try mutableVectorSegment(layout.segment(of: slot))
        let index = layout.index(of: slot)
        (segment + index * layout.vectorBytes).initializeMemory(as: Float.self, repeating: .nan, count: layout.dimension)
        segment.storeBytes(of: SegmentLayout.freeSlot.littleEndian, toByteOffset: layout.idsOffset + index * 8,
                           as: UInt64.self)
        return slot
    }

    /// The vector in `slot` (`slot < slotLimit`), in place.
    @inlinable
    public func vector(at slot: Int) -> UnsafeBufferPointer<Float> {
        let base = vectorTable.bases[layout.segment(of: slot)].unsafelyUnwrapped
            + layout.index(of: slot) * layout.vectorBytes
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: layout.dimension)
    }

    /// The id stored in `slot` (`slot < slotLimit`), or `nil` when the slot is free.
    public func id(at slot: Int) -> UInt64? {
        let base = vectorTable.bases[layout.segment(of: slot)].unsafelyUnwrapped
        let id = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: layout.idsOffset + layout.index(of: slot) * 8,
                                                         as: UInt64.self))
        return id == SegmentLayout.freeSlot ? nil : id
    }

    private func writeSlot(_ slot: Int, id: UInt64, vector: UnsafeBufferPointer<Float>) throws {
        let segment = try mutableVectorSegment(layout.segment(of: slot))
        let index = layout.index(of: slot)
        (segment + index * layout.vectorBytes).copyMemory(from: vector.baseAddress!, byteCount: layout.vectorBytes)
        segment.storeBytes(of: id.littleEndian, toByteOffset: layout.idsOffset + index * 8, as: UInt64.self)
    }

    /// The vector segment `number`, writable: copied to dirty pages on first touch; a new one
    /// (past the table's end) starts with every slot free.
    private func mutableVectorSegment(_ number: Int) throws -> UnsafeMutableRawPointer {
        if dirtyVectors.contains(number) { return vectorTable.bases[number].unsafelyUnwrapped }
        let bytes = layout.segmentBytes
        let old = number < vectorTable.count ? vectorTable.bases[number] : nil
        let fresh = try txn.reserve(databases.segments, key: UInt64(number), count: bytes)
        if let old {
            fresh.copyMemory(from: old, byteCount: bytes)
        } else {
            fresh.initializeMemory(as: UInt8.self, repeating: 0, count: layout.idsOffset)
            (fresh + layout.idsOffset).initializeMemory(as: UInt64.self, repeating: SegmentLayout.freeSlot,
                                                        count: layout.slotsPerSegment)
        }
        vectorTable.grow(to: number + 1)
        vectorTable.bases[number] = fresh
        dirtyVectors.insert(number)
        dirtyBytes += bytes
        return fresh
    }

    // MARK: An index's storage

    /// Graph segment `number`, read-only, or `nil` when it is not stored.
    public func graphSegment(_ number: Int) -> UnsafeRawPointer? {
        number < graphTable.count ? graphTable.bases[number].map(UnsafeRawPointer.init) : nil
    }

    /// Graph segment `number` of `byteCount` bytes, writable: copied to dirty pages on first
    /// touch, zero-filled when new. Every graph segment must have the same size.
    public func mutableGraphSegment(_ number: Int, byteCount: Int) throws -> UnsafeMutableRawPointer {
        try mutableIndexSegment(number, byteCount: byteCount, table: graphTable, dirty: &dirtyGraph, keyBase: 0)
    }

    /// Column segment `number` of `byteCount` bytes, writable, as ``mutableGraphSegment(_:byteCount:)``:
    /// a second family of an index's segments, kept in the same database (keys from 2³¹ on).
    /// Every column segment must have the same size.
    public func mutableColumnSegment(_ number: Int, byteCount: Int) throws -> UnsafeMutableRawPointer {
        try mutableIndexSegment(number, byteCount: byteCount, table: columnTable, dirty: &dirtyColumn,
                                keyBase: SegmentTable.columnKeyBase)
    }

    private func mutableIndexSegment(_ number: Int, byteCount: Int, table: SegmentTable, dirty: inout Set<Int>,
                                     keyBase: UInt64) throws -> UnsafeMutableRawPointer {
        if dirty.contains(number) { return table.bases[number].unsafelyUnwrapped }
        guard UInt64(number) < SegmentTable.columnKeyBase else {
            throw SimDBError(.invalidArgument, "\(path): index segment \(number) is out of range")
        }
        let old = number < table.count ? table.bases[number] : nil
        let fresh = try txn.reserve(databases.graph, key: keyBase + UInt64(number), count: byteCount)
        if let old {
            fresh.copyMemory(from: old, byteCount: byteCount)
        } else {
            fresh.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        }
        table.grow(to: number + 1)
        table.bases[number] = fresh
        dirty.insert(number)
        dirtyBytes += byteCount
        return fresh
    }

    /// The small record of an index under `slot` (for example a node's upper-level links), in
    /// place: aligned to 2 bytes only, so read it with unaligned loads.
    public func upperRecord(_ slot: Int) throws -> UnsafeRawBufferPointer? {
        try txn.get(databases.upper, key: UInt64(slot))
    }

    /// Replaces (or, with `nil`, removes) the small record of an index under `slot`.
    public func setUpperRecord(_ slot: Int, _ bytes: UnsafeRawBufferPointer?) throws {
        if let bytes {
            try txn.put(databases.upper, key: UInt64(slot), value: bytes)
        } else {
            _ = try txn.delete(databases.upper, key: UInt64(slot))
        }
    }

    /// Whether an index keeps data here (graph segments or small records).
    public func hasIndexData() throws -> Bool {
        try txn.count(databases.graph) > 0 || txn.count(databases.upper) > 0
    }

    /// Removes every graph segment and small record: the index is gone, the vectors stay.
    public func removeIndexData() throws {
        try txn.removeAll(databases.graph)
        try txn.removeAll(databases.upper)
        for number in 0..<graphTable.count { graphTable.bases[number] = nil }
        for number in 0..<columnTable.count { columnTable.bases[number] = nil }
        dirtyGraph.removeAll()
        dirtyColumn.removeAll()
    }

    /// The `meta` record named `name` (not `header` or `slots`), copied.
    public func record(_ name: String) throws -> [UInt8]? {
        try txn.get(databases.meta, key: VectorStore.recordKey(name)).map(Array.init)
    }

    /// Replaces (or, with `nil`, removes) the `meta` record named `name`.
    public func setRecord(_ name: String, _ bytes: [UInt8]?) throws {
        let key = try VectorStore.recordKey(name)
        if let bytes {
            try txn.put(databases.meta, key: key, value: bytes)
        } else {
            _ = try txn.delete(databases.meta, key: key)
        }
    }
}

@available(*, unavailable, message: "a writer belongs to the closure it was handed to")
extension VectorWriter: Sendable {}

extension VectorStore {
    /// The `meta` key of a layer's record: its name, which must not be one of the store's own.
    static func recordKey(_ name: String) throws -> [UInt8] {
        let key = Array(name.utf8)
        guard !key.isEmpty, key != headerKey, key != slotsKey else {
            throw SimDBError(.invalidArgument, "'\(name)' is not a usable record name")
        }
        return key
    }
}
