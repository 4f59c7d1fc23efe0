import Foundation
import GRDB

/// What a store was created with: the one row of `store_info`.
public struct StoreInfo: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "store_info"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// The catalog format version this build writes and reads.
    public static let currentFormatVersion = 3

    /// Always 1: the table holds one row.
    public var id: Int = 1
    /// The catalog format version that wrote the store.
    public var formatVersion: Int
    /// The encoder identifier, `name/version`.
    public var encoder: String
    /// The embedding dimension.
    public var dimension: Int
    /// The metric identifier (`l2`, `cosine`, `ip`).
    public var metric: String
    /// When the store was created.
    public var createdAt: Date
    /// The face detector that frames pictures before the encoder (`haar-frontalface/5`; stores made before it `/4`, `/3`, `/2` or `/1`), or
    /// `nil` when the encoder sees whole pictures (an encoder of other things, or a store made
    /// before format 3).
    public var detector: String?

    /// Creates the description of a new store.
    public init(formatVersion: Int = StoreInfo.currentFormatVersion, encoder: String, dimension: Int, metric: String,
                detector: String? = nil, createdAt: Date = Date()) {
        self.formatVersion = formatVersion
        self.encoder = encoder
        self.dimension = dimension
        self.metric = metric
        self.detector = detector
        self.createdAt = createdAt
    }
}

/// An enrolled person: a row of `people`.
public struct PersonRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "people"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// The caller's id for the person (`alice`); unique.
    public var id: String
    /// A name for display, if given.
    public var displayName: String?
    /// Free-form `key → value` metadata, stored as a JSON object.
    public var metadata: [String: String]
    /// When the person was first enrolled.
    public var createdAt: Date
    /// When the person's record or templates last changed.
    public var updatedAt: Date

    /// Creates a person record.
    public init(id: String, displayName: String?, metadata: [String: String], createdAt: Date, updatedAt: Date) {
        self.id = id
        self.displayName = displayName
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Where a template stands in the write protocol (docs/architecture.md, "Writes").
public enum TemplateState: String, Codable, Sendable, DatabaseValueConvertible {
    /// Written by an add whose vectors may not be in LMDB yet; invisible to readers.
    case pending
    /// Complete: catalog row and vector both present.
    case committed
    /// Being removed; invisible to readers.
    case deleting
}

/// One enrolled image's record (its vector lives in LMDB under the same id): a row of `templates`.
public struct TemplateRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "templates"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// The template id, also the vector's LMDB key; never reused.
    public var id: Int64?
    /// The person it belongs to.
    public var personId: String
    /// The image's file name as given when enrolled.
    public var sourceFile: String
    /// SHA-256 of the image file's bytes, lowercase hex.
    public var imageSha256: String
    /// When it was enrolled.
    public var createdAt: Date
    /// Where it stands in the write protocol.
    public var state: TemplateState
    /// The intent that is adding or removing it, while it is not committed.
    public var intentId: Int64?

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// An image to enrol, as the catalog sees it.
public struct TemplateDraft: Sendable, Equatable {
    /// The image's file name as given.
    public var sourceFile: String
    /// SHA-256 of the image bytes, lowercase hex.
    public var imageSha256: String

    /// Creates a draft.
    public init(sourceFile: String, imageSha256: String) {
        self.sourceFile = sourceFile
        self.imageSha256 = imageSha256
    }
}

/// A write in progress across SQLite and LMDB: a row of `intents`.
public struct IntentRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "intents"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// What the intent does.
    public enum Kind: String, Codable, Sendable, DatabaseValueConvertible {
        case add
        case remove
    }

    /// The intent id.
    public var id: Int64?
    /// Add or remove.
    public var kind: Kind
    /// The person concerned.
    public var personId: String
    /// For an add to an existing person: the display name to set when the add completes.
    public var displayName: String?
    /// For an add to an existing person: metadata to merge when the add completes.
    public var metadata: [String: String]?
    /// When the intent was written.
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// One person's part of a bulk add: who, what to set, and one draft per template.
package struct AddDraft: Sendable {
    package var personId: String
    package var displayName: String?
    package var metadata: [String: String]
    package var templates: [TemplateDraft]

    package init(personId: String, displayName: String? = nil, metadata: [String: String] = [:], templates: [TemplateDraft]) {
        self.personId = personId
        self.displayName = displayName
        self.metadata = metadata
        self.templates = templates
    }
}
