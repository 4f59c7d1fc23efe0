/// One person to enrol: their id, images, and optional name and metadata.
public struct Enrollment: Sendable {
    /// The person's id: 1 to 256 characters, no control characters, no surrounding spaces.
    public var personId: String
    /// The person's images, at least one.
    public var images: [ImageSource]
    /// A display name to set.
    public var name: String?
    /// Entries to merge into the person's metadata.
    public var metadata: [String: String]

    /// Creates an enrolment.
    public init(personId: String, images: [ImageSource], name: String? = nil, metadata: [String: String] = [:]) {
        self.personId = personId
        self.images = images
        self.name = name
        self.metadata = metadata
    }
}

/// How far a bulk add has come, for progress bars.
public struct AddProgress: Sendable, Equatable {
    /// What is being done.
    public enum Stage: String, Sendable {
        /// Reading, decoding and encoding images (`done` and `total` count images).
        case encoding
        /// Writing people to the store (`done` and `total` count people).
        case writing
    }

    /// What is being done.
    public var stage: Stage
    /// Items done in this stage.
    public var done: Int
    /// Items in this stage.
    public var total: Int
}
