#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SimDBCore

/// The store-wide writer lock: an exclusive `flock` on `writer.lock` in the store directory.
///
/// One write protocol runs at a time across every process and thread using the store, and
/// recovery never runs while another process is mid-write. The kernel drops the lock when its
/// holder dies, so a killed writer never leaves the store locked.
struct WriterLock {
    let path: String

    /// Runs `body` holding the lock, waiting for other writers.
    /// - Throws: ``SimDBError`` `.storage` when the lock file cannot be opened, or what `body` throws.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        guard let result = try withLock(wait: true, body) else {
            throw SimDBError(.internal, "\(path): writer lock not taken")
        }
        return result
    }

    /// Runs `body` holding the lock if no other writer holds it; returns `nil` without running it
    /// otherwise.
    /// - Throws: ``SimDBError`` `.storage` when the lock file cannot be opened, or what `body` throws.
    func withLockIfAvailable<T>(_ body: () throws -> T) throws -> T? {
        try withLock(wait: false, body)
    }

    private func withLock<T>(wait: Bool, _ body: () throws -> T) throws -> T? {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SimDBError(.storage, "\(path): cannot open the writer lock (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        while flock(descriptor, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return nil }
            throw SimDBError(.storage, "\(path): cannot take the writer lock (\(String(cString: strerror(errno))))")
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
