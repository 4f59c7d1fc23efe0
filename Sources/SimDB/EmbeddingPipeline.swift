import Foundation
import SimDBCore
import SimDBImageIO

/// Turns images into embeddings: read, hash, decode, fit to the encoder's input, encode.
///
/// The one path every `add`, `query`, `verify`, `embed` and `eval` takes, so an embedding
/// exported with `simdb embed` is exactly the one a store would hold. It needs no store.
public struct EmbeddingPipeline: Sendable {
    /// The encoder.
    public let encoder: any Encoder
    /// Limits for decoding images.
    public let decoder: ImageDecoder

    /// Creates a pipeline around an encoder.
    public init(encoder: any Encoder, decoder: ImageDecoder = ImageDecoder()) {
        self.encoder = encoder
        self.decoder = decoder
    }

    /// Creates a pipeline around a registered encoder.
    /// - Parameters:
    ///   - encoderIdentifier: `name/version`, a bare name or a model file's path;
    ///     ``Store/defaultEncoder`` when `nil`.
    ///   - registry: where to find it; simdb's own plugins are added to it.
    ///   - decoder: limits for decoding images.
    /// - Throws: ``SimDBError`` `.notFound` for an unknown encoder, or what its factory throws.
    public init(encoderIdentifier: String? = nil, registry: PluginRegistry = .shared,
                decoder: ImageDecoder = ImageDecoder()) throws {
        self.init(encoder: try BuiltinPlugins.makeEncoder(encoderIdentifier ?? Store.defaultEncoder, registry: registry),
                  decoder: decoder)
    }

    /// The embeddings of image sources, in order.
    /// - Throws: ``SimDBError`` `.badImage` or `.imageTooLarge` naming the image.
    public func embed(_ sources: [ImageSource]) throws -> EmbeddingBatch {
        try embed(sources.map { try load($0) })
    }

    /// The embeddings of decoded images, fitted to the encoder's input first.
    /// - Throws: what the encoder throws, for example `.badImage` for a blank image.
    public func embed(_ images: [Image]) throws -> EmbeddingBatch {
        let batch = try encoder.encode(images.map { $0.prepared(for: encoder.input) })
        guard batch.count == images.count, batch.dimension == encoder.dimension else {
            throw SimDBError(.internal,
                "encoder \(encoder.identifier) returned \(batch.count)×\(batch.dimension) for \(images.count) images")
        }
        return batch
    }

    /// Reads, hashes and decodes one source.
    func load(_ source: ImageSource) throws -> LoadedImage {
        try source.load(with: decoder)
    }

    /// The embeddings of loaded images; an image the encoder refuses is named in the error.
    func embed(_ loaded: [LoadedImage]) throws -> EmbeddingBatch {
        do {
            return try embed(loaded.map(\.image))
        } catch let error as SimDBError where error.code == .badImage && loaded.count > 1 {
            // Find the culprit on the error path only; the batch stays one call when all is well.
            for image in loaded {
                do { _ = try embed([image.image]) } catch let single as SimDBError {
                    throw SimDBError(single.code, "\(image.name): \(single.message)")
                }
            }
            throw error
        } catch let error as SimDBError where error.code == .badImage {
            throw SimDBError(error.code, "\(loaded.first?.name ?? "image"): \(error.message)")
        }
    }
}
