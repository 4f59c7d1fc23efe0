import Foundation
import SimDBCore

/// What ``Store/compact(path:options:)`` did (also `simdb compact --json`).
public struct CompactResult: Sendable, Equatable, Encodable {
    /// The store directory.
    public var path: String
    /// Bytes of the vector file before and after.
    public var vectorBytesBefore: Int
    public var vectorBytesAfter: Int
    /// Bytes of the catalog (with its write-ahead log) before and after.
    public var catalogBytesBefore: Int
    public var catalogBytesAfter: Int

    enum CodingKeys: String, CodingKey {
        case path
        case vectorBytesBefore = "vector_bytes_before", vectorBytesAfter = "vector_bytes_after"
        case catalogBytesBefore = "catalog_bytes_before", catalogBytesAfter = "catalog_bytes_after"
    }
}

extension Store {
    /// Rewrites the store's files without the free space that removed people leave, so that their
    /// vectors (and rows) are gone from disk, not merely unreachable.
    ///
    /// A remove overwrites a vector in the current version of its page, but LMDB writes every
    /// change to a new page and keeps the old ones as free space, as SQLite keeps deleted rows'
    /// pages: the bytes stay in the files until reused. Compaction writes a compacted copy of the
    /// vector file (LMDB's `MDB_CP_COMPACT`) beside it, flushes it and renames it over the old
    /// file, and vacuums the catalog (`VACUUM`, then an emptied write-ahead log).
    ///
    /// The store must be closed everywhere else: compaction takes the access lock exclusively
    /// and refuses to start while any ``Store`` (in any process, this one included) has the store
    /// open; stores opened meanwhile wait until it ends. A crash at any instant leaves the old
    /// vector file or the compacted one, both whole. Audited as `compact`.
    /// - Throws: ``SimDBError`` `.notFound` when there is no store; `.storage` when it is in use
    ///   or a file cannot be written; what opening the store throws.
    @discardableResult
    public static func compact(path: String, options: Options = Options()) throws -> CompactResult {
        var options = options
        options.create = false
        let vectorsPath = file(path, vectorsFileName), catalogPath = file(path, catalogFileName)
        guard FileManager.default.fileExists(atPath: catalogPath) else {
            throw SimDBError(.notFound, "\(path): no simdb store here")
        }
        let before = (vectors: size(vectorsPath), catalog: size(catalogPath) + size(catalogPath + "-wal"))
        try compactFiles(path: path, options: options)
        let result = CompactResult(path: path, vectorBytesBefore: before.vectors, vectorBytesAfter: size(vectorsPath),
                                   catalogBytesBefore: before.catalog,
                                   catalogBytesAfter: size(catalogPath) + size(catalogPath + "-wal"))
        try Store(path: path, options: options).audited("compact") { entry, _ in
            entry.detail = "vectors \(result.vectorBytesBefore) -> \(result.vectorBytesAfter) bytes, "
                + "catalog \(result.catalogBytesBefore) -> \(result.catalogBytesAfter) bytes"
        }
        return result
    }

    /// The compaction itself, holding the access lock alone and the writer lock until it returns.
    private static func compactFiles(path: String, options: Options) throws {
        guard let exclusive = try AccessLock(path: file(path, accessLockFileName), exclusive: true, wait: false) else {
            throw SimDBError(.storage,
                "\(path): in use by another process or handle; compact needs the store to itself (stop what uses it and try again)")
        }
        let vectorsPath = file(path, vectorsFileName)
        let compacted = vectorsPath + ".compacting"
        unlink(compacted)  // left by a compaction that died
        // The writer lock too, taken here and held to the end: a writer that does not take the
        // access lock (an older simdb) waits instead of committing to the file being replaced.
        try withExtendedLifetime(exclusive) {
            try WriterLock(path: file(path, lockFileName)).withLock {
                do {
                    // Its own recovery skips (the lock is held here): recover explicitly.
                    let store = try Store(path: path, options: options, sharedAccess: false)
                    if try store.catalog.hasIncompleteIntents() { try store.recover() }
                    try store.vectors.copy(to: compacted)
                    try store.catalog.vacuum()
                }  // the store, and with it this process's map of the old file, is closed here
                try StagedDirectory.flush(compacted)
                try withNoOtherLMDBUser(vectorsPath) {
                    guard rename(compacted, vectorsPath) == 0 else {
                        let reason = String(cString: strerror(errno))
                        unlink(compacted)
                        throw SimDBError(.storage, "\(vectorsPath): cannot replace it with the compacted copy (\(reason))")
                    }
                    // The lock file describes the old file's readers and last transaction; LMDB
                    // makes a new one for the new file.
                    unlink(vectorsPath + "-lock")
                    try StagedDirectory.flush(path)
                }
            }
        }
    }

    /// Runs `body` holding a write lock on byte 0 of LMDB's lock file, which every process with
    /// the environment open holds a read lock on (LMDB's own test for "am I alone"): it catches
    /// programs that do not take simdb's access lock. Refuses when one has the file open.
    private static func withNoOtherLMDBUser(_ vectorsPath: String, _ body: () throws -> Void) throws {
        let lockPath = vectorsPath + "-lock"
        let descriptor = open(lockPath, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return try body() }  // no one has opened the environment since
            throw SimDBError(.storage, "\(lockPath): cannot open it (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var region = flock()
        region.l_type = Int16(F_WRLCK)
        region.l_whence = Int16(SEEK_SET)
        region.l_start = 0
        region.l_len = 1
        guard fcntl(descriptor, F_SETLK, &region) == 0 else {
            unlink(vectorsPath + ".compacting")
            throw SimDBError(.storage,
                "\(vectorsPath): open in another program that does not take simdb's access lock; compact needs the store to itself")
        }
        try body()
    }

    /// A file's size in bytes, 0 when it is missing.
    static func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
