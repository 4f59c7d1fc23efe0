#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SimDBCore

/// Who has the store open: a `flock` on `access.lock` in the store directory, shared by every
/// open ``Store`` for its whole life and exclusive for ``Store/compact(path:options:)``, which
/// replaces the vector file and so needs no other process to have it mapped.
///
/// Each holder opens the file itself: `flock` locks belong to an open file, so two handles in
/// one process exclude each other as two processes do. The kernel drops a dead holder's lock.
final class AccessLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock on `path`: shared (waiting while a compaction runs) or exclusive (not
    /// waiting: `nil` when anyone else holds it).
    /// - Throws: ``SimDBError`` `.storage` when the lock file cannot be opened or locked.
    init?(path: String, exclusive: Bool) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SimDBError(.storage, "\(path): cannot open the access lock (\(String(cString: strerror(errno))))")
        }
        while flock(descriptor, exclusive ? LOCK_EX | LOCK_NB : LOCK_SH) != 0 {
            if errno == EINTR { continue }
            let reason = errno
            close(descriptor)
            if reason == EWOULDBLOCK { return nil }
            throw SimDBError(.storage, "\(path): cannot take the access lock (\(String(cString: strerror(reason))))")
        }
    }

    deinit { close(descriptor) }
}
