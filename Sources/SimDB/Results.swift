import Foundation

/// One person in a query's ranking: their closest template and its value.
public struct PersonMatch: Sendable, Codable, Equatable {
    /// 1 for the closest person.
    public var rank: Int
    /// The person's id.
    public var id: String
    /// The person's display name, if set.
    public var name: String?
    /// The metric's value to the person's closest template.
    public var distance: Float
    /// The id of that closest template.
    public var template: UInt64
    /// How many of the person's templates were compared.
    public var templates: Int

    /// Encodes every field; `name` is `null` when unset, never absent.
    public func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rank, forKey: .rank)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(distance, forKey: .distance)
        try container.encode(template, forKey: .template)
        try container.encode(templates, forKey: .templates)
    }
}

/// The open-set decision of a query: a match only when the closest person passes the threshold.
public struct Decision: Sendable, Codable, Equatable {
    /// Whether the closest person passes the threshold.
    public var match: Bool
    /// The matched person's id, or `nil` (`unknown`).
    public var id: String?
    /// The closest person's value, or `nil` when the store is empty.
    public var distance: Float?
    /// The threshold applied.
    public var threshold: Float

    /// Encodes every field; `id` and `distance` are `null` when absent, never missing.
    public func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(match, forKey: .match)
        try container.encode(id, forKey: .id)
        try container.encode(distance, forKey: .distance)
        try container.encode(threshold, forKey: .threshold)
    }
}

/// The answer to "who is this?".
public struct QueryResult: Sendable, Codable, Equatable {
    /// The closest people, best first, at most `k`; present even when the decision is `unknown`.
    public var results: [PersonMatch]
    /// The open-set decision.
    public var decision: Decision
    /// The store's metric identifier, which says how to read `distance`.
    public var metric: String
    /// The encoder identifier.
    public var encoder: String
    /// How the ranking was found: `exact` (every template compared) or `hnsw` (the graph index,
    /// approximate).
    public var search: SearchMethod
    /// The face the probe was cut around, in the image's pixels; `nil` when the encoder saw
    /// the whole picture.
    public var box: PixelBox?
    /// How many faces the store's detector found in the probe: 0 means none, and the whole
    /// picture was used; `nil` when no detector looked (`--no-detect`, or no detector recorded).
    public var facesFound: Int?

    enum CodingKeys: String, CodingKey {
        case results, decision, metric, encoder, search, box
        case facesFound = "faces_found"
    }
}

/// The answer to "is this Alice?" or "are these the same person?".
public struct VerifyResult: Sendable, Codable, Equatable {
    /// Whether the value passes the threshold.
    public var match: Bool
    /// The metric's value (to the claimed person's closest template, or between the two images).
    public var distance: Float
    /// The threshold applied.
    public var threshold: Float
    /// The claimed person's id, or `nil` when two images were compared.
    public var id: String?
    /// The store's metric identifier.
    public var metric: String
    /// How each image was framed, in the order given: the face used (the largest) and how many
    /// the detector found; empty when no detector looked.
    public var framing: [Framing] = []
}

/// What an add enrolled.
public struct AddResult: Sendable, Codable, Equatable {
    /// The person's id.
    public var id: String
    /// Whether the person was new.
    public var created: Bool
    /// The new template ids, in the order of the images given (less those skipped).
    public var templates: [UInt64]
    /// The images left out because no face was found in them
    /// (``Enrollment/skipImagesWithoutFace``); when every image was, nothing was written.
    public var skipped: [String] = []
}

/// What a remove deleted.
public struct RemoveResult: Sendable, Codable, Equatable {
    /// The person's id.
    public var id: String
    /// How many templates (and vectors) were deleted.
    public var templates: Int
}

/// What a store holds and was created with.
public struct StoreStatistics: Sendable, Codable, Equatable {
    /// The store directory.
    public var path: String
    /// Enrolled people.
    public var people: Int
    /// Committed templates.
    public var templates: Int
    /// Vectors in LMDB (equals `templates` in a consistent store).
    public var vectors: Int
    /// The encoder identifier.
    public var encoder: String
    /// The embedding dimension.
    public var dimension: Int
    /// The metric identifier.
    public var metric: String
    /// Whether smaller or larger values are closer for `metric`.
    public var metricDirection: String
    /// The threshold `query` and `verify` use when none is given, if the encoder has one.
    public var defaultThreshold: Float?
    /// The catalog format version.
    public var formatVersion: Int
    /// When the store was created.
    public var createdAt: Date
    /// The face detector that frames pictures for the encoder; `nil` when it sees whole pictures.
    public var detector: String? = nil

    enum CodingKeys: String, CodingKey {
        case path, people, templates, vectors, encoder, dimension, metric, detector
        case metricDirection = "metric_direction"
        case defaultThreshold = "default_threshold"
        case formatVersion = "format_version"
        case createdAt = "created_at"
    }
}
