import Foundation
import GRDB
import SimDBCore
import SimDBTestSupport
import Testing
@testable import SimDBCatalog

@Suite("Audit hash chain")
struct AuditChainTests {
    let directory: TemporaryDirectory
    let catalog: Catalog

    init() throws {
        directory = try TemporaryDirectory()
        catalog = try Catalog(path: directory.path("catalog.sqlite"))
        for index in 1...8 {
            try catalog.appendAudit(AuditEntry(time: Date(), action: index % 2 == 0 ? "query" : "add", actor: "tester",
                                               personId: "p\(index)", distance: index == 3 ? 0.25 : nil,
                                               durationMs: Double(index) / 3, detail: "row \(index)"))
        }
    }

    func tamper(_ sql: String) throws {
        try catalog.pool.write { db in try db.execute(sql: sql) }
    }

    @Test("an untouched log verifies, every row hashed and chained, the head the newest row's hash")
    func intactLogVerifies() throws {
        let result = try catalog.verifyAudit()
        #expect(result.intact && result.rows == 8 && result.problems.isEmpty)
        let rows = try catalog.audit()
        #expect(rows.allSatisfy { $0.hash?.count == 64 } && Set(rows.compactMap(\.hash)).count == 8)
        #expect(result.head == rows.last?.hash)
    }

    @Test("an edited value names its row, and only it")
    func editedRowIsNamed() throws {
        try tamper("UPDATE audit_log SET detail = 'row 4 ' WHERE id = 4")
        #expect(try catalog.verifyAudit().problems == [
            "audit row 4 does not match its hash: it was edited, or rows before it were removed or reordered"])
        try tamper("UPDATE audit_log SET detail = 'row 4' WHERE id = 4")
        #expect(try catalog.verifyAudit().intact)
        // A changed double, a NULL made a value, a changed time: each is seen.
        for sql in ["UPDATE audit_log SET distance = 0.2500001 WHERE id = 3",
                    "UPDATE audit_log SET top_match = 'p9' WHERE id = 6",
                    "UPDATE audit_log SET time = '2001-01-01 00:00:00.000' WHERE id = 7"] {
            let before = try catalog.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM audit_log") }
            try tamper(sql)
            #expect(try catalog.verifyAudit().problems.count == 1, "\(sql)")
            try catalog.pool.write { db in
                try db.execute(sql: "DELETE FROM audit_log")
                for row in before {
                    try db.execute(sql: "INSERT INTO audit_log (\(row.columnNames.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: row.count).joined(separator: ", ")))",
                                   arguments: StatementArguments(row.databaseValues))
                }
            }
            #expect(try catalog.verifyAudit().intact)
        }
    }

    @Test("a removed row, the newest rows removed, and swapped rows are all found")
    func removedAndMovedRowsAreFound() throws {
        try tamper("DELETE FROM audit_log WHERE id = 5")
        let removed = try catalog.verifyAudit().problems
        #expect(removed.first == "audit row 5 is missing" && removed.count == 2)  // and row 6 no longer follows
        try tamper("DELETE FROM audit_log WHERE id >= 7")
        #expect(try catalog.verifyAudit().problems.last == "audit rows 7…8 are missing (the newest)")

        let other = try Catalog(path: directory.path("other.sqlite"))
        for index in 1...4 { try other.appendAudit(AuditEntry(time: Date(), action: "list", actor: "a", detail: "\(index)")) }
        try other.pool.write { db in
            try db.execute(sql: "UPDATE audit_log SET detail = 'x' WHERE id = 2")
            try db.execute(sql: "UPDATE audit_log SET detail = '2' WHERE id = 3")
            try db.execute(sql: "UPDATE audit_log SET detail = '3' WHERE id = 2")
            try db.execute(sql: "UPDATE audit_log SET hash = (SELECT hash FROM audit_log WHERE id = 3) WHERE id = 2")
        }
        #expect(try other.verifyAudit().problems.contains { $0.hasPrefix("audit row 2 ") })
    }

    @Test("rows written before the chain are sealed in order, and new rows chain on")
    func oldRowsAreSealed() throws {
        let head = try catalog.verifyAudit().head
        try tamper("UPDATE audit_log SET hash = NULL")
        #expect(try catalog.verifyAudit().problems.count == 8)
        try catalog.pool.write { db in try AuditChain.seal(db) }
        #expect(try catalog.verifyAudit().head == head)
        try catalog.appendAudit(AuditEntry(time: Date(), action: "info", actor: "tester"))
        let result = try catalog.verifyAudit()
        #expect(result.intact && result.rows == 9 && result.head != head)
    }

    @Test("a format-1 catalog, written before the chain, is upgraded on open: its rows sealed, no detector, format 3")
    func formatOneCatalogIsUpgraded() throws {
        _ = try catalog.initialize(StoreInfo(encoder: "test/1", dimension: 4, metric: "l2"))
        let head = try catalog.verifyAudit().head
        try catalog.pool.write { db in
            try db.execute(sql: "ALTER TABLE audit_log DROP COLUMN hash")
            try db.execute(sql: "ALTER TABLE store_info DROP COLUMN detector")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v2-audit-chain', 'v3-face-detector')")
            try db.execute(sql: "UPDATE store_info SET format_version = 1")
        }
        let reopened = try Catalog(path: directory.path("catalog.sqlite"))
        let result = try reopened.verifyAudit()
        #expect(result.intact && result.rows == 8 && result.head == head)
        #expect(try reopened.storeInfo()?.formatVersion == 3)
        #expect(try reopened.storeInfo()?.detector == nil)
    }
}
