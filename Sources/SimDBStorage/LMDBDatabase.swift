import CLMDB
import SimDBCore

#if _endian(big)
#error("simdb stores little-endian keys and floats in place; big-endian hosts are not supported")
#endif

/// A handle to one named database inside an ``LMDBEnvironment``.
///
/// Obtained from ``LMDBEnvironment/database(named:integerKeys:create:)``. The handle is a small
/// integer, valid for as long as the environment that opened it stays open; using it with another
/// environment is undefined. Handles are never closed individually: they go away with the
/// environment, as `mdb_dbi_close` recommends.
public struct LMDBDatabase: Sendable, Hashable {
    /// The LMDB `MDB_dbi` (an unsigned 32-bit integer).
    public let handle: UInt32
    /// Whether the database was opened with `MDB_INTEGERKEY` (native-endian `UInt64` keys).
    public let integerKeys: Bool

    init(handle: MDB_dbi, integerKeys: Bool) {
        self.handle = handle
        self.integerKeys = integerKeys
    }
}

/// Error mapping shared by the storage types.
enum LMDBError {
    /// The `SimDBError` for LMDB return code `rc` from `operation` on the file at `path`.
    ///
    /// `MDB_INVALID`, `MDB_CORRUPTED` and `MDB_PAGE_NOTFOUND` mean a damaged or foreign file and
    /// map to `.corruptStore`; `MDB_VERSION_MISMATCH` to `.incompatibleStore`; the rest to `.storage`.
    static func make(_ rc: Int32, _ operation: String, path: String) -> SimDBError {
        let text = String(cString: mdb_strerror(rc))
        let code: SimDBError.Code
        switch rc {
        case MDB_INVALID, MDB_CORRUPTED, MDB_PAGE_NOTFOUND: code = .corruptStore
        case MDB_VERSION_MISMATCH: code = .incompatibleStore
        default: code = .storage
        }
        return SimDBError(code, "\(path): \(operation) failed: \(text)")
    }

    /// Throws the mapped error unless `rc` is `MDB_SUCCESS`.
    @inline(__always)
    static func check(_ rc: Int32, _ operation: @autoclosure () -> String, path: String) throws {
        if rc != MDB_SUCCESS { throw make(rc, operation(), path: path) }
    }
}
