import Foundation
import GRDB
import SimDBTestSupport
import Testing

@Suite("simdb check")
struct CheckCommandTests {
    @Test("check reports counts and consistency, exits 6 on a problem, and never creates a store")
    func checkEndToEnd() throws {
        let directory = try TemporaryDirectory()
        let store = directory.path("store")
        let missing = try CLI.run(["check"], store: directory.path("nowhere"))
        #expect(missing.status == 4 && !FileManager.default.fileExists(atPath: directory.path("nowhere")))

        let faces = try writeFaces(0..<3, pictures: 0..<2, into: directory)
        for person in 0..<3 {
            #expect(try CLI.run(["add"] + faces["p\(person)"]! + ["--id", "p\(person)", "--encoder", "pixels"], store: store).status == 0)
        }
        let healthy = try CLI.run(["check", "--json"], store: store)
        #expect(healthy.status == 0, "\(healthy.stderr)")
        let report = try #require(try healthy.json() as? [String: Any])
        #expect(report["consistent"] as? Bool == true && report["templates"] as? Int == 6 && report["vectors"] as? Int == 6)
        #expect(report["index_entries"] as? Int == 6 && report["people"] as? Int == 3 && report["audit_intact"] as? Bool == true)
        #expect(report["encoder"] as? String == "pixels/1" && (report["problems"] as? [String])?.isEmpty == true)
        let text = try CLI.run(["check"], store: store)
        #expect(text.status == 0 && text.stdout.contains("6 in the catalog, 6 vectors, 6 index entries") && text.stdout.hasSuffix("consistent\n"))

        // A person row with no templates, written behind simdb's back.
        try DatabaseQueue(path: directory.path("store/catalog.sqlite")).write { db in
            try db.execute(sql: "INSERT INTO people (id, metadata, created_at, updated_at) VALUES ('ghost', '{}', '2026-01-01', '2026-01-01')")
        }
        let damaged = try CLI.run(["check"], store: store)
        #expect(damaged.status == 6 && damaged.stdout.contains("person ghost has no templates"))
        #expect(damaged.stderr.contains("simdb check --repair"))
        let repaired = try CLI.run(["check", "--repair"], store: store)
        #expect(repaired.status == 0 && repaired.stdout.contains("repaired: removed 1 people with no templates: ghost"))
        #expect(try CLI.run(["check"], store: store).status == 0)

        // A backup is a store that checks clean; a second backup to the same place is refused.
        let backup = try CLI.run(["backup", directory.path("backup"), "--json"], store: store)
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect((try backup.json() as? [String: Any])?["templates"] as? Int == 6)
        #expect(try CLI.run(["check"], store: directory.path("backup")).status == 0)
        let again = try CLI.run(["backup", directory.path("backup")], store: store)
        #expect(again.status == 2 && again.stderr.contains("already exists"))
    }
}
