import Foundation
import GRDB
import SimDBCore

/// A person with the number of their committed templates, as `simdb list` shows them.
public struct PersonSummary: Sendable, Equatable {
    /// The person's record.
    public var person: PersonRecord
    /// How many committed templates they have.
    public var templateCount: Int
}

extension Catalog {
    /// The person `id` if they have at least one committed template, else `nil`.
    package func person(_ id: String) throws -> PersonRecord? {
        try read { db in
            try PersonRecord.fetchOne(db, sql: """
                SELECT * FROM people WHERE id = ?
                AND EXISTS (SELECT 1 FROM templates WHERE person_id = people.id AND state = 'committed')
                """, arguments: [id])
        }
    }

    /// Every visible person (one with a committed template), sorted by id, with template counts.
    package func people() throws -> [PersonSummary] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT people.*, count(templates.id) AS template_count FROM people
                JOIN templates ON templates.person_id = people.id AND templates.state = 'committed'
                GROUP BY people.id ORDER BY people.id
                """)
            return try rows.map { row in
                PersonSummary(person: try PersonRecord(row: row), templateCount: row["template_count"])
            }
        }
    }

    /// The number of visible people and committed templates.
    package func counts() throws -> (people: Int, templates: Int) {
        try read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(DISTINCT person_id) AS people, count(*) AS templates
                FROM templates WHERE state = 'committed'
                """)
            return (row?["people"] ?? 0, row?["templates"] ?? 0)
        }
    }

    /// Every template row, whatever its state: zero only for a store that never stored a vector.
    package func templateRowCount() throws -> Int {
        try read { db in try TemplateRecord.fetchCount(db) }
    }

    /// Committed template ids mapped to their person, for a scan that reports people.
    package func templateOwners() throws -> [UInt64: String] {
        try read { db in
            var owners: [UInt64: String] = [:]
            let cursor = try Row.fetchCursor(db, sql: "SELECT id, person_id FROM templates WHERE state = 'committed'")
            while let row = try cursor.next() {
                let id: Int64 = row["id"]
                owners[UInt64(id)] = row["person_id"]
            }
            return owners
        }
    }

    /// The person of each of `ids` that is a committed template (others are left out), for
    /// the few candidates an approximate search returns.
    package func templateOwners(of ids: [UInt64]) throws -> [UInt64: String] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            var owners: [UInt64: String] = [:]
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = ids[start..<min(ids.count, start + 500)].map { Int64(bitPattern: $0) }
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let cursor = try Row.fetchCursor(db, sql: """
                    SELECT id, person_id FROM templates WHERE state = 'committed' AND id IN (\(marks))
                    """, arguments: StatementArguments(chunk))
                while let row = try cursor.next() {
                    let id: Int64 = row["id"]
                    owners[UInt64(id)] = row["person_id"]
                }
            }
            return owners
        }
    }

    /// The committed templates of `personId`, oldest first.
    package func templates(of personId: String) throws -> [TemplateRecord] {
        try read { db in
            try TemplateRecord
                .filter(Column("person_id") == personId && Column("state") == TemplateState.committed.rawValue)
                .order(Column("id"))
                .fetchAll(db)
        }
    }
}
