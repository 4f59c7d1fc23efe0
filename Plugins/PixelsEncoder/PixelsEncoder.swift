import SimDBCore

/// The `pixels` baseline encoder: the image itself, grey, small, zero-mean and unit-norm.
///
/// It is a baseline, not a face model: it has no notion of identity and compares pictures by
/// their pixels, so it does well only when people are photographed the same way (the ORL set) and
/// fails under lighting or pose changes. It is deterministic and needs no weights, which makes it
/// useful for tests, demos and as the floor a trained encoder must beat.
///
/// The embedding of an image is its `side × side` grey samples, minus their mean, divided by their
/// Euclidean norm; a blank image (no contrast) is refused. For unit vectors squared L2 is
/// `2 − 2·cos`, so `l2` and `cosine` rank identically.
public struct PixelsEncoder: Encoder {
    /// The identifier of the current version.
    public static let identifier = "pixels/1"

    /// The input side in pixels.
    public let side: Int

    /// Creates the encoder.
    /// - Parameter side: the input's width and height; 32 by default, the identifier's size.
    public init(side: Int = 32) {
        precondition(side > 0, "side must be positive")
        self.side = side
    }

    public var identifier: String { side == 32 ? Self.identifier : "pixels-\(side)/1" }
    public var dimension: Int { side * side }
    public var input: ImageInputSpec { ImageInputSpec(width: side, height: side, channels: 1, fit: .stretch) }
    public var preferredMetric: String { "l2" }

    /// Thresholds calibrated on ORL's training identities `s1`..`s30` (all genuine and impostor
    /// pairs of their ten images), never on the held-out `s31`..`s40`: the squared-L2 value at
    /// which 0.1 % of impostor pairs are accepted. See docs/plugins.md.
    public func defaultThreshold(for metric: String) -> Float? {
        switch metric {
        case "l2": return Self.calibratedL2Threshold
        case "cosine": return Self.calibratedL2Threshold / 2
        case "ip": return 1 - Self.calibratedL2Threshold / 2
        default: return nil
        }
    }

    /// The squared-L2 threshold; cosine and inner-product thresholds follow from it for unit vectors.
    static let calibratedL2Threshold: Float = 0.40

    /// The smallest standard deviation of an image's samples that still counts as a picture.
    ///
    /// Below it (half a grey level of 8-bit input) the image is blank: normalising it would blow
    /// rounding noise up to a unit vector, and any two blank images would "match".
    static let minimumContrast = 1.0 / 512

    /// - Throws: ``SimDBError`` `.invalidArgument` for an image of the wrong size, `.badImage` for
    ///   a blank image (no contrast), which has no identity to compare.
    public func encode(_ images: [Image]) throws -> EmbeddingBatch {
        var values = [Float](repeating: 0, count: images.count * dimension)
        for (row, image) in images.enumerated() {
            try validateInput(image)
            var sum = 0.0
            for sample in image.pixels { sum += Double(sample) }
            let mean = sum / Double(dimension)
            var squares = 0.0
            for sample in image.pixels {
                let centred = Double(sample) - mean
                squares += centred * centred
            }
            guard (squares / Double(dimension)).squareRoot() >= Self.minimumContrast else {
                throw SimDBError(.badImage, "image is blank (no contrast)")
            }
            let scale = 1 / squares.squareRoot()
            let base = row * dimension
            for (i, sample) in image.pixels.enumerated() {
                values[base + i] = Float((Double(sample) - mean) * scale)
            }
        }
        return EmbeddingBatch(dimension: dimension, values: values)
    }
}
