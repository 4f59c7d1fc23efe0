/// A decoded image: row-major, channel-interleaved, `Float` samples in `0...1`.
///
/// One channel is grey, three are RGB. Decoders in `SimDBImageIO` produce it; encoders receive it
/// already converted to their ``ImageInputSpec``.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Samples per pixel: 1 (grey) or 3 (RGB).
    public let channels: Int
    /// `width * height * channels` samples, row-major, channels interleaved.
    public var pixels: [Float]

    /// Creates an image from its samples.
    /// - Parameters:
    ///   - width: width in pixels, at least 1.
    ///   - height: height in pixels, at least 1.
    ///   - channels: 1 or 3.
    ///   - pixels: exactly `width * height * channels` samples in `0...1`.
    /// - Precondition: the sizes agree; this is a programming error, not bad input.
    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0, "image sizes must be positive")
        precondition(channels == 1 || channels == 3, "images have 1 or 3 channels")
        precondition(pixels.count == width * height * channels, "pixel count does not match the size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The sample at column `x`, row `y`, channel `c`.
    @inlinable
    public subscript(x: Int, y: Int, c: Int) -> Float {
        pixels[(y * width + x) * channels + c]
    }
}

/// How an image is fitted to an encoder's input size.
public enum ImageFit: String, Sendable, Equatable, Codable {
    /// Resize the whole image to the input size, changing its aspect ratio if needed.
    case stretch
    /// Crop the largest centred region with the input's aspect ratio, then resize it.
    case centerCrop
}

/// The input an ``Encoder`` expects: size, channels, and how to fit other sizes to it.
public struct ImageInputSpec: Sendable, Equatable, Codable {
    /// Input width in pixels.
    public let width: Int
    /// Input height in pixels.
    public let height: Int
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    /// How images of another size are brought to `width × height`.
    public let fit: ImageFit
    /// The fraction of the fitted region kept around its centre before resizing: 1 keeps it all,
    /// 0.8 keeps the middle 80 % of each side (a face model's "zoom in"); above 1 the region is
    /// widened by repeating the edge pixels.
    public let crop: Float
    /// Set for an encoder of faces: the pipeline finds the face, turns it so the eyes are level
    /// and cuts a square `1 + 2 × faceMargin` times the face box's width around the box's
    /// centre, where `fit` and `crop` would frame the whole picture. `nil`: the whole picture.
    public let faceMargin: Float?

    /// Creates an input description.
    public init(width: Int, height: Int, channels: Int, fit: ImageFit = .stretch, crop: Float = 1,
                faceMargin: Float? = nil) {
        self.width = width
        self.height = height
        self.channels = channels
        self.fit = fit
        self.crop = crop
        self.faceMargin = faceMargin
    }

    /// The same description with another face margin (`nil`: not a face encoder).
    public func withFaceMargin(_ margin: Float?) -> ImageInputSpec {
        ImageInputSpec(width: width, height: height, channels: channels, fit: fit, crop: crop, faceMargin: margin)
    }

    private enum CodingKeys: String, CodingKey { case width, height, channels, fit, crop, faceMargin = "face_margin" }

    /// Decodes a description; one written before `crop` existed keeps the whole region, one
    /// without `face_margin` frames whole pictures.
    public init(from decoder: any Swift.Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        width = try container.decode(Int.self, forKey: .width)
        height = try container.decode(Int.self, forKey: .height)
        channels = try container.decode(Int.self, forKey: .channels)
        fit = try container.decode(ImageFit.self, forKey: .fit)
        crop = try container.decodeIfPresent(Float.self, forKey: .crop) ?? 1
        faceMargin = try container.decodeIfPresent(Float.self, forKey: .faceMargin)
    }

    /// Encodes the description; `crop` is written only when it is not 1 and `faceMargin` only
    /// when set, so descriptions written before they existed encode exactly as they did.
    public func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(channels, forKey: .channels)
        try container.encode(fit, forKey: .fit)
        if crop != 1 { try container.encode(crop, forKey: .crop) }
        try container.encodeIfPresent(faceMargin, forKey: .faceMargin)
    }
}
