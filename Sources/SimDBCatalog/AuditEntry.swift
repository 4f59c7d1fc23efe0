import Foundation
import GRDB

/// One operation in the audit log: a row of `audit_log`.
///
/// Every operation, reads included, appends one. The log holds hashes, ids and decisions, never
/// raw images or embeddings.
public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit_log"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// Whether the operation did what it was asked.
    public enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        /// It completed.
        case ok
        /// It was refused (bad input, unknown id, wrong encoder); the store is unchanged.
        case refused
        /// A write found incomplete after a crash and completed or undone by recovery.
        case recovered
    }

    /// The row id, in order of writing.
    public var id: Int64?
    /// When the operation started.
    public var time: Date
    /// `add`, `query`, `verify`, `remove`, `list`, `info`, `index`, `import`, `export`, `check`, `backup`,
    /// `audit`, `recover`.
    public var action: String
    /// Who ran it: the operating-system user.
    public var actor: String
    /// The person concerned, if any (the claimed id for `verify --id`, the id for `add`).
    public var personId: String?
    /// SHA-256 of the input image bytes (several inputs: of their hashes joined), if any.
    public var inputSha256: String?
    /// Whether it completed.
    public var status: Status
    /// The closest person found, for `query` and `verify`.
    public var topMatch: String?
    /// The metric's value to the closest person, for `query` and `verify`.
    public var distance: Double?
    /// `match` or `unknown` (`query`), `match` or `no-match` (`verify`).
    public var decision: String?
    /// The threshold the decision used.
    public var threshold: Double?
    /// Wall-clock duration in milliseconds.
    public var durationMs: Double
    /// A one-line detail: the error message of a refused operation, counts for others.
    public var detail: String?
    /// SHA-256 (hex) of the previous row's hash and this row's stored values: the audit chain
    /// (``AuditChain``). Set when the row is written.
    public var hash: String?

    /// Creates an entry; `id` is assigned when it is written.
    public init(time: Date, action: String, actor: String, personId: String? = nil, inputSha256: String? = nil,
                status: Status = .ok, topMatch: String? = nil, distance: Double? = nil, decision: String? = nil,
                threshold: Double? = nil, durationMs: Double = 0, detail: String? = nil) {
        self.time = time
        self.action = action
        self.actor = actor
        self.personId = personId
        self.inputSha256 = inputSha256
        self.status = status
        self.topMatch = topMatch
        self.distance = distance
        self.decision = decision
        self.threshold = threshold
        self.durationMs = durationMs
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// Which audit rows to read; every condition given must hold.
public struct AuditFilter: Sendable, Equatable {
    /// Only this action.
    public var action: String?
    /// Only rows concerning this person.
    public var personId: String?
    /// Only rows at or after this time.
    public var since: Date?
    /// At most this many rows (the newest); `nil` for all.
    public var limit: Int?

    /// Creates a filter; the default matches every row.
    public init(action: String? = nil, personId: String? = nil, since: Date? = nil, limit: Int? = nil) {
        self.action = action
        self.personId = personId
        self.since = since
        self.limit = limit
    }
}
