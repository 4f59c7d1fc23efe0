import Foundation
import SimDBCatalog
import SimDBCore

extension Store {
    /// Runs one operation and records it in the audit log.
    ///
    /// `body` fills in the entry. Read operations are appended here after `body` returns; write
    /// operations append theirs inside their finishing transaction (pass `writesOwnAudit`). When
    /// `body` throws, a `refused` row with the error's message is appended and the error rethrown.
    func audited<T>(_ action: String, personId: String? = nil, writesOwnAudit: Bool = false,
                    _ body: (inout AuditEntry, () -> Double) throws -> T) throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        let elapsed = { (clock.now - start).milliseconds }
        // An id that is not a valid person id (too long, control characters) is refused, and the
        // log records the refusal without it.
        let recorded = personId.flatMap { (try? Validation.personId($0)) == nil ? nil : $0 }
        var entry = AuditEntry(time: Date(), action: action, actor: actor, personId: recorded)
        do {
            let result = try body(&entry, elapsed)
            if !writesOwnAudit {
                entry.durationMs = elapsed()
                try catalog.appendAudit(entry)
            }
            return result
        } catch {
            entry.markRefused(by: error)
            entry.durationMs = elapsed()
            // The refusal is the answer; an audit failure must not mask it.
            _ = try? catalog.appendAudit(entry)
            throw error
        }
    }

    /// The audit rows matching `filter`, oldest first. Reading the log is itself audited (the
    /// row for this read is written after the rows are read, so it is not among them).
    public func audit(_ filter: AuditFilter = AuditFilter()) throws -> [AuditEntry] {
        try audited("audit", personId: filter.personId) { entry, _ in
            let rows = try catalog.audit(filter)
            entry.detail = "\(rows.count) rows"
            return rows
        }
    }

    /// Recomputes the audit log's hash chain (``AuditChain``) and reports every row where it
    /// breaks: an edited row, missing rows, rows out of order. The check is itself audited
    /// (action `audit`, detail `verify`), after the rows are read.
    /// - Parameter limit: list at most this many problems.
    public func verifyAudit(limit: Int = 20) throws -> AuditVerification {
        try audited("audit") { entry, _ in
            let verification = try catalog.verifyAudit(limit: limit)
            entry.detail = "verify: \(verification.rows) rows, \(verification.intact ? "intact" : "\(verification.problems.count) problems")"
            return verification
        }
    }

    /// Every enrolled person with their template count, sorted by id.
    public func people() throws -> [PersonSummary] {
        try audited("list") { entry, _ in
            let people = try catalog.people()
            entry.detail = "\(people.count) people"
            return people
        }
    }

    /// The person `id`, or `nil` when not enrolled. Not audited: a lookup, not an operation.
    public func person(_ id: String) throws -> PersonRecord? {
        try catalog.person(id)
    }

    /// Counts and creation parameters.
    public func statistics() throws -> StoreStatistics {
        try audited("info") { _, _ in
            let counts = try catalog.counts()
            return StoreStatistics(
                path: path, people: counts.people, templates: counts.templates, vectors: try vectors.count(),
                encoder: info.encoder, dimension: info.dimension, metric: info.metric,
                metricDirection: metric.direction.rawValue, defaultThreshold: defaultThreshold,
                formatVersion: info.formatVersion, createdAt: info.createdAt, detector: info.detector)
        }
    }
}

extension AuditEntry {
    /// Marks the entry as a refusal, with the error's message as its detail.
    mutating func markRefused(by error: any Error) {
        status = .refused
        detail = (error as? SimDBError)?.message ?? "\(error)"
    }
}
