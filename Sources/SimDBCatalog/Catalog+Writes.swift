import Foundation
import GRDB
import SimDBCore

/// The catalog's side of simdb's write protocol (docs/architecture.md, "Writes").
///
/// Each write across the two stores runs in three steps: an intent here (step A), the LMDB
/// transaction (step B), and a finishing transaction here that also appends the audit row
/// (step C). Readers see only committed templates, so nothing is visible before step C. On
/// open, ``incompleteIntents()`` lists what a crash interrupted, for the store to finish or undo.
extension Catalog {
    /// Step A of an add: records the intent and allocates template ids.
    ///
    /// A new person's row is created here (invisible until one of their templates commits); for an
    /// existing person, `displayName` and `metadata` are kept in the intent and applied at step C.
    /// - Parameters:
    ///   - personId: who is enrolled.
    ///   - displayName: the name to set, if any.
    ///   - metadata: entries to merge into the person's metadata.
    ///   - templates: one draft per image.
    ///   - now: the time to record.
    /// - Returns: the intent id and the new template ids, in the order of `templates`.
    package func beginAdd(personId: String, displayName: String?, metadata: [String: String],
                         templates: [TemplateDraft], now: Date = Date()) throws -> (intent: Int64, templateIds: [Int64]) {
        let begun = try beginAdds([AddDraft(personId: personId, displayName: displayName, metadata: metadata,
                                            templates: templates)], now: now)
        guard let first = begun.first else { throw SimDBError(.internal, "no intent was recorded") }
        return first
    }

    /// Step A of many adds at once (bulk enrolment and imports): one intent per person, all in
    /// one SQLite transaction. Finish them together with ``finish(intents:undo:audits:now:)``.
    /// - Returns: per person, in order, the intent id and the new template ids.
    package func beginAdds(_ people: [AddDraft], now: Date = Date()) throws -> [(intent: Int64, templateIds: [Int64])] {
        try write { db in
            try people.map { person in
                let exists = try PersonRecord.exists(db, key: person.personId)
                if !exists {
                    try PersonRecord(id: person.personId, displayName: person.displayName, metadata: person.metadata,
                                     createdAt: now, updatedAt: now).insert(db)
                }
                var intent = IntentRecord(id: nil, kind: .add, personId: person.personId,
                                          displayName: exists ? person.displayName : nil,
                                          metadata: exists && !person.metadata.isEmpty ? person.metadata : nil,
                                          createdAt: now)
                try intent.insert(db)
                guard let intentId = intent.id else { throw SimDBError(.internal, "intent row has no id") }
                let ids = try person.templates.map { draft -> Int64 in
                    var record = TemplateRecord(id: nil, personId: person.personId, sourceFile: draft.sourceFile,
                                                imageSha256: draft.imageSha256, createdAt: now, state: .pending,
                                                intentId: intentId)
                    try record.insert(db)
                    guard let id = record.id else { throw SimDBError(.internal, "template row has no id") }
                    return id
                }
                return (intentId, ids)
            }
        }
    }

    /// Step C of many writes begun together: completes (or, with `undo`, cancels) every intent as
    /// ``finish(intent:undo:audit:now:)`` does, and appends `audits`, in one SQLite transaction.
    package func finish(intents: [Int64], undo: Bool = false, audits: [AuditEntry], now: Date = Date()) throws {
        try write { db in
            for intentId in intents { _ = try finish(db, intentId, undo: undo, now: now) }
            for var row in audits { try AuditChain.append(&row, in: db) }
        }
    }

    /// Step A of a remove: records the intent and hides the person's templates.
    /// - Returns: the intent id and the template ids whose vectors must go, or `nil` when the
    ///   person is not enrolled.
    package func beginRemove(personId: String, now: Date = Date()) throws -> (intent: Int64, templateIds: [Int64])? {
        try write { db in
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM templates WHERE person_id = ? AND state = 'committed' ORDER BY id
                """, arguments: [personId])
            guard !ids.isEmpty else { return nil }
            var intent = IntentRecord(id: nil, kind: .remove, personId: personId, displayName: nil,
                                      metadata: nil, createdAt: now)
            try intent.insert(db)
            guard let intentId = intent.id else { throw SimDBError(.internal, "intent row has no id") }
            try db.execute(sql: """
                UPDATE templates SET state = 'deleting', intent_id = ? WHERE person_id = ? AND state = 'committed'
                """, arguments: [intentId, personId])
            return (intentId, ids)
        }
    }

    /// Step C: makes the intent's effect visible, or, with `undo`, cancels it: an undone add's rows
    /// are erased (its vectors must not be in LMDB), an undone remove's templates are visible again
    /// (its vectors must all still be in LMDB). Appends `audit` (if given) in the same transaction. Idempotent: finishing a finished intent only
    /// appends the audit row.
    /// - Parameters:
    ///   - intentId: the intent from step A.
    ///   - undo: cancel the intent instead of completing it.
    ///   - audit: the row to append.
    /// - Returns: the ids of templates whose vectors must be deleted (an undone add's).
    @discardableResult
    package func finish(intent intentId: Int64, undo: Bool = false, audit: AuditEntry?, now: Date = Date()) throws -> [Int64] {
        try write { db in
            let orphaned = try finish(db, intentId, undo: undo, now: now)
            if var row = audit { try AuditChain.append(&row, in: db) }
            return orphaned
        }
    }

    /// One intent's step C inside a transaction; returns the ids of an undone add's templates.
    private func finish(_ db: Database, _ intentId: Int64, undo: Bool, now: Date) throws -> [Int64] {
        var orphaned: [Int64] = []
        guard let intent = try IntentRecord.fetchOne(db, key: intentId) else { return orphaned }
        switch (intent.kind, undo) {
        case (.add, false):
            try db.execute(sql: "UPDATE templates SET state = 'committed', intent_id = NULL WHERE intent_id = ?",
                           arguments: [intentId])
            if var person = try PersonRecord.fetchOne(db, key: intent.personId) {
                if let name = intent.displayName { person.displayName = name }
                if let metadata = intent.metadata { person.metadata.merge(metadata) { $1 } }
                person.updatedAt = now
                try person.update(db)
            }
        case (.add, true):
            orphaned = try Int64.fetchAll(db, sql: "SELECT id FROM templates WHERE intent_id = ?", arguments: [intentId])
            try db.execute(sql: "DELETE FROM templates WHERE intent_id = ?", arguments: [intentId])
            try deletePersonIfEmpty(db, intent.personId)
        case (.remove, false):
            try db.execute(sql: "DELETE FROM templates WHERE intent_id = ?", arguments: [intentId])
            try deletePersonIfEmpty(db, intent.personId)
        case (.remove, true):
            try db.execute(sql: "UPDATE templates SET state = 'committed', intent_id = NULL WHERE intent_id = ?",
                           arguments: [intentId])
        }
        try intent.delete(db)
        return orphaned
    }

    /// Intents left by a process that died between step A and step C, oldest first, each with
    /// its template ids.
    package func incompleteIntents() throws -> [(intent: IntentRecord, templateIds: [Int64])] {
        try read { db in
            try IntentRecord.order(Column("id")).fetchAll(db).map { intent in
                let ids = try Int64.fetchAll(db, sql: "SELECT id FROM templates WHERE intent_id = ? ORDER BY id",
                                             arguments: [intent.id])
                return (intent, ids)
            }
        }
    }

    /// Whether any intent is outstanding; a cheap check made on every open.
    package func hasIncompleteIntents() throws -> Bool {
        try read { db in try IntentRecord.fetchCount(db) > 0 }
    }

    private func deletePersonIfEmpty(_ db: Database, _ personId: String) throws {
        try db.execute(sql: """
            DELETE FROM people WHERE id = ? AND NOT EXISTS (SELECT 1 FROM templates WHERE person_id = ?)
            """, arguments: [personId, personId])
    }
}
