import Foundation
import GRDB
import SimDBCore
import SimDBTestSupport
import Testing
@testable import SimDBCatalog

@Suite("Catalog")
struct CatalogTests {
    let directory: TemporaryDirectory
    let catalog: Catalog

    init() throws {
        directory = try TemporaryDirectory()
        catalog = try Catalog(path: directory.path("catalog.sqlite"))
    }

    /// One value read with SQL, for assertions outside GRDB's closures.
    func scalar<Value: DatabaseValueConvertible>(_ sql: String, as type: Value.Type = Int.self) throws -> Value? {
        try catalog.pool.read { db in try Value.fetchOne(db, sql: sql) }
    }

    func entry(_ action: String, person: String? = nil) -> AuditEntry {
        AuditEntry(time: Date(), action: action, actor: "tester", personId: person)
    }

    @Test("Migrations create every table, WAL mode and the application id")
    func schema() throws {
        for table in ["store_info", "people", "templates", "intents", "audit_log"] {
            let exists = try catalog.pool.read { db in try db.tableExists(table) }
            #expect(exists, "missing table \(table)")
        }
        #expect(try scalar("PRAGMA journal_mode", as: String.self) == "wal")
        // The writer connection commits: GRDB sets it to NORMAL, the catalog to FULL (2).
        #expect(try catalog.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2,
                "commits must be FULL-synchronous")
        #expect(try scalar("PRAGMA application_id", as: Int32.self) == Catalog.applicationID)
        // Reopening is a no-op.
        _ = try Catalog(path: directory.path("catalog.sqlite"))
    }

    @Test("Store info is written once")
    func storeInfo() throws {
        #expect(try catalog.storeInfo() == nil)
        let info = try catalog.initialize(StoreInfo(encoder: "pixels/1", dimension: 1024, metric: "l2"))
        let again = try catalog.initialize(StoreInfo(encoder: "other/1", dimension: 3, metric: "ip"))
        #expect(again.encoder == "pixels/1")
        #expect(try catalog.storeInfo()?.dimension == 1024)
        #expect(info.formatVersion == Catalog.formatVersion)
    }

    @Test("An add is invisible until finished")
    func addProtocol() throws {
        let drafts = [TemplateDraft(sourceFile: "a.png", imageSha256: "aa"), TemplateDraft(sourceFile: "b.png", imageSha256: "bb")]
        let (intent, ids) = try catalog.beginAdd(personId: "alice", displayName: "Alice", metadata: ["team": "red"],
                                                 templates: drafts)
        #expect(ids.count == 2)
        #expect(try catalog.person("alice") == nil)
        #expect(try catalog.counts() == (0, 0))
        #expect(try catalog.templateOwners().isEmpty)
        #expect(try catalog.incompleteIntents().count == 1)
        try catalog.finish(intent: intent, audit: entry("add", person: "alice"))
        #expect(try catalog.person("alice")?.displayName == "Alice")
        #expect(try catalog.person("alice")?.metadata == ["team": "red"])
        #expect(try catalog.counts() == (1, 2))
        #expect(try catalog.templateOwners() == [UInt64(ids[0]): "alice", UInt64(ids[1]): "alice"])
        #expect(try catalog.hasIncompleteIntents() == false)
        #expect(try catalog.audit().map(\.action) == ["add"])
    }

    @Test("Adding to an existing person merges metadata only when the add finishes")
    func addToExisting() throws {
        let (first, _) = try catalog.beginAdd(personId: "bob", displayName: nil, metadata: ["a": "1"],
                                              templates: [TemplateDraft(sourceFile: "1.png", imageSha256: "11")])
        try catalog.finish(intent: first, audit: nil)
        let (second, _) = try catalog.beginAdd(personId: "bob", displayName: "Bob", metadata: ["b": "2"],
                                               templates: [TemplateDraft(sourceFile: "2.png", imageSha256: "22")])
        #expect(try catalog.person("bob")?.metadata == ["a": "1"])
        #expect(try catalog.person("bob")?.displayName == nil)
        try catalog.finish(intent: second, audit: nil)
        #expect(try catalog.person("bob")?.metadata == ["a": "1", "b": "2"])
        #expect(try catalog.person("bob")?.displayName == "Bob")
        #expect(try catalog.templates(of: "bob").count == 2)
    }

    @Test("Undoing an add removes its rows and a person it created")
    func undoAdd() throws {
        let (intent, ids) = try catalog.beginAdd(personId: "carol", displayName: nil, metadata: [:],
                                                 templates: [TemplateDraft(sourceFile: "c.png", imageSha256: "cc")])
        let orphaned = try catalog.finish(intent: intent, undo: true, audit: nil)
        #expect(orphaned == ids)
        #expect(try scalar("SELECT count(*) FROM people") == 0)
        #expect(try scalar("SELECT count(*) FROM templates") == 0)
        #expect(try catalog.hasIncompleteIntents() == false)
    }

    @Test("Template ids are never reused")
    func idsNotReused() throws {
        let (intent, ids) = try catalog.beginAdd(personId: "d", displayName: nil, metadata: [:],
                                                 templates: [TemplateDraft(sourceFile: "d.png", imageSha256: "dd")])
        try catalog.finish(intent: intent, undo: true, audit: nil)
        let (_, next) = try catalog.beginAdd(personId: "d", displayName: nil, metadata: [:],
                                             templates: [TemplateDraft(sourceFile: "d.png", imageSha256: "dd")])
        #expect(next[0] > ids[0])
    }

    @Test("A remove hides the person at once and deletes them when finished")
    func removeProtocol() throws {
        let (add, ids) = try catalog.beginAdd(personId: "eve", displayName: nil, metadata: [:],
                                              templates: [TemplateDraft(sourceFile: "e.png", imageSha256: "ee")])
        try catalog.finish(intent: add, audit: nil)
        #expect(try catalog.beginRemove(personId: "nobody") == nil)
        let removal = try #require(try catalog.beginRemove(personId: "eve"))
        #expect(removal.templateIds == ids)
        #expect(try catalog.person("eve") == nil)
        #expect(try catalog.templateOwners().isEmpty)
        try catalog.finish(intent: removal.intent, audit: entry("remove", person: "eve"))
        #expect(try scalar("SELECT count(*) FROM people") == 0)
        #expect(try scalar("SELECT count(*) FROM templates") == 0)
        // Finishing again only appends the audit row.
        try catalog.finish(intent: removal.intent, audit: entry("remove", person: "eve"))
        #expect(try catalog.audit(AuditFilter(action: "remove")).count == 2)
    }

    @Test("Audit filters by action, person, time and limit")
    func auditFilters() throws {
        let old = AuditEntry(time: Date(timeIntervalSinceNow: -7200), action: "query", actor: "t")
        try catalog.appendAudit(old)
        try catalog.appendAudit(entry("add", person: "x"))
        try catalog.appendAudit(entry("query", person: nil))
        try catalog.appendAudit(entry("verify", person: "x"))
        #expect(try catalog.audit().count == 4)
        #expect(try catalog.audit(AuditFilter(action: "query")).count == 2)
        #expect(try catalog.audit(AuditFilter(personId: "x")).map(\.action) == ["add", "verify"])
        #expect(try catalog.audit(AuditFilter(since: Date(timeIntervalSinceNow: -60))).count == 3)
        #expect(try catalog.audit(AuditFilter(limit: 2)).map(\.action) == ["query", "verify"])
    }

    @Test("Another application's database is refused")
    func foreignDatabase() throws {
        let path = directory.path("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
        let error = #expect(throws: SimDBError.self) { try Catalog(path: path) }
        #expect(error?.code == .corruptStore)
    }

    @Test("A garbage file is a damaged catalog, not a crash")
    func garbageFile() throws {
        let path = directory.path("garbage.sqlite")
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let error = #expect(throws: SimDBError.self) { try Catalog(path: path) }
        #expect(error?.code == .corruptStore)
    }

    @Test("A catalog from a newer format is refused with advice")
    func newerFormat() throws {
        _ = try catalog.initialize(StoreInfo(encoder: "pixels/1", dimension: 4, metric: "l2"))
        try catalog.pool.write { db in try db.execute(sql: "UPDATE store_info SET format_version = 99") }
        let error = #expect(throws: SimDBError.self) { try Catalog(path: directory.path("catalog.sqlite")) }
        #expect(error?.code == .incompatibleStore)
        #expect(error?.message.contains("upgrade") == true)
    }
}
