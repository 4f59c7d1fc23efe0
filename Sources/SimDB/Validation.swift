import SimDBCore

/// Checks on caller-supplied ids, names and metadata, so the catalog only ever holds clean text.
enum Validation {
    static let maximumIdLength = 256
    static let maximumNameLength = 1024
    static let maximumMetadataEntries = 64
    static let maximumMetadataValueLength = 4096

    static func enrollment(_ enrollment: Enrollment) throws {
        try personId(enrollment.personId)
        if let name = enrollment.name { try displayName(name) }
        try metadata(enrollment.metadata)
        guard !enrollment.images.isEmpty else {
            throw SimDBError(.invalidArgument, "no image given for '\(enrollment.personId)'")
        }
    }

    static func personId(_ id: String) throws {
        guard !id.isEmpty else { throw SimDBError(.invalidArgument, "person id is empty") }
        guard id.count <= maximumIdLength else {
            throw SimDBError(.invalidArgument, "person id is longer than \(maximumIdLength) characters")
        }
        try plainText(id, what: "person id")
        guard id.first?.isWhitespace == false, id.last?.isWhitespace == false else {
            throw SimDBError(.invalidArgument, "person id '\(id)' starts or ends with white space")
        }
    }

    static func displayName(_ name: String) throws {
        guard !name.isEmpty else { throw SimDBError(.invalidArgument, "name is empty") }
        guard name.count <= maximumNameLength else {
            throw SimDBError(.invalidArgument, "name is longer than \(maximumNameLength) characters")
        }
        try plainText(name, what: "name")
    }

    static func metadata(_ metadata: [String: String]) throws {
        guard metadata.count <= maximumMetadataEntries else {
            throw SimDBError(.invalidArgument, "more than \(maximumMetadataEntries) metadata entries")
        }
        for (key, value) in metadata {
            guard !key.isEmpty, key.count <= maximumIdLength else {
                throw SimDBError(.invalidArgument, "metadata key must be 1 to \(maximumIdLength) characters")
            }
            guard value.count <= maximumMetadataValueLength else {
                throw SimDBError(.invalidArgument, "metadata value of '\(key)' is longer than \(maximumMetadataValueLength) characters")
            }
            try plainText(key, what: "metadata key")
            try plainText(value, what: "metadata value of '\(key)'")
        }
    }

    private static func plainText(_ text: String, what: String) throws {
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw SimDBError(.invalidArgument, "\(what) contains control characters")
        }
    }
}
