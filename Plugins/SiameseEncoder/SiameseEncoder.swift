import Foundation
import SimDBCore
import SimDBModel
import SimDBNN

/// A trained Siamese CNN: one twin of the network, mapping a face to an L2-normalised embedding.
///
/// Loaded from a model file (``ModelFile``), which carries its identifier, input size, calibrated
/// thresholds and weights. Inference runs in batches through the network; calls are serialised
/// (the layers keep scratch buffers), so one encoder may be shared by many threads.
public final class SiameseEncoder: Encoder, @unchecked Sendable {
    /// The model file's header.
    public let header: ModelHeader
    private let network: Network
    private let lock = NSLock()

    /// Images per forward pass: bounds memory for large batches.
    public static let chunkSize = 64

    /// Loads a model file.
    /// - Throws: ``SimDBError`` as ``ModelFile/read(from:)``.
    public convenience init(contentsOf path: String) throws {
        let (network, header) = try ModelFile.read(from: path)
        try self.init(network: network, header: header)
    }

    /// Face margins of shipped models whose files predate the field: `siamese-face/2`, trained on
    /// centre crops, frames a detected face with 0.087 (docs/model-card.md). A store it filled
    /// with detected faces keeps working when its model file is passed with `--encoder`.
    public static let faceMarginsOfOlderModels: [String: Float] = ["siamese-face/2": 0.087]

    /// Loads a model file's bytes already in memory (a model linked into the binary).
    /// - Throws: ``SimDBError`` as ``ModelFile/read(bytes:name:)``.
    public convenience init(modelBytes: UnsafeRawBufferPointer, name: String) throws {
        let (network, header) = try ModelFile.read(bytes: modelBytes, name: name)
        try self.init(network: network, header: header)
    }

    /// Wraps a built network, for example one being trained.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the header's identifier is not `name/version`.
    public init(network: Network, header: ModelHeader) throws {
        let parts = header.encoder.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw SimDBError(.invalidArgument, "model encoder identifier '\(header.encoder)' is not name/version")
        }
        self.network = network
        self.header = header
        let recorded = network.architecture.input
        input = recorded.withFaceMargin(recorded.faceMargin ?? Self.faceMarginsOfOlderModels[header.encoder])
    }

    public var identifier: String { header.encoder }
    public var dimension: Int { network.embeddingDimension }
    public let input: ImageInputSpec
    public var preferredMetric: String { header.preferredMetric }

    public func defaultThreshold(for metric: String) -> Float? {
        header.thresholds[metric]
    }

    public func balancedThreshold(for metric: String) -> Float? {
        header.balancedThresholds?[metric]
    }

    public func encode(_ images: [Image]) throws -> EmbeddingBatch {
        for image in images { try validateInput(image) }
        let spec = input, plane = spec.width * spec.height
        var values: [Float] = []
        values.reserveCapacity(images.count * dimension)
        for start in stride(from: 0, to: images.count, by: Self.chunkSize) {
            let chunk = images[start ..< min(start + Self.chunkSize, images.count)]
            // Interleaved H×W×C pixels to the network's planar C×H×W.
            let batch = Tensor(shape: [chunk.count, spec.channels, spec.height, spec.width]) { out in
                for (n, image) in chunk.enumerated() {
                    let base = n * spec.channels * plane
                    image.pixels.withUnsafeBufferPointer { pixels in
                        for i in 0..<plane {
                            for c in 0..<spec.channels { out[base + c * plane + i] = pixels[i * spec.channels + c] }
                        }
                    }
                }
            }
            let embeddings = lock.withLock { network.embed(batch, mirrorAverage: header.mirrorAverage ?? false) }
            values += embeddings.scalars
        }
        return EmbeddingBatch(dimension: dimension, values: values)
    }
}
