import Foundation
import SimDBCore
import SimDBImageIO

/// Turns images into embeddings: read, hash, decode, find the face, fit to the encoder's input, encode.
///
/// The one path every `add`, `query`, `verify`, `embed` and `eval` takes, so an embedding
/// exported with `simdb embed` is exactly the one a store would hold. It needs no store.
///
/// For an encoder of faces (its input has a ``ImageInputSpec/faceMargin``) and a ``detector``,
/// each picture is searched for faces and the encoder sees the chosen face, its eyes levelled and
/// cut with the encoder's margin; otherwise, and when no face is found, it sees the whole picture.
public struct EmbeddingPipeline: Sendable {
    /// The encoder.
    public let encoder: any Encoder
    /// Limits for decoding images.
    public let decoder: ImageDecoder
    /// Finds faces for an encoder of faces; `nil` frames whole pictures.
    public let detector: (any FaceDetector)?

    /// Creates a pipeline around an encoder.
    /// - Parameter detector: the face detector, used only when `encoder` takes faces.
    public init(encoder: any Encoder, decoder: ImageDecoder = ImageDecoder(), detector: (any FaceDetector)? = nil) {
        self.encoder = encoder
        self.decoder = decoder
        self.detector = encoder.input.faceMargin == nil ? nil : detector
    }

    /// Creates a pipeline around a registered encoder.
    /// - Parameters:
    ///   - encoderIdentifier: `name/version`, a bare name or a model file's path;
    ///     ``Store/defaultEncoder`` when `nil`.
    ///   - registry: where to find it; simdb's own plugins are added to it.
    ///   - decoder: limits for decoding images.
    ///   - detect: whether to find faces for an encoder of faces (with ``BuiltinPlugins/defaultDetector``).
    /// - Throws: ``SimDBError`` `.notFound` for an unknown encoder or a missing cascade file, or
    ///   what the encoder's factory throws.
    public init(encoderIdentifier: String? = nil, registry: PluginRegistry = .shared,
                decoder: ImageDecoder = ImageDecoder(), detect: Bool = true) throws {
        let encoder = try BuiltinPlugins.makeEncoder(encoderIdentifier ?? Store.defaultEncoder, registry: registry)
        let detector = detect && encoder.input.faceMargin != nil
            ? try registry.makeDetector(BuiltinPlugins.defaultDetector) : nil
        self.init(encoder: encoder, decoder: decoder, detector: detector)
    }

    /// The embeddings of image sources, each framed as a probe (``framedProbe(_:)``), in order.
    /// - Throws: ``SimDBError`` `.badImage` or `.imageTooLarge` naming the image.
    public func embed(_ sources: [ImageSource]) throws -> EmbeddingBatch {
        try embedFramed(sources).0
    }

    /// The embeddings of image sources, each framed as a probe (``framedProbe(_:)``), and how
    /// each was framed.
    /// - Throws: ``SimDBError`` `.badImage` or `.imageTooLarge` naming the image.
    public func embedFramed(_ sources: [ImageSource]) throws -> (EmbeddingBatch, [Framing]) {
        let loaded = try sources.map { try load($0) }
        let framed = try loaded.map { try framedProbe($0.image) }
        return (try embed(loaded, inputs: framed.map(\.input)), framed.map(\.framing))
    }

    /// The embeddings of decoded images, each framed as a probe (``framedProbe(_:)``).
    /// - Throws: what the detector or the encoder throws, for example `.badImage` for a blank image.
    public func embed(_ images: [Image]) throws -> EmbeddingBatch {
        try embed(inputs: images.map { try framedProbe($0).input })
    }

    /// The faces in `image`, largest first; `nil` when this pipeline does not look for faces.
    /// - Throws: what the detector throws.
    public func faces(in image: Image) throws -> [DetectedFace]? {
        try detector?.facesLargestFirst(in: image)
    }

    /// The encoder's input cut from `image` around `face`, or fitted from the whole picture
    /// when `face` is `nil`.
    public func input(from image: Image, face: DetectedFace?) -> Image {
        guard let face else { return image.prepared(for: encoder.input) }
        return image.preparedFace(face, for: encoder.input)
    }

    /// A probe's framing: its largest face, or the whole picture when none is found (or this
    /// pipeline does not look for faces).
    /// - Throws: what the detector throws.
    public func framedProbe(_ image: Image) throws -> (input: Image, framing: Framing) {
        let faces = try self.faces(in: image)
        let face = faces?.first
        return (input(from: image, face: face), Framing(box: face?.box, facesFound: faces?.count))
    }

    /// One framing per face in `image`, largest first; one of the whole picture when none is
    /// found (or this pipeline does not look for faces).
    /// - Throws: what the detector throws.
    public func framedFaces(_ image: Image) throws -> [(input: Image, framing: Framing)] {
        guard let faces = try self.faces(in: image), !faces.isEmpty else { return [try framedProbe(image)] }
        return faces.map { (input(from: image, face: $0), Framing(box: $0.box, facesFound: faces.count)) }
    }

    /// An enrolment picture's framing: its one face (the largest of several when
    /// `largestFace`), or the whole picture when this pipeline does not look for faces.
    /// - Throws: ``SimDBError`` `.noFace` or `.severalFaces` naming the image, or what the detector throws.
    func framedForEnrolment(_ loaded: LoadedImage, largestFace: Bool) throws -> Image {
        guard let faces = try faces(in: loaded.image) else { return input(from: loaded.image, face: nil) }
        guard let face = faces.first else {
            throw SimDBError(.noFace, "\(loaded.name): no face found (pass --no-detect to enrol the whole picture)")
        }
        guard faces.count == 1 || largestFace else {
            throw SimDBError(.severalFaces, "\(loaded.name): \(faces.count) faces found (pass --largest-face to enrol the largest)")
        }
        return input(from: loaded.image, face: face)
    }

    /// The embeddings of images already fitted to the encoder's input.
    /// - Throws: what the encoder throws, for example `.badImage` for a blank image.
    public func embed(inputs: [Image]) throws -> EmbeddingBatch {
        let batch = try encoder.encode(inputs)
        guard batch.count == inputs.count, batch.dimension == encoder.dimension else {
            throw SimDBError(.internal,
                "encoder \(encoder.identifier) returned \(batch.count)×\(batch.dimension) for \(inputs.count) images")
        }
        return batch
    }

    /// Reads, hashes and decodes one source.
    func load(_ source: ImageSource) throws -> LoadedImage {
        try source.load(with: decoder)
    }

    /// The embeddings of `inputs`, cut from `loaded`; an image the encoder refuses is named in the error.
    func embed(_ loaded: [LoadedImage], inputs: [Image]) throws -> EmbeddingBatch {
        do {
            return try embed(inputs: inputs)
        } catch let error as SimDBError where error.code == .badImage && loaded.count > 1 {
            // Find the culprit on the error path only; the batch stays one call when all is well.
            for (image, input) in zip(loaded, inputs) {
                do { _ = try embed(inputs: [input]) } catch let single as SimDBError {
                    throw SimDBError(single.code, "\(image.name): \(single.message)")
                }
            }
            throw error
        } catch let error as SimDBError where error.code == .badImage {
            throw SimDBError(error.code, "\(loaded.first?.name ?? "image"): \(error.message)")
        }
    }
}

/// How a picture was framed for the encoder, as `query`, `verify` and `embed` report it.
public struct Framing: Sendable, Codable, Equatable {
    /// The face the encoder's input was cut around; `nil` when it saw the whole picture.
    public var box: PixelBox?
    /// How many faces the detector found; `nil` when no detector looked (`--no-detect`, or an
    /// encoder of whole pictures).
    public var facesFound: Int?

    public init(box: PixelBox?, facesFound: Int?) {
        self.box = box
        self.facesFound = facesFound
    }

    /// Whether the whole picture was used because the detector found no face.
    public var fellBackToWholePicture: Bool { facesFound == 0 }

    enum CodingKeys: String, CodingKey {
        case box
        case facesFound = "faces_found"
    }
}
