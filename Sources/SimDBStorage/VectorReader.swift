import SimDBCore

/// Reads one snapshot of a ``VectorStore``: handed to the closure of ``VectorStore/read(_:)``.
///
/// Vectors are served in place: a buffer points into the memory map when the stored value is
/// 4-byte aligned, which it is whenever keys and values are multiples of 4 bytes (always, for
/// values this module writes). A misaligned value is copied instead: into one scratch buffer per
/// scan in ``forEachVector(_:)``, into a buffer that lives until the snapshot ends in ``vector(_:)``.
///
/// - Important: The reader and every buffer it returns are valid only inside the `read` closure.
///   It is not `Sendable`.
public struct VectorReader: VectorSource {
    /// The number of components in every vector.
    public let dimension: Int
    /// The store's data file, for messages.
    public let path: String

    private let transaction: LMDBTransaction
    private let database: LMDBDatabase
    private let copies = AlignedCopies()

    init(transaction: LMDBTransaction, database: LMDBDatabase, dimension: Int, path: String) {
        self.transaction = transaction
        self.database = database
        self.dimension = dimension
        self.path = path
    }

    private var byteCount: Int { dimension * MemoryLayout<Float>.size }

    /// Calls `body` with every stored vector, in ascending id order.
    ///
    /// A cursor scan over the memory map: nothing is allocated per vector, and `body` receives a
    /// view valid only for that call.
    /// - Throws: what `body` throws (the scan stops); ``SimDBError`` `.corruptStore` when a stored
    ///   value is not `dimension × 4` bytes; `.storage` when LMDB fails.
    public func forEachVector(_ body: (UInt64, UnsafeBufferPointer<Float>) throws -> Void) throws {
        var scratch: UnsafeMutableBufferPointer<Float>?
        defer { scratch?.deallocate() }
        let dimension = dimension
        try transaction.forEach(database) { id, raw in
            try check(raw, id: id)
            if let floats = Self.inPlace(raw, dimension) {
                try body(id, floats)
            } else {
                let buffer = scratch ?? .allocate(capacity: dimension)
                scratch = buffer
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                try body(id, UnsafeBufferPointer(buffer))
            }
        }
    }

    /// The vector stored under `id`, without copying when it is aligned.
    /// - Returns: a view valid until the `read` closure returns, or `nil` when `id` is absent.
    /// - Throws: ``SimDBError`` `.corruptStore` when the stored value has the wrong size;
    ///   `.storage` when LMDB fails.
    public func vector(_ id: UInt64) throws -> UnsafeBufferPointer<Float>? {
        guard let raw = try transaction.get(database, key: id) else { return nil }
        try check(raw, id: id)
        return Self.inPlace(raw, dimension) ?? copies.copy(raw, count: dimension)
    }

    /// Every stored id, ascending.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func ids() throws -> [UInt64] {
        var ids: [UInt64] = []
        ids.reserveCapacity(try transaction.count(database))
        try transaction.forEach(database) { id, _ in ids.append(id) }
        return ids
    }

    /// The number of stored vectors, in constant time.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func count() throws -> Int {
        try transaction.count(database)
    }

    /// Whether a vector is stored under `id`.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func contains(_ id: UInt64) throws -> Bool {
        try transaction.get(database, key: id) != nil
    }

    private func check(_ raw: UnsafeRawBufferPointer, id: UInt64) throws {
        guard raw.count == byteCount else {
            throw SimDBError(.corruptStore,
                "\(path): vector \(id) has \(raw.count) bytes, expected \(byteCount) (\(dimension)-d float32)")
        }
    }

    /// `raw` viewed as floats when it is aligned for them.
    @inline(__always)
    private static func inPlace(_ raw: UnsafeRawBufferPointer, _ count: Int) -> UnsafeBufferPointer<Float>? {
        guard let base = raw.baseAddress,
              Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return UnsafeBufferPointer(start: base.bindMemory(to: Float.self, capacity: count), count: count)
    }
}

@available(*, unavailable, message: "a reader belongs to the closure it was handed to")
extension VectorReader: Sendable {}

/// Aligned copies of misaligned vectors, freed when the reader's snapshot ends.
private final class AlignedCopies {
    private var blocks: [UnsafeMutableRawPointer] = []

    func copy(_ raw: UnsafeRawBufferPointer, count: Int) -> UnsafeBufferPointer<Float>? {
        guard let source = raw.baseAddress else { return nil }
        let block = UnsafeMutableRawPointer.allocate(byteCount: raw.count, alignment: MemoryLayout<Float>.alignment)
        block.copyMemory(from: source, byteCount: raw.count)
        blocks.append(block)
        return UnsafeBufferPointer(start: block.bindMemory(to: Float.self, capacity: count), count: count)
    }

    deinit {
        for block in blocks { block.deallocate() }
    }
}
