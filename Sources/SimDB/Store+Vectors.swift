import Foundation
import SimDBCatalog
import SimDBCore

/// What ``Store/importVectors(_:personIds:source:step:progress:)`` stored.
public struct ImportResult: Sendable, Codable, Equatable {
    /// Templates added.
    public var templates: Int
    /// Distinct people they belong to.
    public var people: Int
    /// People who were not enrolled before.
    public var newPeople: Int

    enum CodingKeys: String, CodingKey {
        case templates, people
        case newPeople = "new_people"
    }
}

extension Store {
    /// Rows per step of an import by default: one SQLite transaction to begin, one LMDB
    /// transaction, one SQLite transaction to finish.
    public static let defaultImportStep = 50_000

    /// Adds embeddings made elsewhere (for example exported from another store with the same
    /// encoder) as templates: row `i` of `batch` becomes a template of `personIds[i]`.
    ///
    /// Everything is checked before anything is written: the dimension, the ids, finite values.
    /// Then the rows are written in steps of `step` rows (50,000 by default), each atomic under the store's write protocol
    /// (intents, vectors and graph in one LMDB transaction, commit), with one audit row per step:
    /// a crash keeps the steps committed before it and loses none of them.
    /// - Parameters:
    ///   - source: recorded as each template's source file (with `#row`).
    ///   - progress: called with (rows written, rows) after each step.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a wrong dimension or count, a bad id, or a
    ///   value that is not finite (nothing written); `.storage` when a write fails (the failing
    ///   step is undone, earlier steps stay).
    @discardableResult
    public func importVectors(_ batch: EmbeddingBatch, personIds: [String], source: String,
                              step: Int = Store.defaultImportStep,
                              progress: ((Int, Int) -> Void)? = nil) throws -> ImportResult {
        try audited("import", writesOwnAudit: true) { entry, elapsed in
            guard batch.dimension == info.dimension else {
                throw SimDBError(.invalidArgument,
                    "\(source) holds \(batch.dimension)-d vectors; the store holds \(info.dimension)-d vectors of encoder \(info.encoder)")
            }
            guard step >= 1 else { throw SimDBError(.invalidArgument, "the import step must be at least 1 row") }
            guard personIds.count == batch.count else {
                throw SimDBError(.invalidArgument, "\(personIds.count) person ids for \(batch.count) vectors")
            }
            for id in Set(personIds) { try Validation.personId(id) }
            if let row = (0..<batch.count).first(where: { row in batch.withVector(at: row) { !$0.allSatisfy(\.isFinite) } }) {
                throw SimDBError(.invalidArgument, "\(source): vector \(row) has a value that is not finite")
            }
            let existing = Set(try catalog.people().map(\.person.id))
            return try exclusively {
                var done = 0
                while done < batch.count {
                    let end = min(batch.count, done + step)
                    try importStep(batch, personIds: personIds, rows: done..<end, source: source, elapsed: elapsed)
                    done = end
                    progress?(done, batch.count)
                }
                let people = Set(personIds)
                entry.detail = "\(batch.count) templates"
                return ImportResult(templates: batch.count, people: people.count,
                                    newPeople: people.subtracting(existing).count)
            }
        }
    }

    /// One atomic step of an import; the caller holds the writer lock.
    private func importStep(_ batch: EmbeddingBatch, personIds: [String], rows: Range<Int>, source: String,
                            elapsed: () -> Double) throws {
        var order: [String] = [], rowsOf: [String: [Int]] = [:]
        for row in rows {
            if rowsOf[personIds[row]] == nil { order.append(personIds[row]) }
            rowsOf[personIds[row], default: []].append(row)
        }
        let drafts = order.map { person in
            AddDraft(personId: person, templates: rowsOf[person]!.map { row in
                TemplateDraft(sourceFile: "\(source)#\(row)",
                              imageSha256: batch.withVector(at: row) { ImageSource.sha256(UnsafeRawBufferPointer($0)) })
            })
        }
        let begun = try catalog.beginAdds(drafts)
        var vectorIds = [UInt64](repeating: 0, count: rows.count)
        for (person, intent) in zip(order, begun) {
            for (row, id) in zip(rowsOf[person]!, intent.templateIds) { vectorIds[row - rows.lowerBound] = UInt64(id) }
        }
        let intents = begun.map(\.intent)
        do {
            let slice = EmbeddingBatch(dimension: batch.dimension,
                                       values: Array(batch.values[rows.lowerBound * batch.dimension ..< rows.upperBound * batch.dimension]))
            try index.put(ids: vectorIds, vectors: slice)
            var entry = AuditEntry(time: Date(), action: "import", actor: actor, personId: nil)
            entry.detail = "\(rows.count) templates for \(order.count) people from \(source)"
            entry.durationMs = elapsed()
            try catalog.finish(intents: intents, audits: [entry])
        } catch {
            try? index.remove(ids: vectorIds)
            try? catalog.finish(intents: intents, undo: true, audits: [])
            throw error
        }
    }

    /// Calls `body` with every committed template's person, template id and vector, in the
    /// order the vectors are stored. One consistent snapshot of the vectors; audited as `export`.
    /// - Throws: what `body` throws, or ``SimDBError`` from the store.
    public func exportVectors(_ body: (String, UInt64, UnsafeBufferPointer<Float>) throws -> Void) throws {
        try audited("export") { entry, _ in
            let owners = try catalog.templateOwners()
            var count = 0
            try vectors.read { reader in
                try reader.forEachVector { id, vector in
                    guard let person = owners[id] else { return }  // not committed
                    try body(person, id, vector)
                    count += 1
                }
            }
            entry.detail = "\(count) templates"
        }
    }
}
