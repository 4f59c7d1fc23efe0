#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SimDBCore

/// Who has the store open: a `flock` on `access.lock` in the store directory, shared by every
/// open ``Store`` for its whole life, exclusive for ``Store/compact(path:options:)``, which
/// replaces the vector file and so needs no other process to have it mapped, and exclusive while
/// a store is created inside an existing directory.
///
/// Each holder opens the file itself: `flock` locks belong to an open file, so two handles in
/// one process exclude each other as two processes do. The kernel drops a dead holder's lock.
final class AccessLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock on `path`, shared or exclusive, waiting for it unless `wait` is false.
    /// - Returns: `nil` when `wait` is false and someone else holds the lock.
    /// - Throws: ``SimDBError`` `.storage` when the lock file cannot be opened or locked.
    init?(path: String, exclusive: Bool, wait: Bool = true) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SimDBError(.storage, "\(path): cannot open the access lock (\(String(cString: strerror(errno))))")
        }
        // On a refusal deinit still runs (every property is set) and closes the file: closing it
        // here too could close another thread's newly opened file.
        while flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return nil }
            throw SimDBError(.storage, "\(path): cannot take the access lock (\(String(cString: strerror(errno))))")
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}
