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

    /// The compaction itself, holding the access lock alone until it returns.
    private static func compactFiles(path: String, options: Options) throws {
        guard let exclusive = try AccessLock(path: file(path, accessLockFileName), exclusive: true) else {
            throw SimDBError(.storage,
                "\(path): in use by another process or handle; compact needs the store to itself (stop what uses it and try again)")
        }
        let vectorsPath = file(path, vectorsFileName)
        let compacted = vectorsPath + ".compacting"
        unlink(compacted)  // left by a compaction that died
        try withExtendedLifetime(exclusive) {
            do {
                let store = try Store(path: path, options: options, sharedAccess: false)
                try store.exclusively {
                    try store.vectors.copy(to: compacted)
                    try store.catalog.vacuum()
                }
            }  // the store, and with it this process's map of the old file, is closed here
            try StagedDirectory.flush(compacted)
            guard rename(compacted, vectorsPath) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(compacted)
                throw SimDBError(.storage, "\(vectorsPath): cannot replace it with the compacted copy (\(reason))")
            }
            // The lock file describes the old file's readers and last transaction; LMDB makes a
            // new one for the new file.
            unlink(vectorsPath + "-lock")
            try StagedDirectory.flush(path)
        }
    }

    private static func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
