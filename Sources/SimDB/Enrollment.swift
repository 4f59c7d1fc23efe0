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
    /// What to do when the store's detector finds several faces in an image: refuse the
    /// enrolment (`false`), or enrol the largest.
    public var largestFace = false
    /// What to do when the store's detector finds no face in an image: refuse the enrolment
    /// (`false`), or leave the image out and list it in ``AddResult/skipped`` (a person left
    /// with no image is not written).
    public var skipImagesWithoutFace = false

    /// Creates an enrolment.
    public init(personId: String, images: [ImageSource], name: String? = nil, metadata: [String: String] = [:],
                largestFace: Bool = false, skipImagesWithoutFace: Bool = false) {
        self.personId = personId
        self.images = images
        self.name = name
        self.metadata = metadata
        self.largestFace = largestFace
        self.skipImagesWithoutFace = skipImagesWithoutFace
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
