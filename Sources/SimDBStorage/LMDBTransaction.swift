import CLMDB
import SimDBCore

/// A live LMDB transaction, handed to the closures of ``LMDBEnvironment/read(_:)`` and
/// ``LMDBEnvironment/write(_:)``.
///
/// - Important: Use it only inside that closure. The transaction ends when the closure returns;
///   a copy kept past that point refers to a freed `MDB_txn`, and every buffer returned by
///   ``get(_:key:)-(_,UInt64)`` points into pages that may be reused. It is not `Sendable`: do
///   not hand it to another thread or task.
///
/// Integer keys (`MDB_INTEGERKEY` databases) are `UInt64` in native byte order, compared as
/// integers; on the little-endian hosts simdb supports (x86-64, arm64) the key bytes on disk are
/// a little-endian 64-bit integer, so a file is portable between them but not to big-endian hosts.
///
/// Every operation throws ``SimDBError``: `.storage` with the `mdb_strerror` text and the file's
/// path when LMDB fails, `.corruptStore` when it reports a damaged file. After a failed write
/// operation the transaction is unusable and the enclosing ``LMDBEnvironment/write(_:)`` aborts it.
public struct LMDBTransaction {
    /// The `MDB_txn`, valid for the duration of the closure.
    let txn: OpaquePointer
    /// The environment the transaction belongs to.
    let environment: LMDBEnvironment
    /// Whether this is a read-only transaction.
    public let isReadOnly: Bool

    init(_ txn: OpaquePointer, environment: LMDBEnvironment, isReadOnly: Bool) {
        self.txn = txn
        self.environment = environment
        self.isReadOnly = isReadOnly
    }

    /// The data file's path, for messages.
    var path: String { environment.path }

    /// Maps a failed return code, noting `MDB_MAP_FULL` so the write can grow the map and retry.
    private func failure(_ code: Int32, _ operation: String) -> SimDBError {
        if code == MDB_MAP_FULL && !isReadOnly { environment.mapFullInWrite = true }
        return LMDBError.make(code, operation, path: path)
    }

    private func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        if code != MDB_SUCCESS { throw failure(code, operation()) }
    }

    // MARK: Reading

    /// The value stored under an integer key, without copying.
    /// - Returns: a view into the memory map, valid until the transaction ends (and in a write
    ///   transaction, only until the next write); `nil` when the key is absent.
    public func get(_ db: LMDBDatabase, key: UInt64) throws -> UnsafeRawBufferPointer? {
        var key = key
        return try withUnsafeMutableBytes(of: &key) { keyBytes in
            try lookup(db, MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress))
        }
    }

    /// The value stored under a byte-string key, without copying.
    /// - Returns: as ``get(_:key:)-(_,UInt64)``.
    /// - Throws: ``SimDBError`` `.invalidArgument` for an empty key.
    public func get(_ db: LMDBDatabase, key: [UInt8]) throws -> UnsafeRawBufferPointer? {
        try withKey(key) { try lookup(db, $0) }
    }

    private func lookup(_ db: LMDBDatabase, _ key: MDB_val) throws -> UnsafeRawBufferPointer? {
        var key = key
        var value = MDB_val()
        let code = mdb_get(txn, db.handle, &key, &value)
        if code == MDB_NOTFOUND { return nil }
        try check(code, "mdb_get")
        return UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
    }

    /// The number of records in `db` (`mdb_stat`'s `ms_entries`), in constant time.
    public func count(_ db: LMDBDatabase) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(txn, db.handle, &stat), "mdb_stat")
        return stat.ms_entries
    }

    /// The bytes of pages `db` occupies (branch, leaf and overflow pages), from `mdb_stat`.
    public func byteSize(_ db: LMDBDatabase) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(txn, db.handle, &stat), "mdb_stat")
        return (stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages) * Int(stat.ms_psize)
    }

    /// Calls `body` with every record of an integer-key database, in ascending key order.
    ///
    /// A cursor scan; values are views into the memory map, valid until the transaction ends.
    /// Nothing is allocated per record.
    /// - Throws: what `body` throws (the scan stops); ``SimDBError`` `.corruptStore` when a key is
    ///   not 8 bytes, `.storage` when LMDB fails.
    public func forEach(_ db: LMDBDatabase, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
        try scan(db) { key, value in
            guard key.count == 8 else {
                throw SimDBError(.corruptStore, "\(path): a key of \(key.count) bytes in an integer-key database")
            }
            try body(key.loadUnaligned(as: UInt64.self), value)
        }
    }

    /// The smallest key of an integer-key database, or `nil` when it is empty.
    public func firstKey(_ db: LMDBDatabase) throws -> UInt64? {
        try edgeKey(db, MDB_FIRST)
    }

    /// The largest key of an integer-key database, or `nil` when it is empty.
    public func lastKey(_ db: LMDBDatabase) throws -> UInt64? {
        try edgeKey(db, MDB_LAST)
    }

    private func edgeKey(_ db: LMDBDatabase, _ operation: MDB_cursor_op) throws -> UInt64? {
        try withCursor(db) { cursor in
            var key = MDB_val()
            var value = MDB_val()
            let code = mdb_cursor_get(cursor, &key, &value, operation)
            if code == MDB_NOTFOUND { return nil }
            try check(code, "mdb_cursor_get")
            guard key.mv_size == 8 else {
                throw SimDBError(.corruptStore, "\(path): a key of \(key.mv_size) bytes in an integer-key database")
            }
            return UnsafeRawPointer(key.mv_data).loadUnaligned(as: UInt64.self)
        }
    }

    /// Runs `body` with a cursor on `db`, closed when it returns.
    private func withCursor<T>(_ db: LMDBDatabase, _ body: (OpaquePointer) throws -> T) throws -> T {
        var handle: OpaquePointer?
        try check(mdb_cursor_open(txn, db.handle, &handle), "mdb_cursor_open")
        guard let cursor = handle else { throw SimDBError(.internal, "\(path): mdb_cursor_open returned no cursor") }
        defer { mdb_cursor_close(cursor) }
        return try body(cursor)
    }

    /// Calls `body` with each record's key and value bytes, in key order.
    func scan(_ db: LMDBDatabase,
              _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        try withCursor(db) { cursor in
            var key = MDB_val()
            var value = MDB_val()
            var code = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
            while code == MDB_SUCCESS {
                try body(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size),
                         UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
                code = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
            }
            if code != MDB_NOTFOUND { throw failure(code, "mdb_cursor_get") }
        }
    }

    // MARK: Writing

    /// Stores `value` under an integer key, replacing any previous value.
    ///
    /// Keep value sizes a multiple of 4 so that float views of stored values stay 4-byte aligned.
    /// - Throws: ``SimDBError`` `.storage` in a read-only transaction (`EACCES`) or when LMDB
    ///   fails; `MDB_MAP_FULL` makes the enclosing write grow the map and run again.
    /// - Parameter append: the key is larger than every key in `db` (`MDB_APPEND`: no search,
    ///   and pages filled completely); LMDB refuses the put (`MDB_KEYEXIST`) when it is not.
    public func put(_ db: LMDBDatabase, key: UInt64, value: UnsafeRawBufferPointer, append: Bool = false) throws {
        var key = key
        try withUnsafeMutableBytes(of: &key) { keyBytes in
            try store(db, MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress), value,
                      flags: append ? UInt32(MDB_APPEND) : 0)
        }
    }

    /// Stores `value` under a byte-string key, replacing any previous value.
    /// - Throws: as ``put(_:key:value:)-(_,UInt64,_)``; ``SimDBError`` `.invalidArgument` for an
    ///   empty key.
    public func put(_ db: LMDBDatabase, key: [UInt8], value: [UInt8]) throws {
        try withKey(key) { key in
            try value.withUnsafeBytes { try store(db, key, $0) }
        }
    }

    private func store(_ db: LMDBDatabase, _ key: MDB_val, _ value: UnsafeRawBufferPointer, flags: UInt32 = 0) throws {
        var key = key
        var data = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_put(txn, db.handle, &key, &data, flags), "mdb_put")
    }

    /// Makes room for a `count`-byte value under an integer key and returns where to write it
    /// (`MDB_RESERVE`): the caller fills the bytes before the transaction's next operation on
    /// `db` and before it commits.
    ///
    /// A value larger than about half a page lives on overflow pages of its own, which LMDB
    /// allocates contiguously; once a record's pages are dirty in this transaction, reserving the
    /// same size again returns the same bytes (LMDB overwrites dirty overflow pages in place).
    /// - Returns: the value's bytes, uninitialised unless they were already dirty in this
    ///   transaction; valid until the transaction ends or spills (a transaction dirtying more than
    ///   about 512 MiB).
    /// - Throws: as ``put(_:key:value:)-(_,UInt64,_)``.
    public func reserve(_ db: LMDBDatabase, key: UInt64, count: Int) throws -> UnsafeMutableRawPointer {
        var key = key
        return try withUnsafeMutableBytes(of: &key) { keyBytes in
            var keyValue = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
            var data = MDB_val(mv_size: count, mv_data: nil)
            try check(mdb_put(txn, db.handle, &keyValue, &data, UInt32(MDB_RESERVE)), "mdb_put(MDB_RESERVE)")
            guard let bytes = data.mv_data else { throw SimDBError(.internal, "\(path): MDB_RESERVE returned no buffer") }
            return bytes
        }
    }

    /// Deletes every record of `db`, keeping the database (`mdb_drop` without delete).
    public func removeAll(_ db: LMDBDatabase) throws {
        try check(mdb_drop(txn, db.handle, 0), "mdb_drop")
    }

    /// The transaction's id: the snapshot it reads (`mdb_txn_id`). Two read transactions with
    /// the same id see the same pages at the same addresses (while the map is not moved).
    public var id: Int { mdb_txn_id(txn) }

    /// Deletes the record under an integer key.
    /// - Returns: `true` when a record was deleted, `false` when the key was absent (not an error).
    public func delete(_ db: LMDBDatabase, key: UInt64) throws -> Bool {
        var key = key
        return try withUnsafeMutableBytes(of: &key) { keyBytes in
            try remove(db, MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress))
        }
    }

    /// Deletes the record under a byte-string key.
    /// - Returns: `true` when a record was deleted, `false` when the key was absent.
    public func delete(_ db: LMDBDatabase, key: [UInt8]) throws -> Bool {
        try withKey(key) { try remove(db, $0) }
    }

    private func remove(_ db: LMDBDatabase, _ key: MDB_val) throws -> Bool {
        var key = key
        let code = mdb_del(txn, db.handle, &key, nil)
        if code == MDB_NOTFOUND { return false }
        try check(code, "mdb_del")
        return true
    }

    // MARK: Internals

    private func withKey<T>(_ key: [UInt8], _ body: (MDB_val) throws -> T) throws -> T {
        guard !key.isEmpty else { throw SimDBError(.invalidArgument, "\(path): empty LMDB key") }
        return try key.withUnsafeBytes { bytes in
            try body(MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
        }
    }

    /// Opens a database (`nil`: the main, unnamed one) with `mdb_dbi_open`.
    ///
    /// The caller must hold the environment's `writerLock` until the transaction ends (LMDB allows
    /// one transaction at a time to open databases), and commit for the handle to outlive it.
    func openDatabase(named name: String?, integerKeys: Bool, create: Bool) throws -> LMDBDatabase {
        var flags: UInt32 = 0
        if create { flags |= UInt32(MDB_CREATE) }
        if integerKeys { flags |= UInt32(MDB_INTEGERKEY) }
        var handle = MDB_dbi()
        let code = mdb_dbi_open(txn, name, flags, &handle)
        if code == MDB_NOTFOUND {
            throw SimDBError(.notFound, "\(path): no database named '\(name ?? "")'")
        }
        try check(code, "mdb_dbi_open('\(name ?? "")')")
        return LMDBDatabase(handle: handle, integerKeys: integerKeys)
    }
}

@available(*, unavailable, message: "a transaction belongs to the closure it was handed to")
extension LMDBTransaction: Sendable {}
