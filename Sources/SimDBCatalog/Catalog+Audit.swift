import Foundation
import GRDB
import SimDBCore

extension Catalog {
    /// Appends one row to the audit log.
    /// - Returns: the row as written, with its id.
    @discardableResult
    package func appendAudit(_ entry: AuditEntry) throws -> AuditEntry {
        try write { db in
            var row = entry
            try AuditChain.append(&row, in: db)
            return row
        }
    }

    /// The audit rows matching `filter`, oldest first (with a limit: the newest `limit`, still
    /// oldest first).
    package func audit(_ filter: AuditFilter = AuditFilter()) throws -> [AuditEntry] {
        try read { db in
            var request = AuditEntry.all()
            if let action = filter.action { request = request.filter(Column("action") == action) }
            if let personId = filter.personId { request = request.filter(Column("person_id") == personId) }
            if let since = filter.since { request = request.filter(Column("time") >= since) }
            if let limit = filter.limit {
                return try request.order(Column("id").desc).limit(limit).fetchAll(db).reversed()
            }
            return try request.order(Column("id")).fetchAll(db)
        }
    }
}
