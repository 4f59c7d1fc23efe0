import Foundation
import SimDBCatalog
import SimDBCore
import SimDBIndex
import SimDBStorage

/// What ``Store/check(repair:)`` found (and, with `repair`, did).
public struct StoreCheck: Sendable, Equatable {
    /// Committed templates in the catalog.
    public var templates: Int
    /// Vectors in the vector store.
    public var vectors: Int
    /// Entries in the search index: graph nodes, or the vectors an exact scan reads when the
    /// store keeps no graph.
    public var indexEntries: Int
    /// People with a committed template.
    public var people: Int
    /// The encoder and dimension both files record.
    public var encoder: String
    public var dimension: Int
    /// Audit rows, and whether their hash chain is intact.
    public var auditRows: Int
    public var auditIntact: Bool
    /// Every problem left, one line each; empty when the store is consistent.
    public var problems: [String]
    /// What `repair` changed, one line each.
    public var repairs: [String]

    /// Whether nothing is wrong.
    public var consistent: Bool { problems.isEmpty }
}

extension Store {
    /// Runs recovery, then verifies the store: every committed template has exactly one vector
    /// and every vector a template; no template is stranded in a half-written state; no person
    /// is left without templates; every vector is finite and of the store's dimension; both
    /// files record the same encoder and dimension; the index agrees with the vectors; the audit
    /// chain is intact. Holds the writer lock throughout, so it sees no write half done.
    ///
    /// With `repair`, fixes what needs no guess, then checks again: a vector with no template is
    /// removed (nobody can be found by it); a template whose vector is gone is removed, with
    /// its person if it was their last (the repair names the file to enrol again); a stranded
    /// template row is removed; a person with no template is removed; an index that disagrees
    /// with the vectors is rebuilt. A broken audit chain is evidence and is left as it is.
    /// - Parameter limit: list at most this many problems of each kind.
    public func check(repair: Bool = false, limit: Int = 20) throws -> StoreCheck {
        try audited("check") { entry, _ in
            let result = try exclusively {
                try vectors.publishLatestCommit()  // counts must include a commit a dead writer did not publish
                var repairs: [String] = []
                if repair { repairs = try repairInconsistencies(limit: limit) }
                var result = try inspect(limit: limit)
                result.repairs = repairs
                return result
            }
            entry.detail = (repair ? "repair: \(result.repairs.count) changes; " : "")
                + (result.consistent ? "consistent" : "\(result.problems.count) problems")
            return result
        }
    }

    /// The check itself, under the writer lock.
    private func inspect(limit: Int) throws -> StoreCheck {
        var problems: [String] = []
        func report(_ lines: [String]) {
            problems += lines.prefix(limit)
            if lines.count > limit { problems.append("… and \(lines.count - limit) more like it") }
        }
        let found = try mismatches()
        report(found.orphans.map { "vector \($0) has no template in the catalog" })
        report(found.lost.map { "template \($0.id) of \($0.person) (\($0.sourceFile)) has no vector" })
        report(found.catalog.stranded.sorted { $0.key < $1.key }.map { "template \($0.key) is stranded in state '\($0.value)' with no intent" })
        report(found.catalog.emptyPeople.map { "person \($0) has no templates" })
        report(found.nonFinite.map { "vector \($0) has a component that is not a finite number" })
        let header = try VectorStore.readHeader(path: vectors.path)
        if header?.encoderIdentifier != info.encoder || header?.dimension != info.dimension {
            problems.append("the catalog records \(info.encoder) (\(info.dimension)-d) but the vector file "
                + (header.map { "records \($0.encoderIdentifier) (\($0.dimension)-d)" } ?? "has no header"))
        }
        let indexProblems = try index.check(limit: limit)
        problems += indexProblems.map { "index: \($0)" }
        let status = try index.status()
        let audit = try catalog.verifyAudit(limit: limit)
        problems += audit.problems
        return StoreCheck(templates: found.catalog.committed.count, vectors: found.vectors,
                          indexEntries: status.graphNodes ?? status.count, people: found.catalog.people,
                          encoder: info.encoder, dimension: info.dimension, auditRows: audit.rows,
                          auditIntact: audit.intact, problems: problems, repairs: [])
    }

    /// Where the catalog and the vectors disagree, read under the writer lock.
    private struct Mismatches {
        var catalog: CatalogInventory
        /// Vectors stored.
        var vectors: Int
        /// Vectors with no committed template, by id.
        var orphans: [UInt64]
        /// Committed templates with no vector, by id.
        var lost: [(id: UInt64, person: String, sourceFile: String)]
        /// Vectors with a NaN or infinite component.
        var nonFinite: [UInt64]
    }

    private func mismatches() throws -> Mismatches {
        let catalogSide = try catalog.inventory()
        let (ids, nonFinite) = try vectors.read { reader in
            var ids = Set<UInt64>(), nonFinite: [UInt64] = []
            ids.reserveCapacity(try reader.count())
            try reader.forEachVector { id, vector in
                ids.insert(id)
                if !vector.allSatisfy(\.isFinite) { nonFinite.append(id) }
            }
            return (ids, nonFinite)
        }
        let lost = catalogSide.committed.filter { !ids.contains($0.key) }.sorted { $0.key < $1.key }
        return Mismatches(catalog: catalogSide, vectors: ids.count,
                          orphans: ids.subtracting(catalogSide.committed.keys).sorted(),
                          lost: lost.map { ($0.key, $0.value.person, $0.value.sourceFile) }, nonFinite: nonFinite)
    }

    /// The repairs that need no guess; returns what was done.
    private func repairInconsistencies(limit: Int) throws -> [String] {
        var repairs: [String] = []
        let found = try mismatches()
        let (orphans, lost, catalogSide) = (found.orphans, found.lost, found.catalog)
        if !orphans.isEmpty {
            try index.remove(ids: orphans)
            repairs.append("removed \(orphans.count) vectors with no template: "
                + orphans.prefix(limit).map(String.init).joined(separator: ", ") + (orphans.count > limit ? ", …" : ""))
        }
        let stranded = catalogSide.stranded.keys.sorted()
        if !lost.isEmpty || !stranded.isEmpty || !catalogSide.emptyPeople.isEmpty {
            let entry = AuditEntry(time: Date(), action: "check", actor: actor, status: .recovered,
                                   detail: "repair: \(lost.count) templates without vectors, \(stranded.count) stranded, "
                                       + "\(catalogSide.emptyPeople.count) empty people removed")
            try catalog.deleteTemplates(lost.map(\.id) + stranded, audit: entry)
            for template in lost.prefix(limit) {
                repairs.append("removed template \(template.id) of \(template.person), whose vector was lost: enrol \(template.sourceFile) again")
            }
            if lost.count > limit { repairs.append("… and \(lost.count - limit) more templates whose vectors were lost") }
            if !stranded.isEmpty { repairs.append("removed \(stranded.count) stranded template rows") }
            if !catalogSide.emptyPeople.isEmpty {
                repairs.append("removed \(catalogSide.emptyPeople.count) people with no templates: "
                    + catalogSide.emptyPeople.prefix(limit).joined(separator: ", "))
            }
        }
        if try !index.check(limit: 1).isEmpty {
            try index.rebuild()
            repairs.append("rebuilt the index, which disagreed with the vectors")
        }
        return repairs
    }
}
