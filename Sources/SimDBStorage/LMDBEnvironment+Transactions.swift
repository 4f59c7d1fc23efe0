import CLMDB
import Foundation
import SimDBCore

extension LMDBEnvironment {
    /// How many times one transaction is retried after growing or adopting a resized map.
    private static let maximumRetries = 48

    /// Runs `body` in a read-only transaction and aborts it when `body` returns or throws.
    ///
    /// The transaction sees one consistent snapshot: writes committed after it began are invisible
    /// to it. Reads may nest, on one thread or across threads (`MDB_NOTLS`); each takes a reader
    /// slot (126 per file by default) until it ends.
    ///
    /// When another process has grown the map (`MDB_MAP_RESIZED`), the new size is adopted while no
    /// transaction of this process is live, and the transaction is begun again.
    ///
    /// - Parameter body: reads through the transaction. Pointers it obtains are valid only until it
    ///   returns; neither they nor the transaction may escape.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws, or ``SimDBError`` `.storage` when LMDB fails (for example
    ///   `MDB_READERS_FULL`, or `MDB_MAP_RESIZED` inside a nested read, which cannot adopt a new size).
    public func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        let txn = try beginTransaction(readOnly: true)
        defer {
            mdb_txn_abort(txn)
            gate.leave()
        }
        return try body(LMDBTransaction(txn, environment: self, isReadOnly: true))
    }

    /// Writes a compacted copy of the environment's data file to `destination` (which must not
    /// exist): the last committed snapshot, free pages left out. Readers and writers go on
    /// meanwhile; the copy sees none of the writes committed after it began.
    /// - Throws: ``SimDBError`` `.storage` when LMDB or the file system fails.
    public func copy(to destination: String) throws {
        try read { _ in  // holds this process's gate: the map is not resized under the copy
            try LMDBError.check(mdb_env_copy2(env, destination, UInt32(MDB_CP_COMPACT)), "mdb_env_copy2", path: destination)
        }
    }

    /// Runs `body` in a write transaction, committed when `body` returns and aborted when it throws.
    ///
    /// Writers are serialised: within the process by a lock, across processes by LMDB's writer
    /// mutex. A write does not block readers, except while the map is being resized.
    ///
    /// When the map fills (`MDB_MAP_FULL`, from a put inside `body` or from the commit), the
    /// transaction is aborted, the map doubled while no transaction of this process is live, and
    /// `body` runs again from the start in a new transaction.
    ///
    /// - Important: `body` may therefore run more than once. It must be idempotent: change nothing
    ///   but the transaction, and compute its result from what it reads there.
    /// - Parameter body: reads and writes through the transaction, which must not escape. Catching
    ///   an error from the transaction does not make it committable: a full map still aborts and
    ///   reruns it, and LMDB refuses to commit after most failed operations (`MDB_BAD_TXN`).
    /// - Returns: what `body` returns on its last run.
    /// - Throws: what `body` throws (nothing is written); ``SimDBError`` `.storage` when the
    ///   environment is read-only or LMDB fails; `.internal` when this thread already has a
    ///   transaction open on this environment (a write inside a read would wait forever for a
    ///   resize that waits for that read).
    public func write<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        if isReadOnly { throw SimDBError(.storage, "\(path): opened read-only; cannot write") }
        try requireNoTransactionOnThisThread("begin a write transaction")
        writerLock.lock()
        defer { writerLock.unlock() }
        return try writeHoldingLock(body)
    }

    /// ``write(_:)`` for a caller that holds `writerLock` and has no transaction on this thread.
    func writeHoldingLock<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        var retries = 0
        while true {
            let txn = try beginTransaction(readOnly: false)
            mapFullInWrite = false
            let outcome = Result { try body(LMDBTransaction(txn, environment: self, isReadOnly: false)) }
            var commitCode = MDB_SUCCESS
            if case .success = outcome, !mapFullInWrite {
                commitCode = mdb_txn_commit(txn)  // frees the transaction, also on failure
            } else {
                mdb_txn_abort(txn)
            }
            gate.leave()
            if mapFullInWrite || commitCode == MDB_MAP_FULL {
                retries += 1
                guard retries <= Self.maximumRetries else {
                    throw LMDBError.make(MDB_MAP_FULL, "growing the map to \(mapSize) bytes", path: path)
                }
                try growMap()
                continue
            }
            try LMDBError.check(commitCode, "mdb_txn_commit", path: path)
            try extendToLastPage()
            return try outcome.get()
        }
    }

    /// Makes the file reach the end of its last committed page, as the open-time truncation check
    /// (``LMDBEnvironment/init(path:maxDatabases:initialMapSize:readOnly:)``) expects.
    ///
    /// LMDB does not promise it: pages a transaction allocates and frees again before committing
    /// are never written, so when they are the last ones the file ends short of them (no page
    /// in use lies there). The file is grown with zeros inside a write transaction, which no
    /// other writer can extend the file during, and only ever grown.
    private func extendToLastPage() throws {
        let txn = try beginTransaction(readOnly: false)
        defer {
            mdb_txn_abort(txn)
            gate.leave()
        }
        let (file, lastPageEnd, descriptor) = try Self.lengths(env, path: path)
        if file < lastPageEnd {
            guard ftruncate(descriptor, off_t(lastPageEnd)) == 0, fsync(descriptor) == 0 else {
                throw SimDBError(.storage, "\(path): cannot extend it to its last page (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// Enters the gate and begins a transaction, adopting a map grown by another process.
    ///
    /// On success the caller owns the transaction and one gate entry: end the transaction, then
    /// call `gate.leave()`. On failure nothing is held.
    func beginTransaction(readOnly: Bool) throws -> OpaquePointer {
        var retries = 0
        while true {
            try gate.enter(path: path)
            if let failure = resizeFailure {
                gate.leave()
                throw failure
            }
            var handle: OpaquePointer?
            let code = mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &handle)
            if code == MDB_SUCCESS, let handle { return handle }
            gate.leave()
            // Adopting needs no live transaction in this process, so a nested read cannot do it.
            guard code == MDB_MAP_RESIZED, gate.depth == 0, retries < Self.maximumRetries else {
                throw LMDBError.make(code, "mdb_txn_begin", path: path)
            }
            retries += 1
            try gate.exclusively { try resizeMap(to: 0) }
        }
    }

    /// Doubles the map, up to ``maximumMapSize``, while no transaction of this process is live.
    private func growMap() throws {
        try gate.exclusively {
            var info = MDB_envinfo()
            try LMDBError.check(mdb_env_info(env, &info), "mdb_env_info", path: path)
            guard info.me_mapsize < Self.maximumMapSize else {
                throw LMDBError.make(MDB_MAP_FULL, "growing the map past \(Self.maximumMapSize) bytes", path: path)
            }
            try resizeMap(to: min(info.me_mapsize * 2, Self.maximumMapSize))
        }
    }

    /// `mdb_env_set_mapsize`; call with the gate held exclusively.
    ///
    /// LMDB unmaps the old map before mapping the new one, so a failure leaves the environment
    /// without a map: it is then marked unusable and every later transaction throws.
    private func resizeMap(to size: Int) throws {
        let code = mdb_env_set_mapsize(env, size)
        guard code == MDB_SUCCESS else {
            let error = LMDBError.make(code, "mdb_env_set_mapsize(\(size))", path: path)
            resizeFailure = SimDBError(.storage, error.message + "; the environment is unusable until reopened")
            throw error
        }
        refreshMapSize()
    }
}
