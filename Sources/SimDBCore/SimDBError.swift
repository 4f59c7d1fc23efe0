/// The one error type simdb throws.
///
/// Callers match on ``code``; ``message`` is a single line meant for people and, where a file is
/// involved, names it. Every layer (image decoding, storage, catalog, the facade) throws this
/// type, so the command line can map each code to a documented exit status.
public struct SimDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is. Codes are stable: scripts and services may rely on them.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// An argument or option value is invalid (an empty id, `--k 0`, a malformed `--meta`).
        case invalidArgument
        /// A file could not be read, or is not an image simdb can decode, or is truncated.
        case badImage
        /// An image declares more pixels than the decoder's limit allows.
        case imageTooLarge
        /// Enrolment: the face detector found no face in an image.
        case noFace
        /// Enrolment: the face detector found several faces and the caller did not ask for the largest.
        case severalFaces
        /// A person id, template or plugin identifier that does not exist.
        case notFound
        /// The store was written with another encoder, dimension or metric than the one asked for.
        case encoderMismatch
        /// The store was written by a format version this build cannot read.
        case incompatibleStore
        /// A file of the store is damaged: wrong magic, impossible sizes, inconsistent records.
        case corruptStore
        /// The storage engine (LMDB or SQLite) reported an error.
        case storage
        /// A bug: an invariant simdb relies on did not hold.
        case `internal`
    }

    /// What kind of failure this is.
    public let code: Code
    /// One line, naming the file or value involved and the reason.
    public let message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: what kind of failure this is.
    ///   - message: one line for people; newlines are replaced by spaces.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    public var description: String { message }
}
