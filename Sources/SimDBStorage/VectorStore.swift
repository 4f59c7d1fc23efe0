import Foundation
import SimDBCore

/// Float32 embeddings keyed by 64-bit template id, in one LMDB file.
///
/// The file holds two databases: `meta` (byte-string keys), whose `header` record says which
/// encoder and dimension the store serves (see ``readHeader(path:)``), and `vectors` (integer
/// keys), whose values are `dimension × 4` bytes of little-endian `Float32`, stored and read in
/// place. Every write is one transaction: all of a batch or none of it.
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
    public static let formatVersion: UInt32 = 1
    /// The largest dimension a store accepts.
    public static let maximumDimension = 1 << 20

    /// The data file's path.
    public let path: String
    /// The number of components in every stored vector.
    public let dimension: Int
    /// The `name/version` identifier of the encoder whose vectors the store holds.
    public let encoderIdentifier: String
    /// The environment the store lives in. Other databases may share it (it was opened with room
    /// for 8); the names `meta` and `vectors` are the store's.
    public let environment: LMDBEnvironment

    let meta: LMDBDatabase
    let vectors: LMDBDatabase

    /// Opens the store at `path`, creating it when the file does not exist or holds no store yet.
    ///
    /// A new store records `encoderIdentifier` and `dimension` in its header, in the same
    /// transaction that creates its databases. An existing one must have been created with the
    /// same pair.
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
        let expected = Header(formatVersion: Self.formatVersion, dimension: dimension,
                              encoderIdentifier: encoderIdentifier)
        (meta, vectors) = try Self.prepare(environment, expected: expected)
        self.path = path
        self.dimension = dimension
        self.encoderIdentifier = encoderIdentifier
        self.environment = environment
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

    /// Opens the store's databases, writing the header first when the file holds none.
    private static func prepare(_ environment: LMDBEnvironment, expected: Header) throws
        -> (meta: LMDBDatabase, vectors: LMDBDatabase)
    {
        let path = environment.path
        // An existing store opens without a write transaction.
        let existing: LMDBDatabase?
        do {
            existing = try environment.database(named: "meta", create: false)
        } catch let error as SimDBError where error.code == .notFound {
            existing = nil
        }
        if let meta = existing,
           let header = try environment.read({ txn in
               try txn.get(meta, key: headerKey).map { try Header.decode($0, path: path) }
           })
        {
            try header.verify(against: expected, path: path)
            return (meta, try environment.database(named: "vectors", integerKeys: true, create: false))
        }
        return try environment.write { txn in
            let main = try txn.openDatabase(named: nil, integerKeys: false, create: false)
            let ours: Set<[UInt8]> = [Array("meta".utf8), Array("vectors".utf8)]
            try txn.scan(main) { key, _ in
                guard ours.contains(Array(key)) else {
                    throw SimDBError(.corruptStore,
                        "\(path): not a simdb vector file (an LMDB file with other contents)")
                }
            }
            let meta = try txn.openDatabase(named: "meta", integerKeys: false, create: true)
            let vectors = try txn.openDatabase(named: "vectors", integerKeys: true, create: true)
            if let raw = try txn.get(meta, key: headerKey) {  // written by another process meanwhile
                try Header.decode(raw, path: path).verify(against: expected, path: path)
                return (meta, vectors)
            }
            guard try txn.count(vectors) == 0 else {
                throw SimDBError(.corruptStore, "\(path): vector store holds vectors but no header")
            }
            try txn.put(meta, key: headerKey, value: expected.encoded())
            return (meta, vectors)
        }
    }

    /// The current size of the memory map in bytes (see ``LMDBEnvironment/mapSize``).
    public var mapSize: Int { environment.mapSize }

    /// Stores one vector per id, replacing vectors already stored under those ids.
    ///
    /// One write transaction: when anything fails, nothing of the batch is stored. An id repeated
    /// in `ids` ends up with its last vector.
    /// - Parameters:
    ///   - ids: template ids, one per row of `vectors`.
    ///   - vectors: the embeddings, of the store's ``dimension``.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the counts or the dimension differ;
    ///   `.storage` when LMDB fails.
    public func put(ids: [UInt64], vectors batch: EmbeddingBatch) throws {
        guard batch.dimension == dimension else {
            throw SimDBError(.invalidArgument,
                "\(path): batch has \(batch.dimension)-d vectors; the store holds \(dimension)-d vectors "
                + "of encoder \(encoderIdentifier)")
        }
        guard ids.count == batch.count else {
            throw SimDBError(.invalidArgument, "\(path): \(ids.count) ids for \(batch.count) vectors")
        }
        guard !ids.isEmpty else { return }
        let stride = dimension * MemoryLayout<Float>.size
        try batch.values.withUnsafeBytes { values in
            try environment.write { txn in
                for (row, id) in ids.enumerated() {
                    let offset = row * stride
                    let vector = UnsafeRawBufferPointer(rebasing: values[offset ..< offset + stride])
                    try txn.put(vectors, key: id, value: vector)
                }
            }
        }
    }

    /// Removes the vectors stored under `ids`, in one write transaction. Absent ids are ignored.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails (then nothing is removed).
    public func remove(ids: [UInt64]) throws {
        guard !ids.isEmpty else { return }
        try environment.write { txn in
            for id in ids { _ = try txn.delete(vectors, key: id) }
        }
    }

    /// The number of stored vectors.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func count() throws -> Int {
        try environment.read { try $0.count(vectors) }
    }

    /// Whether a vector is stored under `id`.
    /// - Throws: ``SimDBError`` `.storage` when LMDB fails.
    public func contains(_ id: UInt64) throws -> Bool {
        try environment.read { try $0.get(vectors, key: id) != nil }
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
            try body(VectorReader(transaction: txn, database: vectors, dimension: dimension, path: path))
        }
    }
}
