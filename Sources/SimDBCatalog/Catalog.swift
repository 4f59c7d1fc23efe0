import Foundation
import GRDB
import SimDBCore

/// The SQLite half of a store: store info, people, templates, write intents and the audit log.
///
/// One `catalog.sqlite` file in WAL mode, opened through a GRDB `DatabasePool` so readers never
/// wait for the writer. Its `application_id` is ``applicationID`` (ASCII `SIMD`); its schema is
/// built by versioned migrations and its format version is recorded in `store_info`.
package final class Catalog: Sendable {
    /// The catalog format version this build writes and reads.
    package static let formatVersion = StoreInfo.currentFormatVersion
    /// SQLite's `application_id` for simdb catalogs: ASCII `SIMD`, read big-endian.
    package static let applicationID: Int32 = 0x5349_4D44

    /// The file's path.
    package let path: String
    let pool: DatabasePool

    /// Opens the catalog at `path`, creating and migrating it as needed.
    /// - Parameter path: the SQLite file.
    /// - Throws: ``SimDBError`` `.corruptStore` when the file is not a simdb catalog (another
    ///   application's database, or garbage), `.incompatibleStore` when it was written by a newer
    ///   format, `.storage` for other SQLite failures.
    package init(path: String) throws {
        self.path = path
        // A new catalog starts as an empty file private to its owner; SQLite gives the WAL and
        // shared-memory files it creates the same permissions.
        let created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if created >= 0 { close(created) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "simdb.catalog"
        do {
            try Self.checkHeader(path)
            pool = try DatabasePool(path: path, configuration: configuration)
            // Every commit reaches the disk before it returns: in WAL mode NORMAL, which GRDB sets
            // on its writer after any prepareDatabase hook, may lose the last commits on power
            // loss. The pool's one writer connection keeps this for its life.
            try pool.barrierWriteWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try pool.write { db in
                let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                if applicationID == 0 && tableCount == 0 {
                    try db.execute(sql: "PRAGMA application_id = \(Self.applicationID)")
                } else if applicationID != Self.applicationID {
                    throw SimDBError(.corruptStore, "\(path): not a simdb catalog (application_id \(applicationID))")
                }
            }
            try Self.checkFormat(pool, path: path)
            try Self.migrator.migrate(pool)
            try Self.checkTables(pool, path: path)
        } catch let error as SimDBError {
            throw error
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// The store's creation record, or `nil` before the store's first write.
    package func storeInfo() throws -> StoreInfo? {
        try read { db in try StoreInfo.fetchOne(db) }
    }

    /// Records what the store is created with; a no-op returning the existing record if another
    /// process created it first.
    /// - Returns: the record in force.
    package func initialize(_ info: StoreInfo) throws -> StoreInfo {
        try write { db in
            if let existing = try StoreInfo.fetchOne(db) { return existing }
            try info.insert(db)
            return info
        }
    }

    /// Runs `body` in a read transaction; GRDB and SQLite errors become ``SimDBError``.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw Self.translate(error, path: path) }
    }

    /// Runs `body` in a write transaction; GRDB and SQLite errors become ``SimDBError``.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw Self.translate(error, path: path) }
    }

    static func translate(_ error: any Error, path: String) -> SimDBError {
        if let error = error as? SimDBError { return error }
        if let error = error as? DatabaseError {
            let text = error.message ?? "\(error.resultCode)"
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return SimDBError(.corruptStore, "\(path): damaged catalog (\(text))")
            case .SQLITE_ERROR where text.hasPrefix("no such table") || text.hasPrefix("no such column"):
                // The migrations built every table and column: one missing was removed by hand.
                return SimDBError(.corruptStore, "\(path): damaged catalog (\(text))")
            default:
                return SimDBError(.storage, "\(path): SQLite error (\(text))")
            }
        }
        return SimDBError(.storage, "\(path): \(error)")
    }

    /// Refuses, before SQLite or GRDB touch it, a file that is not a SQLite database or is
    /// another application's (GRDB writes to a pool's file as it opens it). A new, empty file,
    /// and one whose header may still be in its write-ahead log, are left to the checks after
    /// opening.
    private static func checkHeader(_ path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let header = [UInt8]((try? handle.read(upToCount: 100)) ?? Data())
        if header.isEmpty { return }
        guard header.count == 100, header.starts(with: Array("SQLite format 3\0".utf8)) else {
            throw SimDBError(.corruptStore, "\(path): damaged catalog (file is not a database)")
        }
        let applicationID = Int32(bitPattern: header[68..<72].reduce(0) { $0 << 8 | UInt32($1) })
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        if applicationID != Self.applicationID && walSize == 0 {
            throw SimDBError(.corruptStore, "\(path): not a simdb catalog (application_id \(applicationID))")
        }
    }

    /// Refuses a catalog missing one of the tables its migrations made (dropped by hand).
    private static func checkTables(_ pool: DatabasePool, path: String) throws {
        let tables = try pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
        }
        for table in ["store_info", "people", "templates", "intents", "audit_log"] where !tables.contains(table) {
            throw SimDBError(.corruptStore, "\(path): damaged catalog (table \(table) is missing)")
        }
    }

    private static func checkFormat(_ pool: DatabasePool, path: String) throws {
        let version = try pool.read { db -> Int? in
            guard try db.tableExists(StoreInfo.databaseTableName) else { return nil }
            return try Int.fetchOne(db, sql: "SELECT format_version FROM store_info")
        }
        if let version, version < 1 {
            throw SimDBError(.corruptStore, "\(path): damaged catalog (format version \(version) was never written by simdb)")
        }
        if let version, version > formatVersion {
            throw SimDBError(.incompatibleStore,
                "\(path): catalog format \(version) is newer than this simdb (reads up to \(formatVersion)); upgrade simdb")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "store_info") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("format_version", .integer).notNull()
                t.column("encoder", .text).notNull()
                t.column("dimension", .integer).notNull()
                t.column("metric", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "people") { t in
                t.primaryKey("id", .text)
                t.column("display_name", .text)
                t.column("metadata", .jsonText).notNull().defaults(to: "{}")
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
            }
            try db.create(table: "intents") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("person_id", .text).notNull()
                t.column("display_name", .text)
                t.column("metadata", .jsonText)
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "templates") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("person_id", .text).notNull().indexed()
                    .references("people", onDelete: .restrict)
                t.column("source_file", .text).notNull()
                t.column("image_sha256", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("state", .text).notNull()
                t.column("intent_id", .integer).indexed()
            }
            try db.create(table: "audit_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .datetime).notNull().indexed()
                t.column("action", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("person_id", .text).indexed()
                t.column("input_sha256", .text)
                t.column("status", .text).notNull()
                t.column("top_match", .text)
                t.column("distance", .double)
                t.column("decision", .text)
                t.column("threshold", .double)
                t.column("duration_ms", .double).notNull()
                t.column("detail", .text)
            }
        }
        migrator.registerMigration("v2-audit-chain") { db in
            try db.alter(table: "audit_log") { t in t.add(column: "hash", .text) }
            try AuditChain.seal(db)
            try db.execute(sql: "UPDATE store_info SET format_version = 2")
        }
        migrator.registerMigration("v3-face-detector") { db in
            // Stores made before detection existed keep framing whole pictures: NULL.
            try db.alter(table: "store_info") { t in t.add(column: "detector", .text) }
            try db.execute(sql: "UPDATE store_info SET format_version = 3")
        }
        return migrator
    }
}
