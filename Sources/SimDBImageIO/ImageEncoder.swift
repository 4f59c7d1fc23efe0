import SimDBCore

/// Writes ``Image`` values as PNG or binary PGM/PPM, for generated images, previews and plots.
///
/// Samples are clamped to `0...1` (NaN becomes 0) and rounded to 8 bits; grey images give grey
/// files and RGB images colour files. Decoding the output with ``ImageDecoder`` gives the image
/// back to within 1/255 per sample.
public enum ImageEncoder {
    /// Encodes an image as an 8-bit grey or RGB PNG, with libpng's simplified write API.
    /// - Parameters:
    ///   - image: the image to encode.
    /// - Returns: the PNG file's bytes.
    /// - Throws: ``SimDBError`` with `.internal` if libpng fails to write (it does not for valid
    ///   images; only sizes beyond libpng's limits are refused).
    public static func png(_ image: Image) throws -> [UInt8] {
        try PNGCodec.encode(image)
    }

    /// Encodes an image as binary PGM (`P5`, 1 channel) or PPM (`P6`, 3 channels), `maxval` 255.
    /// - Parameters:
    ///   - image: the image to encode.
    /// - Returns: the file's bytes.
    public static func pgm(_ image: Image) -> [UInt8] {
        PNMCodec.encode(image)
    }
}
