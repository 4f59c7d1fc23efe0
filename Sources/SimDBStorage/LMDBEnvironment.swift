import CLMDB
import Foundation
import SimDBCore

/// One LMDB environment: a single memory-mapped file holding up to ``maxDatabases`` named databases.
///
/// The file is opened with `MDB_NOSUBDIR | MDB_NOTLS`: `path` is the data file itself and the
/// lock file is `path + "-lock"` beside it. `MDB_NOTLS` ties reader slots to transactions rather
/// than threads, so Swift tasks that hop threads, and nested reads on one thread, are safe.
///
/// All access is closure-scoped, as in GRDB: ``read(_:)`` and ``write(_:)`` hand a
/// ``LMDBTransaction`` to a closure and end the transaction when it returns; nothing may escape.
///
/// The map grows by itself: a write that fills it is aborted, the map is doubled while no
/// transaction of this process is live, and the write closure runs again. The grown size is
/// persisted by the next commit and adopted by other processes when they next begin a
/// transaction (`MDB_MAP_RESIZED`).
///
/// Lifetime: `mdb_env_close` runs in `deinit`, after every transaction has ended (each closure
/// keeps the environment alive). Database handles and pointers from transactions die with it.
///
/// - Important: LMDB forbids opening one file twice in a process (closing the second handle drops
///   the first one's locks). ``init(path:maxDatabases:initialMapSize:readOnly:)`` therefore refuses
///   a file that is already open in this process; ``shared(path:maxDatabases:initialMapSize:readOnly:)``
///   returns the open environment instead. Do not open the file with other tools in-process either.
public final class LMDBEnvironment: @unchecked Sendable {
    /// The data file's path, as given.
    public let path: String
    /// Whether the environment was opened with `MDB_RDONLY`.
    public let isReadOnly: Bool
    /// The `mdb_env_set_maxdbs` value the environment was opened with.
    public let maxDatabases: Int

    /// The LMDB `MDB_env`, open from `init` to `deinit`.
    let env: OpaquePointer
    /// Keeps map resizes away from live transactions.
    let gate = TransactionGate()
    /// Serialises write transactions and database opening within the process.
    let writerLock = NSLock()
    /// Set by a write operation that got `MDB_MAP_FULL`; guarded by `writerLock`.
    var mapFullInWrite = false
    /// Set when a resize failed and left no map; written with the gate held exclusively.
    var resizeFailure: SimDBError?

    /// The largest map automatic growth makes: 1 TiB. A write that needs more fails with
    /// `MDB_MAP_FULL`.
    public static let maximumMapSize = 1 << 40

    private let fileID: EnvironmentRegistry.FileID
    private let sizeLock = NSLock()
    private var cachedMapSize: Int
    private var cachedMapGeneration = 0

    /// Opens (and, unless `readOnly`, creates) the environment file at `path`.
    ///
    /// - Parameters:
    ///   - path: the data file; its directory must exist. The lock file is `path + "-lock"`.
    ///   - maxDatabases: how many named databases the environment may hold (`mdb_env_set_maxdbs`).
    ///   - initialMapSize: the smallest map size in bytes. A file whose recorded map is larger keeps
    ///     its size; a smaller one is raised to this. Ignored when `readOnly`.
    ///   - readOnly: open with `MDB_RDONLY`; the file must exist and writes fail.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a non-positive size or count; `.storage` when
    ///   the file is already open in this process or LMDB fails (text of `mdb_strerror`, and the
    ///   path); `.corruptStore` when the file is not an LMDB file or is damaged;
    ///   `.incompatibleStore` when it was written by an incompatible LMDB version.
    public convenience init(path: String, maxDatabases: Int = 8, initialMapSize: Int = 64 << 20,
                            readOnly: Bool = false) throws {
        let registry = EnvironmentRegistry.shared
        let live = registry.lock(path: path)
        defer { registry.unlock() }
        if live != nil {
            throw SimDBError(.storage, "\(path): already open in this process; use LMDBEnvironment.shared(path:) "
                + "to share it (LMDB forbids opening a file twice)")
        }
        try self.init(opening: path, maxDatabases: maxDatabases, initialMapSize: initialMapSize, readOnly: readOnly)
    }

    /// The environment open on `path` in this process, or a newly opened one.
    ///
    /// Parameters are those of ``init(path:maxDatabases:initialMapSize:readOnly:)``; they apply only
    /// when a new environment is opened. An open one is returned as it is, so its map size may
    /// differ from `initialMapSize`.
    /// - Throws: what the initialiser throws; ``SimDBError`` `.storage` when the open environment
    ///   is read-only and `readOnly` is false, or holds fewer than `maxDatabases` databases.
    public static func shared(path: String, maxDatabases: Int = 8, initialMapSize: Int = 64 << 20,
                              readOnly: Bool = false) throws -> LMDBEnvironment {
        let registry = EnvironmentRegistry.shared
        let live = registry.lock(path: path)
        defer { registry.unlock() }
        if let live {
            if live.isReadOnly && !readOnly {
                throw SimDBError(.storage, "\(path): already open read-only in this process")
            }
            if live.maxDatabases < maxDatabases {
                throw SimDBError(.storage,
                    "\(path): already open in this process with room for \(live.maxDatabases) databases, "
                    + "not \(maxDatabases)")
            }
            return live
        }
        return try LMDBEnvironment(opening: path, maxDatabases: maxDatabases, initialMapSize: initialMapSize,
                                   readOnly: readOnly)
    }

    /// Opens the file; the caller holds the registry lock and has checked the file is not open.
    private init(opening path: String, maxDatabases: Int, initialMapSize: Int, readOnly: Bool) throws {
        guard maxDatabases >= 0, maxDatabases <= Int(UInt32.max) else {
            throw SimDBError(.invalidArgument, "\(path): maxDatabases \(maxDatabases) is out of range")
        }
        guard initialMapSize > 0 else {
            throw SimDBError(.invalidArgument, "\(path): initialMapSize \(initialMapSize) is not positive")
        }
        let (env, fileID, mapSize) = try Self.open(path: path, maxDatabases: maxDatabases,
                                                   initialMapSize: initialMapSize, readOnly: readOnly)
        self.path = path
        self.isReadOnly = readOnly
        self.maxDatabases = maxDatabases
        self.env = env
        self.fileID = fileID
        self.cachedMapSize = mapSize
        EnvironmentRegistry.shared.insert(self, id: fileID)
    }

    private static func open(path: String, maxDatabases: Int, initialMapSize: Int, readOnly: Bool)
        throws -> (OpaquePointer, EnvironmentRegistry.FileID, Int)
    {
        var handle: OpaquePointer?
        try LMDBError.check(mdb_env_create(&handle), "mdb_env_create", path: path)
        guard let env = handle else { throw SimDBError(.internal, "\(path): mdb_env_create returned no handle") }
        do {
            try LMDBError.check(mdb_env_set_maxdbs(env, MDB_dbi(maxDatabases)), "mdb_env_set_maxdbs", path: path)
            // With no size set, LMDB adopts the size recorded in an existing file.
            if !readOnly && !FileManager.default.fileExists(atPath: path) {
                try LMDBError.check(mdb_env_set_mapsize(env, initialMapSize), "mdb_env_set_mapsize", path: path)
            }
            var flags = UInt32(MDB_NOSUBDIR | MDB_NOTLS)
            if readOnly { flags |= UInt32(MDB_RDONLY) }
            // A new data file and lock file are private to their owner: they hold biometric templates.
            try LMDBError.check(mdb_env_open(env, path, flags, 0o600), "mdb_env_open", path: path)
            var info = MDB_envinfo()
            try LMDBError.check(mdb_env_info(env, &info), "mdb_env_info", path: path)
            try checkLength(env, path: path)
            var mapSize = info.me_mapsize
            if !readOnly && mapSize < initialMapSize {
                try LMDBError.check(mdb_env_set_mapsize(env, initialMapSize), "mdb_env_set_mapsize", path: path)
                mapSize = initialMapSize
            }
            guard let fileID = EnvironmentRegistry.fileID(path) else {
                throw SimDBError(.storage, "\(path): the file vanished while it was being opened")
            }
            return (env, fileID, mapSize)
        } catch {
            mdb_env_close(env)
            throw error
        }
    }

    /// The data file's length, where its last committed page ends, and its descriptor.
    static func lengths(_ env: OpaquePointer, path: String) throws -> (file: Int, lastPageEnd: Int, descriptor: Int32) {
        var info = MDB_envinfo(), pages = MDB_stat(), descriptor: Int32 = -1, file = stat()
        try LMDBError.check(mdb_env_info(env, &info), "mdb_env_info", path: path)
        try LMDBError.check(mdb_env_stat(env, &pages), "mdb_env_stat", path: path)
        try LMDBError.check(mdb_env_get_fd(env, &descriptor), "mdb_env_get_fd", path: path)
        guard fstat(descriptor, &file) == 0 else {
            throw SimDBError(.storage, "\(path): cannot read its size (\(String(cString: strerror(errno))))")
        }
        return (Int(file.st_size), (info.me_last_pgno + 1) * Int(pages.ms_psize), descriptor)
    }

    /// Refuses a file shorter than its last committed page: LMDB maps the file and would fault
    /// (SIGBUS) on the first read of a page past its end, so a truncated file must be caught here.
    /// Every commit leaves the file that long (`extendToLastPage`), so a shorter file was cut.
    private static func checkLength(_ env: OpaquePointer, path: String) throws {
        let (file, lastPageEnd, _) = try lengths(env, path: path)
        if file < lastPageEnd {
            throw SimDBError(.corruptStore,
                "\(path): truncated (\(file) bytes, but its last page ends at byte \(lastPageEnd)); restore the store from a backup")
        }
    }

    deinit {
        EnvironmentRegistry.shared.remove(id: fileID, object: ObjectIdentifier(self)) {
            mdb_env_close(env)
        }
    }

    /// The current size of the memory map in bytes: the most the file can grow to before the next
    /// automatic resize.
    public var mapSize: Int {
        sizeLock.withLock { cachedMapSize }
    }

    /// Counts the map's moves: it changes whenever this process remaps the file, so a pointer
    /// into the map taken under one generation is stale under another. Stable while any
    /// transaction of this process is live.
    public var mapGeneration: Int {
        sizeLock.withLock { cachedMapGeneration }
    }

    /// Records a new map size after `mdb_env_set_mapsize`; call with the gate held exclusively.
    func refreshMapSize() {
        var info = MDB_envinfo()
        let size = mdb_env_info(env, &info) == MDB_SUCCESS ? info.me_mapsize : nil
        sizeLock.withLock {
            if let size { cachedMapSize = size }
            cachedMapGeneration += 1
        }
    }

    /// Flushes the data file to disk (`mdb_env_sync` with `force`).
    ///
    /// Commits are already durable (the environment does not use `MDB_NOSYNC`), so this is only
    /// needed after writes made with relaxed durability by other tools. A no-op when read-only.
    /// - Throws: ``SimDBError`` `.storage` when the flush fails.
    public func sync() throws {
        if isReadOnly { return }
        try LMDBError.check(mdb_env_sync(env, 1), "mdb_env_sync", path: path)
    }

    /// Opens a named database, creating it if asked, and returns its handle.
    ///
    /// Runs in a transaction of its own (a write transaction when creating), committed so that the
    /// handle stays valid for the life of the environment. Opening the same name again returns the
    /// same handle.
    /// - Parameters:
    ///   - name: the database name.
    ///   - integerKeys: open with `MDB_INTEGERKEY`: keys are native-endian `UInt64`, ordered as
    ///     integers (on little-endian hosts, the bytes on disk are little-endian).
    ///   - create: create the database when missing (`MDB_CREATE`). Ignored when read-only.
    /// - Throws: ``SimDBError`` `.notFound` when the database is missing and not created;
    ///   `.internal` when called inside a transaction on this thread; `.storage` when LMDB fails
    ///   (for example `MDB_DBS_FULL` past ``maxDatabases``, or `MDB_INCOMPATIBLE` when the flags
    ///   differ from the database's).
    public func database(named name: String, integerKeys: Bool = false, create: Bool = true) throws -> LMDBDatabase {
        try requireNoTransactionOnThisThread("open a database")
        writerLock.lock()
        defer { writerLock.unlock() }
        if create && !isReadOnly {
            return try writeHoldingLock { txn in
                try txn.openDatabase(named: name, integerKeys: integerKeys, create: true)
            }
        }
        let txn = try beginTransaction(readOnly: true)
        defer { gate.leave() }
        let database: LMDBDatabase
        do {
            database = try LMDBTransaction(txn, environment: self, isReadOnly: true)
                .openDatabase(named: name, integerKeys: integerKeys, create: false)
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        // Committing (not aborting) a read-only transaction keeps the handle it opened.
        try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit", path: path)
        return database
    }

    /// Throws `.internal` when the calling thread already has a transaction open here.
    func requireNoTransactionOnThisThread(_ action: String) throws {
        if gate.depth > 0 {
            throw SimDBError(.internal,
                "\(path): cannot \(action) while this thread has a transaction open on the same environment")
        }
    }
}
