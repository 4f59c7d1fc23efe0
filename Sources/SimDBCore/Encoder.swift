/// Maps images to embeddings: the extension point for models.
///
/// An encoder is identified by a stable `name/version` string (`pixels/1`, `siamese-cnn/2`); a
/// store records the identifier, the ``dimension`` and the metric it was created with and refuses
/// vectors from any other encoder. Images reach ``encode(_:)`` already converted to ``input``
/// (size and channels), so an encoder only computes.
///
/// Implementations must be deterministic: the same image gives the same embedding.
public protocol Encoder: Sendable {
    /// The stable identifier, `name/version`. Change the version whenever outputs change.
    var identifier: String { get }
    /// The number of components in each embedding.
    var dimension: Int { get }
    /// The image size and channels ``encode(_:)`` expects.
    var input: ImageInputSpec { get }
    /// The metric a new store uses with this encoder when none is given: `l2`, `cosine` or `ip`.
    var preferredMetric: String { get }

    /// The decision threshold calibrated for `metric`, or `nil` when the encoder has none.
    /// - Parameter metric: a metric identifier.
    func defaultThreshold(for metric: String) -> Float?

    /// The threshold that decided the most pairs correctly, genuine and impostor pairs weighing
    /// the same, on the encoder's own validation data: `simdb eval` reports accuracy at it when
    /// not given one. Looser than ``defaultThreshold(for:)`` when that one targets a low
    /// false-accept rate. `nil` (the default) when the encoder has none.
    /// - Parameter metric: a metric identifier.
    func balancedThreshold(for metric: String) -> Float?

    /// Encodes a batch of images.
    /// - Parameter images: images of exactly ``input``'s size and channels.
    /// - Returns: one embedding per image, in order.
    /// - Throws: ``SimDBError`` with `.invalidArgument` when an image does not match ``input``.
    func encode(_ images: [Image]) throws -> EmbeddingBatch
}

extension Encoder {
    /// No balanced threshold unless the encoder provides one.
    public func balancedThreshold(for metric: String) -> Float? { nil }
}

extension Encoder {
    /// The encoder's name, the identifier without its version (`pixels` for `pixels/1`).
    public var name: Substring {
        identifier.split(separator: "/", maxSplits: 1).first ?? Substring(identifier)
    }

    /// Checks that `image` matches ``input``; encoders call it before computing.
    /// - Throws: ``SimDBError`` with `.invalidArgument` naming both sizes.
    public func validateInput(_ image: Image) throws {
        guard image.width == input.width, image.height == input.height, image.channels == input.channels else {
            throw SimDBError(.invalidArgument,
                "encoder \(identifier) expects \(input.width)x\(input.height)x\(input.channels) input, "
                + "got \(image.width)x\(image.height)x\(image.channels)")
        }
    }
}
