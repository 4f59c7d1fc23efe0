import SimDBCore

/// How a ``VectorStore`` packs vectors into segments: fixed runs of slots, each run one LMDB value.
///
/// A segment holds `slotsPerSegment` slots: first every slot's vector (`dimension` little-endian
/// `Float32`s, back to back), then every slot's template id (`UInt64`, ``freeSlot`` when the slot
/// is empty). Slot `s` lives in segment `s / slotsPerSegment` at index `s % slotsPerSegment`.
///
/// A segment is about 128 KiB of vectors, so it is stored on LMDB overflow pages: contiguous,
/// page-aligned memory that a scan streams through with no per-vector lookup.
public struct SegmentLayout: Equatable, Sendable {
    /// The id column's value for an empty slot.
    public static let freeSlot = UInt64.max
    /// The vector bytes a segment aims at.
    static let targetVectorBytes = 128 << 10

    /// The length of every vector.
    public let dimension: Int
    /// Slots per segment, a power of two.
    public let slotsPerSegment: Int
    /// `log2(slotsPerSegment)`.
    public let shift: Int

    /// The layout for `dimension`-d vectors: the power of two nearest below 128 KiB of vectors
    /// (at most 4,096 slots, at least one).
    public init(dimension: Int) {
        precondition(dimension > 0)
        let fit = max(1, Self.targetVectorBytes / (dimension * MemoryLayout<Float>.size))
        var slots = 1
        while slots * 2 <= min(fit, 4096) { slots *= 2 }
        self.init(dimension: dimension, slotsPerSegment: slots)
    }

    /// A layout with an explicit segment size (a power of two), as read from a store's header.
    public init(dimension: Int, slotsPerSegment: Int) {
        precondition(dimension > 0 && slotsPerSegment > 0 && slotsPerSegment & (slotsPerSegment - 1) == 0)
        self.dimension = dimension
        self.slotsPerSegment = slotsPerSegment
        shift = slotsPerSegment.trailingZeroBitCount
    }

    /// Bytes of one vector.
    public var vectorBytes: Int { dimension * MemoryLayout<Float>.size }
    /// Where the id column starts in a segment.
    public var idsOffset: Int { slotsPerSegment * vectorBytes }
    /// Bytes of one segment.
    public var segmentBytes: Int { idsOffset + slotsPerSegment * MemoryLayout<UInt64>.size }

    /// The segment holding `slot`.
    @inlinable
    public func segment(of slot: Int) -> Int { slot >> shift }
    /// The index of `slot` inside its segment.
    @inlinable
    public func index(of slot: Int) -> Int { slot & (slotsPerSegment - 1) }
    /// How many segments `slotLimit` slots take.
    public func segmentCount(forSlots slotLimit: Int) -> Int { (slotLimit + slotsPerSegment - 1) >> shift }
}

/// Base addresses of a database's segments (values under keys `0..<count`), indexed by segment
/// number: pointers into the memory map, or into pages dirtied by a write transaction.
///
/// Plain memory, read without locks or checks on hot paths. A table belongs to the snapshot or
/// write transaction that built it; its pointers are valid only while that lasts.
public final class SegmentTable: @unchecked Sendable {
    /// The base of each segment; `nil` for a segment not stored.
    public private(set) var bases: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// How many segments the table covers.
    public private(set) var count: Int
    private var capacity: Int

    init(count: Int = 0) {
        capacity = max(count, 16)
        bases = .allocate(capacity: capacity)
        bases.initialize(repeating: nil, count: capacity)
        self.count = count
    }

    deinit { bases.deallocate() }

    /// Makes room for `newCount` segments (new entries are `nil`). May move ``bases``.
    func grow(to newCount: Int) {
        guard newCount > count else { return }
        if newCount > capacity {
            let newCapacity = max(newCount, capacity * 2)
            let grown = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: newCapacity)
            grown.moveInitialize(from: bases, count: capacity)
            (grown + capacity).initialize(repeating: nil, count: newCapacity - capacity)
            bases.deallocate()
            bases = grown
            capacity = newCapacity
        }
        count = newCount
    }

    /// Keys of the `graph` database from this one on hold column segments (number `key − columnKeyBase`);
    /// keys below it, row segments.
    static let columnKeyBase: UInt64 = 1 << 31

    /// Fills a rows table and a column table from the `graph` database (see ``columnKeyBase``).
    /// - Throws: ``SimDBError`` `.corruptStore` for a key out of range.
    static func loadIndex(_ db: LMDBDatabase, in txn: LMDBTransaction, path: String) throws -> (rows: SegmentTable, column: SegmentTable) {
        let rows = SegmentTable(), column = SegmentTable()
        try txn.forEach(db) { key, value in
            guard key < 1 << 32 else { throw SimDBError(.corruptStore, "\(path): graph segment key \(key) is out of range") }
            let (table, number) = key < columnKeyBase ? (rows, Int(key)) : (column, Int(key - columnKeyBase))
            table.grow(to: number + 1)
            table.bases[number] = UnsafeMutableRawPointer(mutating: value.baseAddress)
        }
        return (rows, column)
    }

    /// Fills the table from every record of an integer-key database of segments.
    /// - Throws: ``SimDBError`` `.corruptStore` when a segment has the wrong size or number.
    static func load(_ db: LMDBDatabase, in txn: LMDBTransaction, byteCount: Int?, path: String) throws -> SegmentTable {
        let table = SegmentTable()
        try txn.forEach(db) { key, value in
            guard key < 1 << 32, byteCount.map({ value.count == $0 }) ?? true else {
                throw SimDBError(.corruptStore, "\(path): segment \(key) has \(value.count) bytes")
            }
            table.grow(to: Int(key) + 1)
            table.bases[Int(key)] = UnsafeMutableRawPointer(mutating: value.baseAddress)
        }
        return table
    }
}

/// What an index reads of a store, in a read or a write transaction alike: where the segments
/// are, and the two lookups it needs. ``VectorReader`` and ``VectorWriter`` provide it.
public protocol SegmentedVectors {
    /// How vectors are packed.
    var layout: SegmentLayout { get }
    /// One more than the highest slot in use.
    var slotLimit: Int { get }
    /// The vector segments' base addresses.
    var vectorTable: SegmentTable { get }
    /// The graph's row segments' base addresses.
    var graphTable: SegmentTable { get }
    /// The graph's column segments' base addresses.
    var columnTable: SegmentTable { get }
    /// The slot of the vector stored under `id`, if any.
    func slot(of id: UInt64) throws -> Int?
    /// The small record of an index under `slot`, in place (2-byte aligned).
    func upperRecord(_ slot: Int) throws -> UnsafeRawBufferPointer?
}
