import Foundation
import GRDB
@testable import SimDBCatalog
import SimDBCore
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

@Suite("simdb check")
struct StoreCheckTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path("store"), options: Store.Options(encoder: "pixels/1"))
        for person in 0..<3 {
            try store.add((0..<2).map { .bytes(try! SyntheticFaces.png(person: person, index: $0), name: "p\(person)-\($0).png") },
                          to: "p\(person)")
        }
    }

    @Test("a healthy store is consistent, with its counts")
    func healthyStoreIsConsistent() throws {
        let result = try store.check()
        #expect(result.consistent && result.repairs.isEmpty)
        #expect(result.templates == 6 && result.vectors == 6 && result.indexEntries == 6 && result.people == 3)
        #expect(result.encoder == "pixels/1" && result.auditIntact && result.auditRows >= 3)
    }

    @Test("lost vectors, orphan vectors and empty people are named, repaired without guessing, and gone after")
    func damageIsFoundAndRepaired() throws {
        let templates = try store.catalog.templates(of: "p1")
        let lost = try #require(templates.first?.id)
        try store.vectors.remove(ids: [UInt64(lost)])  // p1's first vector gone
        try store.index.put(ids: [9_999], vectors: EmbeddingBatch(dimension: store.info.dimension,
                                                                values: [Float](repeating: 0.5, count: store.info.dimension)))
        try store.catalog.pool.write { db in
            try db.execute(sql: "INSERT INTO people (id, metadata, created_at, updated_at) VALUES ('ghost', '{}', '2026-01-01', '2026-01-01')")
        }
        let found = try store.check()
        #expect(!found.consistent)
        #expect(found.problems.contains("vector 9999 has no template in the catalog"))
        #expect(found.problems.contains("template \(lost) of p1 (p1-0.png) has no vector"))
        #expect(found.problems.contains("person ghost has no templates"))
        #expect(found.templates == 6 && found.vectors == 6)

        let repaired = try store.check(repair: true)
        #expect(repaired.consistent, "\(repaired.problems)")
        #expect(repaired.repairs.contains("removed 1 vectors with no template: 9999"))
        #expect(repaired.repairs.contains("removed template \(lost) of p1, whose vector was lost: enrol p1-0.png again"))
        #expect(repaired.repairs.contains("removed 1 people with no templates: ghost"))
        #expect(repaired.templates == 5 && repaired.vectors == 5 && repaired.people == 3)
        let again = try store.check()
        #expect(again.consistent && again.repairs.isEmpty)
        #expect(try store.query(.bytes(try SyntheticFaces.png(person: 1, index: 1), name: "q.png"), k: 1).results.first?.id == "p1")
    }

    @Test("a broken audit chain is reported and never rewritten by a repair")
    func brokenAuditChainIsLeftAsEvidence() throws {
        try store.catalog.pool.write { db in try db.execute(sql: "UPDATE audit_log SET actor = 'mallory' WHERE id = 2") }
        let before = try store.check(repair: true)
        #expect(!before.consistent && !before.auditIntact && before.repairs.isEmpty)
        #expect(before.problems.contains { $0.hasPrefix("audit row 2 does not match its hash") })
        #expect(try store.catalog.pool.read { db in try String.fetchOne(db, sql: "SELECT actor FROM audit_log WHERE id = 2") } == "mallory")
    }
}
