import Foundation
import SimDBCore

/// Float32 embeddings keyed by 64-bit template id, in one LMDB file, laid out for scanning.
///
/// Vectors live in slots, packed into segments of ``SegmentLayout/slotsPerSegment`` slots, each
/// segment one LMDB value (contiguous overflow pages). The file holds these databases:
///
/// | database | key | value |
/// |---|---|---|
/// | `meta` | name | the `header` record (what the store holds, see ``readHeader(path:)``), `slots` (the slot high-water mark), and records of other layers such as an index's |
/// | `segments` | segment number | the segment: vectors, then the ids of its slots |
/// | `ids` | template id | its slot, `UInt64` |
/// | `free` | slot | nothing: empty slots below the high-water mark, reused lowest first |
/// | `graph` | segment number; column segment number + 2³¹ | kept for an index over the vectors: row segments (``VectorWriter/mutableGraphSegment(_:byteCount:)``) and column segments (``VectorWriter/mutableColumnSegment(_:byteCount:)``) |
/// | `upper` | slot | kept for an index over the vectors (``VectorWriter/upperRecord(_:)``) |
///
/// Every write is one transaction (``write(_:)``): all of it or none of it, vectors and index
/// together. Reads see one snapshot (``read(_:)``).
///
/// Lifetime: the store keeps its ``LMDBEnvironment`` open until the last reference goes. Stores
/// opened on the same file in one process share the environment.
///
/// Thread safety: all methods may be called from any thread or task. Reads run concurrently with
/// each other and with one writer; writers are serialised.
public final class VectorStore: @unchecked Sendable {
    /// The header's magic number: the ASCII bytes `"SIMDBVEC"` read as a little-endian `UInt64`.
    public static let magic: UInt64 = 0x4345_5642_444D_4953
    /// The format version this build writes and reads.
    public static let formatVersion: UInt32 = 2
    /// The oldest format version this build upgrades in place when it opens a store for writing
    /// (version 1 kept one record per vector).
    public static let oldestUpgradableVersion: UInt32 = 1
    /// The largest dimension a store accepts.
    public static let maximumDimension = 1 << 20

    /// The data file's path.
    public let path: String
    /// The number of components in every stored vector.
    public let dimension: Int
    /// The `name/version` identifier of the encoder whose vectors the store holds.
    public let encoderIdentifier: String
    /// How vectors are packed into segments.
    public let layout: SegmentLayout
    /// The environment the store lives in. Other databases may share it (it was opened with room
    /// for 8); the names in the table above are the store's.
    public let environment: LMDBEnvironment

    let databases: Databases
    private let snapshotLock = NSLock()
    private var cachedSnapshot: Snapshot?

    /// The store's databases.
    struct Databases {
        static let names = ["meta", "segments", "ids", "free", "graph", "upper"]
        let meta, segments, ids, free, graph, upper: LMDBDatabase
    }

    /// Opens the store at `path`, creating it when the file does not exist or holds no store yet.
    ///
    /// A new store records `encoderIdentifier` and `dimension` in its header, in the same
    /// transaction that creates its databases. An existing one must have been created with the
    /// same pair. A version-1 store is upgraded in place, in one transaction.
    /// - Parameters:
    ///   - path: the data file (its directory must exist); the lock file is `path + "-lock"`.
    ///   - dimension: the length of every vector, `1...maximumDimension`.
    ///   - encoderIdentifier: the encoder's `name/version`, not empty.
    ///   - initialMapSize: the smallest memory map in bytes; the map grows by itself.
    /// - Throws: ``SimDBError``: `.invalidArgument` for a bad dimension or identifier;
    ///   `.encoderMismatch` when the store holds another encoder's or dimension's vectors (the
    ///   message names both); `.incompatibleStore` for another format version; `.corruptStore` for
    ///   a file that is not a simdb vector file (bad magic, a foreign LMDB file, a damaged header);
    ///   `.storage` when LMDB fails.
    public init(path: String, dimension: Int, encoderIdentifier: String, initialMapSize: Int = 64 << 20) throws {
        guard dimension > 0, dimension <= Self.maximumDimension else {
            throw SimDBError(.invalidArgument,
                "\(path): vector dimension \(dimension) is outside 1...\(Self.maximumDimension)")
        }
        guard !encoderIdentifier.isEmpty, encoderIdentifier.utf8.count <= 4096 else {
            throw SimDBError(.invalidArgument, "\(path): encoder identifier must be 1 to 4096 bytes")
        }
        let environment = try LMDBEnvironment.shared(path: path, initialMapSize: initialMapSize)
        let layout = SegmentLayout(dimension: dimension)
        let expected = Header(formatVersion: Self.formatVersion, dimension: dimension,
                              encoderIdentifier: encoderIdentifier, slotsPerSegment: layout.slotsPerSegment)
        let (databases, stored) = try Self.prepare(environment, expected: expected)
        self.path = path
        self.dimension = dimension
        self.encoderIdentifier = encoderIdentifier
        self.layout = SegmentLayout(dimension: dimension, slotsPerSegment: stored.slotsPerSegment)
        self.environment = environment
        self.databases = databases
    }

    /// Reads the header of the store at `path` without knowing its encoder.
    ///
    /// Opens the file read-only unless this process already has it open.
    /// - Returns: the header's format version, dimension and encoder identifier, or `nil` when
    ///   there is no file at `path`, it is empty, or it holds no store header yet. Headers of
    ///   other format versions are returned too: their first fields keep the same layout.
    /// - Throws: ``SimDBError`` `.corruptStore` for a file that is not a simdb vector file;
    ///   `.incompatibleStore` for an unreadable header of another version; `.storage` when LMDB fails.
    public static func readHeader(path: String) throws
        -> (formatVersion: UInt32, dimension: Int, encoderIdentifier: String)?
    {
        // No file, or an empty one (LMDB cannot open that read-only): no header yet.
        var info = stat()
        guard stat(path, &info) == 0, info.st_size > 0 else { return nil }
        let environment = try LMDBEnvironment.shared(path: path, readOnly: true)
        let meta: LMDBDatabase
        do {
            meta = try environment.database(named: "meta", create: false)
        } catch let error as SimDBError where error.code == .notFound {
            return nil
        }
        let header = try environment.read { txn in
            try txn.get(meta, key: headerKey).map { try Header.decode($0, path: path) }
        }
        return header.map { ($0.formatVersion, $0.dimension, $0.encoderIdentifier) }
    }

    /// Opens the store's databases, writing the header first when the file holds none, and
    /// upgrading a version-1 store. Returns them with the stored header.
    private static func prepare(_ environment: LMDBEnvironment, expected: Header) throws
        -> (Databases, Header)
    {
        let path = environment.path
        // An existing store of this version opens without a write transaction.
        if let meta = try? environment.database(named: "meta", create: false),
           let header = try environment.read({ txn in
               try txn.get(meta, key: headerKey).map { try Header.decode($0, path: path) }
           }),
           header.formatVersion == formatVersion
        {
            try header.verify(against: expected, path: path)
            let open = { (name: String) in try environment.database(named: name, integerKeys: true, create: false) }
            return (Databases(meta: meta, segments: try open("segments"), ids: try open("ids"), free: try open("free"),
                              graph: try open("graph"), upper: try open("upper")), header)
        }
        return try environment.write { txn in
            let main = try txn.openDatabase(named: nil, integerKeys: false, create: false)
            let ours = Set((Databases.names + ["vectors"]).map { Array($0.utf8) })
            try txn.scan(main) { key, _ in
                guard ours.contains(Array(key)) else {
                    throw SimDBError(.corruptStore,
                        "\(path): not a simdb vector file (an LMDB file with other contents)")
                }
            }
            let meta = try txn.openDatabase(named: "meta", integerKeys: false, create: true)
            let open = { (name: String) in try txn.openDatabase(named: name, integerKeys: true, create: true) }
            let databases = Databases(meta: meta, segments: try open("segments"), ids: try open("ids"),
                                      free: try open("free"), graph: try open("graph"), upper: try open("upper"))
            if let raw = try txn.get(meta, key: headerKey) {
                let header = try Header.decode(raw, path: path)
                try header.verify(against: expected, path: path)
                if header.formatVersion == formatVersion { return (databases, header) }  // written meanwhile
                try upgradeVersion1(txn, databases: databases, expected: expected)
                return (databases, expected)
            }
            guard try txn.count(databases.ids) == 0 else {
                throw SimDBError(.corruptStore, "\(path): vector store holds vectors but no header")
            }
            try txn.put(meta, key: headerKey, value: expected.encoded())
            return (databases, expected)
        }
    }

    /// Moves a version-1 store's vectors (one record per id in `vectors`) into segments.
    private static func upgradeVersion1(_ txn: LMDBTransaction, databases: Databases, expected: Header) throws {
        let old = try txn.openDatabase(named: "vectors", integerKeys: true, create: true)
        let writer = try VectorWriter(txn, databases: databases,
                                      layout: SegmentLayout(dimension: expected.dimension,
                                                            slotsPerSegment: expected.slotsPerSegment),
                                      path: txn.path)
        let byteCount = expected.dimension * MemoryLayout<Float>.size
        try txn.forEach(old) { id, raw in
            guard raw.count == byteCount else {
                throw SimDBError(.corruptStore, "\(txn.path): vector \(id) has \(raw.count) bytes, expected \(byteCount)")
            }
            let copy = [Float](unsafeUninitializedCapacity: expected.dimension) { buffer, count in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                count = expected.dimension
            }
            try copy.withUnsafeBufferPointer { _ = try writer.put(id: id, vector: $0) }
        }
        try writer.finish()
        try txn.removeAll(old)
        try txn.put(databases.meta, key: headerKey, value: expected.encoded())
    }

    /// The current size of the memory map in bytes (see ``LMDBEnvironment/mapSize``).
    public var mapSize: Int { environment.mapSize }

    /// Stores one vector per id, replacing vectors already stored under those ids, in one write
    /// transaction: when anything fails, nothing of the batch is stored. An id repeated in `ids`
    /// ends up with its last vector. Keeps no index: a store with an index's data is written
    /// through that index (SimDBIndex's `IndexedVectorStore`), which keeps both in step.
    /// - Parameters:
    ///   - ids: template ids, one per row of `vectors`, below `UInt64.max`.
    ///   - vectors: the embeddings, of the store's ``dimension``.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the counts or the dimension differ, or the
    ///   store holds an index's data; `.storage` when LMDB fails.
    public func put(ids: [UInt64], vectors batch: EmbeddingBatch) throws {
        try checkBatch(ids: ids, batch)
        guard !ids.isEmpty else { return }
        try write { writer in
            try Self.refuseIndexed(writer)
            for (row, id) in ids.enumerated() {
                try batch.withVector(at: row) { _ = try writer.put(id: id, vector: $0) }
            }
        }
    }

    /// Checks that `batch` fits the store and pairs with `ids`.
    /// - Throws: ``SimDBError`` `.invalidArgument` naming the mismatch.
    public func checkBatch(ids: [UInt64], _ batch: EmbeddingBatch) throws {
        guard batch.dimension == dimension else {
            throw SimDBError(.invalidArgument,
                "\(path): batch has \(batch.dimension)-d vectors; the store holds \(dimension)-d vectors "
                + "of encoder \(encoderIdentifier)")
        }
        guard ids.count == batch.count else {
            throw SimDBError(.invalidArgument, "\(path): \(ids.count) ids for \(batch.count) vectors")
        }
    }

    /// Removes the vectors stored under `ids`, in one write transaction. Absent ids are ignored.
    /// Like ``put(ids:vectors:)``, refused for a store that holds an index's data.
    /// - Throws: ``SimDBError`` `.invalidArgument` for an indexed store; `.storage` when LMDB
    ///   fails (then nothing is removed).
    public func remove(ids: [UInt64]) throws {
        guard !ids.isEmpty else { return }
        try write { writer in
            try Self.refuseIndexed(writer)
            for id in ids { _ = try writer.remove(id: id) }
        }
    }

    private static func refuseIndexed(_ writer: VectorWriter) throws {
        if try writer.hasIndexData() {
            throw SimDBError(.invalidArgument,
                "\(writer.path): the store has an index; write through it so that it stays in step with the vectors")
        }
    }

    /// The number of stored vectors.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func count() throws -> Int {
        try environment.read { try $0.count(databases.ids) }
    }

    /// Whether a vector is stored under `id`.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func contains(_ id: UInt64) throws -> Bool {
        try environment.read { try $0.get(databases.ids, key: id) != nil }
    }

    /// Runs `body` with a reader over one consistent snapshot of the store.
    ///
    /// The snapshot is a read transaction: concurrent writes are invisible to it, and it does not
    /// block them. Keep it short: pages freed by later writes cannot be reused while it is open.
    /// - Parameter body: reads vectors; the reader and every pointer it returns are valid only
    ///   until `body` returns.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws, or ``SimDBError`` from the storage.
    public func read<T>(_ body: (VectorReader) throws -> T) throws -> T {
        try environment.read { txn in
            try body(VectorReader(transaction: txn, snapshot: try snapshot(for: txn), store: self))
        }
    }

    /// Runs `body` in one write transaction: committed when it returns, rolled back when it throws.
    ///
    /// - Important: `body` may run more than once (after the map grows); it must change nothing
    ///   but the store, through the writer.
    /// - Returns: what `body` returns on its last run.
    /// - Throws: what `body` throws (nothing is written), or ``SimDBError`` from the storage.
    public func write<T>(_ body: (VectorWriter) throws -> T) throws -> T {
        try environment.write { txn in
            let writer = try VectorWriter(txn, databases: databases, layout: layout, path: path)
            let result = try body(writer)
            try writer.finish()
            return result
        }
    }

    /// Writes a compacted copy of the store's file to `destination`, a new file made private to
    /// its owner (see ``LMDBEnvironment/copy(to:)``; put it in a private directory: LMDB creates
    /// it with the umask's permissions first).
    public func copy(to destination: String) throws {
        try environment.copy(to: destination)
        guard chmod(destination, 0o600) == 0 else {
            throw SimDBError(.storage, "\(destination): cannot make the copy private (\(String(cString: strerror(errno))))")
        }
    }

    /// Makes the newest commit the one readers see, after a writer died inside a commit.
    ///
    /// LMDB publishes a commit to readers in two steps, both under its writer mutex: it writes
    /// (and syncs) the new meta page, then stores the transaction id in the lock file, where
    /// transactions look. A process killed between the two (during the sync, which takes
    /// milliseconds) leaves a commit that is durable but that reads do not see, until the next
    /// writer takes the mutex: finding its owner dead, LMDB then re-reads the newest meta page.
    /// This begins and ends an empty write transaction so that this happens now. Recovery and
    /// `simdb check` call it first: a recovery that read the older snapshot would undo an add
    /// whose vectors are in fact stored (found by `simdb-crashtest`: the first person of a group
    /// add undone, the others completed). Cheap: no page is written, nothing is synced.
    /// - Throws: ``SimDBError`` from the storage.
    public func publishLatestCommit() throws {
        try environment.write { _ in }
    }

    /// The segment tables of the snapshot `txn` reads, reused while no write has committed and
    /// the map has not moved.
    private func snapshot(for txn: LMDBTransaction) throws -> Snapshot {
        let id = txn.id, generation = environment.mapGeneration
        if let cached = snapshotLock.withLock({ cachedSnapshot }), cached.transactionID == id,
           cached.mapGeneration == generation
        {
            return cached
        }
        let fresh = Snapshot(
            transactionID: id, mapGeneration: generation,
            slotLimit: try Self.slotLimit(txn, databases.meta),
            vectors: try SegmentTable.load(databases.segments, in: txn, byteCount: layout.segmentBytes, path: path),
            index: try SegmentTable.loadIndex(databases.graph, in: txn, path: path))
        snapshotLock.withLock { cachedSnapshot = fresh }
        return fresh
    }

    /// The `meta` key of the slot high-water mark.
    static let slotsKey = Array("slots".utf8)

    static func slotLimit(_ txn: LMDBTransaction, _ meta: LMDBDatabase) throws -> Int {
        guard let raw = try txn.get(meta, key: slotsKey) else { return 0 }
        guard raw.count == 8 else { throw SimDBError(.corruptStore, "\(txn.path): the slot count record is damaged") }
        return Int(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
    }
}

/// What a read needs of one snapshot: the slot count and where each segment is.
final class Snapshot: Sendable {
    let transactionID: Int
    let mapGeneration: Int
    let slotLimit: Int
    let vectors: SegmentTable
    let graph: SegmentTable
    let column: SegmentTable

    init(transactionID: Int, mapGeneration: Int, slotLimit: Int, vectors: SegmentTable,
         index: (rows: SegmentTable, column: SegmentTable)) {
        self.transactionID = transactionID
        self.mapGeneration = mapGeneration
        self.slotLimit = slotLimit
        self.vectors = vectors
        graph = index.rows
        column = index.column
    }
}
