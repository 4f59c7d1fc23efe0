import Foundation
import SimDBCore

/// Keeps memory-map resizes away from live transactions in this process.
///
/// LMDB lets `mdb_env_set_mapsize` run only while this process has no transaction open. Every
/// transaction holds the gate shared; a resize holds it exclusively. Waiting resizes have priority
/// over new top-level transactions, so a stream of readers cannot starve a writer that needs room.
///
/// A thread that already holds the gate (a read nested inside a read) enters again without waiting:
/// the per-thread depth is kept in a `pthread` key, so nesting never deadlocks against a resize.
final class TransactionGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var holders = 0
    private var exclusiveWaiting = 0
    private var exclusiveHeld = false
    private let depthKey: pthread_key_t?

    init() {
        var key = pthread_key_t()
        depthKey = pthread_key_create(&key, nil) == 0 ? key : nil
    }

    deinit {
        if let depthKey { pthread_key_delete(depthKey) }
    }

    /// How many transactions of this environment the calling thread has open.
    var depth: Int {
        guard let depthKey else { return 0 }
        return Int(bitPattern: pthread_getspecific(depthKey))
    }

    private func setDepth(_ value: Int) {
        if let depthKey { pthread_setspecific(depthKey, UnsafeRawPointer(bitPattern: value)) }
    }

    /// Enters shared: waits for any resize (pending or running) unless this thread is already inside.
    /// - Throws: ``SimDBError`` `.internal` when no thread-local key could be created (then nesting
    ///   cannot be told apart from a new transaction).
    func enter(path: String) throws {
        guard depthKey != nil else {
            throw SimDBError(.internal, "\(path): no thread-local key left for the transaction gate")
        }
        let current = depth
        if current == 0 {
            condition.lock()
            while exclusiveHeld || exclusiveWaiting > 0 { condition.wait() }
            holders += 1
            condition.unlock()
        }
        setDepth(current + 1)
    }

    /// Leaves shared; pairs with a successful ``enter(path:)``.
    func leave() {
        let current = depth - 1
        setDepth(current)
        if current == 0 {
            condition.lock()
            holders -= 1
            if holders == 0 { condition.broadcast() }
            condition.unlock()
        }
    }

    /// Runs `body` while no other thread of this process is inside the gate.
    /// - Precondition: the calling thread is not inside (``depth`` is 0); callers check first.
    func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        exclusiveWaiting += 1
        while exclusiveHeld || holders > 0 { condition.wait() }
        exclusiveWaiting -= 1
        exclusiveHeld = true
        condition.unlock()
        defer {
            condition.lock()
            exclusiveHeld = false
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}

/// Process-wide table of open environment files.
///
/// LMDB forbids opening one file twice in a process: closing the second handle drops the first
/// one's `fcntl` locks on the lock file. Files are identified by device and inode. An environment
/// is registered from open until `mdb_env_close` has returned, so a reopen of a file whose last
/// reference is being released waits for the close to finish.
///
/// The mutex is recursive because releasing the last reference to an environment while the table
/// is locked runs that environment's `deinit`, which unregisters it on the same thread.
final class EnvironmentRegistry: @unchecked Sendable {
    /// The one table of the process.
    static let shared = EnvironmentRegistry()

    /// A file's identity.
    struct FileID: Hashable, Sendable {
        let device: UInt64
        let inode: UInt64
    }

    private struct Entry {
        weak var environment: LMDBEnvironment?
        let object: ObjectIdentifier
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let closed: UnsafeMutablePointer<pthread_cond_t>
    private var entries: [FileID: Entry] = [:]

    private init() {
        mutex = .allocate(capacity: 1)
        closed = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
        pthread_cond_init(closed, nil)
    }

    /// The identity of the file at `path`, or `nil` when it does not exist.
    static func fileID(_ path: String) -> FileID? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Locks the table, waits until no environment on `path` is closing, and returns the one that
    /// is open there, if any. Pair with ``unlock()``; release the result only after unlocking.
    func lock(path: String) -> LMDBEnvironment? {
        pthread_mutex_lock(mutex)
        while true {
            guard let id = Self.fileID(path), let entry = entries[id] else { return nil }
            if let live = entry.environment { return live }
            pthread_cond_wait(closed, mutex)
        }
    }

    /// Unlocks the table.
    func unlock() {
        pthread_mutex_unlock(mutex)
    }

    /// Records `environment` as open on `id`; call between ``lock(path:)`` and ``unlock()``.
    func insert(_ environment: LMDBEnvironment, id: FileID) {
        entries[id] = Entry(environment: environment, object: ObjectIdentifier(environment))
    }

    /// Runs `close` with the table locked, then forgets `object`'s entry and wakes waiting openers.
    func remove(id: FileID, object: ObjectIdentifier, close: () -> Void) {
        pthread_mutex_lock(mutex)
        close()
        if entries[id]?.object == object { entries[id] = nil }
        pthread_cond_broadcast(closed)
        pthread_mutex_unlock(mutex)
    }
}
