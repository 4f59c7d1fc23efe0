import Crypto
import Foundation
import SimDBCore
import SimDBImageIO

/// An image to enrol or search with: a file, bytes in memory, or an image already decoded.
///
/// The store reads and hashes it (the audit log records the SHA-256 of the bytes, never the
/// image), decodes it with the store's size limits and fits it to the encoder's input.
public struct ImageSource: Sendable {
    enum Content: Sendable {
        case file(String)
        case bytes([UInt8])
        case decoded(Image)
    }

    /// The name used in results, the catalog and error messages: the path as given, or a label.
    public let name: String
    let content: Content

    /// An image file; the path is kept as given.
    public static func file(_ path: String) -> ImageSource {
        ImageSource(name: path, content: .file(path))
    }

    /// Encoded image bytes (PNG, JPEG, PGM/PPM), labelled `name` in results and errors.
    public static func bytes(_ bytes: [UInt8], name: String) -> ImageSource {
        ImageSource(name: name, content: .bytes(bytes))
    }

    /// An image already decoded; its hash is taken over its samples.
    public static func image(_ image: Image, name: String) -> ImageSource {
        ImageSource(name: name, content: .decoded(image))
    }
}

/// An image read, hashed and decoded, ready for an encoder.
struct LoadedImage {
    let name: String
    let sha256: String
    let image: Image
}

extension ImageSource {
    /// Reads, hashes and decodes the image.
    /// - Throws: ``SimDBError`` `.badImage` or `.imageTooLarge` naming the source.
    func load(with decoder: ImageDecoder) throws -> LoadedImage {
        switch content {
        case .file(let path):
            let bytes = try decoder.readFile(URL(fileURLWithPath: path), name: name)
            return LoadedImage(name: name, sha256: Self.sha256(bytes), image: try decoder.decode(bytes, name: name))
        case .bytes(let bytes):
            return LoadedImage(name: name, sha256: Self.sha256(bytes), image: try decoder.decode(bytes, name: name))
        case .decoded(let image):
            let hash = image.pixels.withUnsafeBytes { Self.sha256($0) }
            return LoadedImage(name: name, sha256: hash, image: image)
        }
    }

    /// Lowercase hex SHA-256 of `bytes`.
    static func sha256(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).lowercaseHex
    }
}
