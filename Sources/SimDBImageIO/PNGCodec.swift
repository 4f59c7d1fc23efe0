import CPNG
import SimDBCore

/// PNG decoding and encoding through libpng's simplified `png_image` API, entirely in memory.
enum PNGCodec {
    /// Decodes a PNG: grey sources (any bit depth, grey palettes) to 1 channel, colour to 3.
    ///
    /// Alpha is composited onto white. 16-bit samples without colour-space chunks are taken as
    /// sRGB-encoded, so they scale linearly to `0...1` like 8-bit ones.
    /// - Parameters:
    ///   - data: the PNG bytes, starting with the PNG signature.
    ///   - name: the image's name for error messages.
    ///   - limits: the decoder whose pixel limit applies.
    /// - Returns: the decoded image.
    /// - Throws: ``SimDBError`` with `.badImage` for corrupt or truncated data, `.imageTooLarge`
    ///   when the header declares more pixels than the limit (checked before allocating).
    static func decode(_ data: [UInt8], name: String, limits: ImageDecoder) throws -> Image {
        try data.withUnsafeBytes { raw in
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            defer { png_image_free(&image) }

            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                throw failure(&image, name: name)
            }
            let width = Int(image.width)
            let height = Int(image.height)
            let isColour = image.format & PNG_FORMAT_FLAG_COLOR != 0
            let isPalette = image.format & PNG_FORMAT_FLAG_COLORMAP != 0
            let greyPalette = isColour && isPalette && paletteIsGrey(raw)
            let decodedChannels = isColour ? 3 : 1
            let sampleCount = try limits.checkedSampleCount(width: width, height: height,
                                                            channels: decodedChannels, name: name)
            // No overflow: rowStride <= sampleCount. A raised pixel limit must still fit libpng's Int32.
            let rowStride = width * decodedChannels
            guard rowStride <= Int(Int32.max) else {
                throw SimDBError(.imageTooLarge, "\(name): PNG rows of \(width) pixels are too wide to decode")
            }
            image.format = isColour ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
            image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)

            var buffer = [UInt8](repeating: 255, count: sampleCount)
            var background = png_color(red: 255, green: 255, blue: 255)
            let finished = buffer.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, &background, out.baseAddress, Int32(rowStride), nil)
            }
            guard finished != 0 else {
                throw failure(&image, name: name)
            }
            if greyPalette {
                let grey = stride(from: 0, to: sampleCount, by: 3).map { SampleTable.unit8[Int(buffer[$0])] }
                return Image(width: width, height: height, channels: 1, pixels: grey)
            }
            return Image(width: width, height: height, channels: decodedChannels,
                         pixels: SampleTable.floats(fromBytes: buffer))
        }
    }

    /// Encodes an 8-bit grey or RGB PNG.
    /// - Parameters:
    ///   - image: the image; samples are clamped to `0...1` and rounded to 8 bits.
    /// - Returns: the PNG bytes.
    /// - Throws: ``SimDBError`` with `.internal` if libpng refuses to write.
    static func encode(_ image: Image) throws -> [UInt8] {
        guard image.width <= Int(Int32.max) / 3, image.height <= Int(Int32.max) else {
            throw SimDBError(.internal, "cannot encode a \(image.width)x\(image.height) image as PNG")
        }
        let samples = SampleTable.bytes(fromUnitFloats: image.pixels)
        var header = png_image()
        header.version = UInt32(PNG_IMAGE_VERSION)
        header.width = UInt32(image.width)
        header.height = UInt32(image.height)
        header.format = image.channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let stride = Int32(image.width * image.channels)
        return try samples.withUnsafeBytes { input in
            defer { png_image_free(&header) }
            var size: png_alloc_size_t = 0
            guard png_image_write_to_memory(&header, nil, &size, 0, input.baseAddress, stride, nil) != 0,
                  size > 0 else {
                throw SimDBError(.internal, "PNG encoding failed (libpng: \(message(of: &header)))")
            }
            var output = [UInt8](repeating: 0, count: Int(size))
            let written = output.withUnsafeMutableBytes { out in
                png_image_write_to_memory(&header, out.baseAddress, &size, 0, input.baseAddress, stride, nil)
            }
            guard written != 0, Int(size) <= output.count else {
                throw SimDBError(.internal, "PNG encoding failed (libpng: \(message(of: &header)))")
            }
            output.removeSubrange(Int(size)...)
            return output
        }
    }

    /// The error for a failed libpng call, telling truncation apart from other corruption.
    private static func failure(_ image: inout png_image, name: String) -> SimDBError {
        let text = message(of: &image)
        let what = text.contains("beyond end") || text.contains("Not enough") || text.contains("too short")
            ? "truncated PNG data" : "corrupt PNG data"
        return SimDBError(.badImage, "\(name): \(what) (libpng: \(text.isEmpty ? "unknown error" : text))")
    }

    /// The NUL-terminated text in `png_image.message`, a C `char[64]` that Swift sees as a tuple.
    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Whether the PNG's `PLTE` chunk holds only grey entries (red = green = blue).
    ///
    /// Walks the chunk list with bounds checks; any malformation answers `false` and leaves the
    /// error to libpng.
    private static func paletteIsGrey(_ data: UnsafeRawBufferPointer) -> Bool {
        var offset = 8
        while data.count - offset >= 12 {
            let length = Int(data[offset]) << 24 | Int(data[offset + 1]) << 16
                | Int(data[offset + 2]) << 8 | Int(data[offset + 3])
            let type = (data[offset + 4], data[offset + 5], data[offset + 6], data[offset + 7])
            let start = offset + 8
            guard length <= data.count - start else { return false }
            if type == (0x50, 0x4C, 0x54, 0x45) {  // "PLTE"
                guard length > 0, length % 3 == 0 else { return false }
                return stride(from: start, to: start + length, by: 3).allSatisfy {
                    data[$0] == data[$0 + 1] && data[$0] == data[$0 + 2]
                }
            }
            if type == (0x49, 0x44, 0x41, 0x54) { return false }  // "IDAT": no palette before data
            offset = start + length + 4
        }
        return false
    }
}

/// Conversions between 8-bit samples and `Float` samples in `0...1`.
enum SampleTable {
    /// `unit8[v] == Float(v) / 255`.
    static let unit8: [Float] = (0...255).map { Float($0) / 255 }

    /// Converts 8-bit samples to `0...1`.
    static func floats(fromBytes bytes: [UInt8]) -> [Float] {
        unit8.withUnsafeBufferPointer { table in
            bytes.map { table[Int($0)] }
        }
    }

    /// Converts samples to 8 bits: clamped to `0...1` (NaN becomes 0), scaled by 255, rounded.
    static func bytes(fromUnitFloats samples: [Float]) -> [UInt8] {
        samples.map { value in
            guard value > 0 else { return 0 }
            guard value < 1 else { return 255 }
            return UInt8((value * 255).rounded())
        }
    }
}
