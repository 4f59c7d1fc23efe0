import Foundation
import GRDB
import SimDBCore

/// What the catalog holds, as `simdb check` compares it with the vectors.
package struct CatalogInventory: Sendable {
    /// Committed templates: id → (person, source file).
    package var committed: [UInt64: (person: String, sourceFile: String)]
    /// Templates in another state with no intent to finish them (recovery ran first, so none
    /// should exist): id → state.
    package var stranded: [UInt64: String]
    /// People with no template at all.
    package var emptyPeople: [String]
    /// Distinct people with a committed template.
    package var people: Int
}

extension Catalog {
    /// Every template and person, for a consistency check.
    package func inventory() throws -> CatalogInventory {
        try read { db in
            var committed: [UInt64: (person: String, sourceFile: String)] = [:]
            var stranded: [UInt64: String] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, person_id, source_file, state, intent_id FROM templates
                WHERE state = 'committed' OR intent_id IS NULL
                   OR intent_id NOT IN (SELECT id FROM intents)
                """)
            while let row = try rows.next() {
                let id = UInt64(row["id"] as Int64)
                let state: String = row["state"]
                if state == TemplateState.committed.rawValue {
                    committed[id] = (row["person_id"], row["source_file"])
                } else {
                    stranded[id] = state
                }
            }
            let emptyPeople = try String.fetchAll(db, sql: """
                SELECT id FROM people WHERE NOT EXISTS (SELECT 1 FROM templates WHERE person_id = people.id) ORDER BY id
                """)
            let people = try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT person_id) FROM templates WHERE state = 'committed'
                """) ?? 0
            return CatalogInventory(committed: committed, stranded: stranded, emptyPeople: emptyPeople, people: people)
        }
    }

    /// Deletes template rows (whose vectors are gone) and then every person left with no
    /// template, appending `audit`, in one transaction.
    package func deleteTemplates(_ ids: [UInt64], audit: AuditEntry) throws {
        try write { db in
            for id in ids {
                try db.execute(sql: "DELETE FROM templates WHERE id = ?", arguments: [Int64(bitPattern: id)])
            }
            try db.execute(sql: """
                DELETE FROM people WHERE NOT EXISTS (SELECT 1 FROM templates WHERE person_id = people.id)
                """)
            var row = audit
            try AuditChain.append(&row, in: db)
        }
    }
}

extension Catalog {
    /// Rewrites the file without its free pages (`VACUUM`), so rows deleted earlier are gone from
    /// disk, and empties the write-ahead log, which may hold older copies of pages. Needs no
    /// other connection to the file.
    package func vacuum() throws {
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                try db.checkpoint(.truncate)
            }
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// Copies the catalog to `destination`, a new file private to its owner, with SQLite's online
    /// backup: one consistent state, while readers and writers go on.
    /// - Throws: ``SimDBError`` `.storage` when the file exists or cannot be written.
    package func backup(to destination: String) throws {
        let created = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard created >= 0 else {
            throw SimDBError(.storage, "\(destination): cannot create the backup (\(String(cString: strerror(errno))))")
        }
        close(created)
        do {
            try pool.backup(to: DatabaseQueue(path: destination))
        } catch {
            throw Self.translate(error, path: destination)
        }
    }
}
