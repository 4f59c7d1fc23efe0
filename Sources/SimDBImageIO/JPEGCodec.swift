import CTurboJPEG
import SimDBCore

/// JPEG decoding through TurboJPEG, which reports errors by return value (classic libjpeg's
/// `setjmp`/`longjmp` cannot be used safely from Swift).
enum JPEGCodec {
    /// Decodes a JPEG: grey JPEGs to 1 channel, YCbCr, RGB and CMYK ones to 3.
    ///
    /// Any warning from the decoder is an error: a truncated file ("Premature end of JPEG file")
    /// would otherwise decode to a half-grey image without complaint.
    /// - Parameters:
    ///   - data: the JPEG bytes, starting with an SOI marker.
    ///   - name: the image's name for error messages.
    ///   - limits: the decoder whose pixel limit applies.
    ///   - orientation: the Exif orientation (1 to 8) to show the pixels in; 1 keeps them as stored.
    /// - Returns: the decoded image.
    /// - Throws: ``SimDBError`` with `.badImage` for corrupt or truncated data, `.imageTooLarge`
    ///   when the header declares more pixels than the limit (checked before allocating).
    static func decode(_ data: [UInt8], name: String, limits: ImageDecoder, orientation: Int = 1) throws -> Image {
        guard let handle = tjInitDecompress() else {
            throw SimDBError(.internal, "\(name): cannot create a TurboJPEG decompressor")
        }
        defer { tjDestroy(handle) }
        return try data.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress else {
                throw SimDBError(.badImage, "\(name): empty file")
            }
            let size = UInt(input.count)
            var width: Int32 = 0
            var height: Int32 = 0
            var subsampling: Int32 = 0
            var colourSpace: Int32 = 0
            guard tjDecompressHeader3(handle, base, size, &width, &height, &subsampling, &colourSpace) == 0 else {
                throw failure(handle, name: name)
            }
            // A header read that finds no frame (a cut file, or a tables-only stream) reports 0 x 0.
            guard width > 0, height > 0 else {
                throw SimDBError(.badImage, "\(name): truncated JPEG data (no frame header)")
            }
            let source: (format: TJPF, channels: Int)
            switch colourSpace {
            case Int32(TJCS_GRAY.rawValue): source = (TJPF_GRAY, 1)
            case Int32(TJCS_CMYK.rawValue), Int32(TJCS_YCCK.rawValue): source = (TJPF_CMYK, 4)
            default: source = (TJPF_RGB, 3)
            }
            let sampleCount = try limits.checkedSampleCount(width: Int(width), height: Int(height),
                                                            channels: source.channels, name: name)
            let pitch = Int(width) * source.channels  // no overflow: pitch <= sampleCount
            guard pitch <= Int(Int32.max) else {
                throw SimDBError(.imageTooLarge, "\(name): JPEG rows of \(width) pixels are too wide to decode")
            }
            var buffer = [UInt8](repeating: 0, count: sampleCount)
            let status = buffer.withUnsafeMutableBufferPointer { out in
                tjDecompress2(handle, base, size, out.baseAddress, width, Int32(pitch), height,
                              Int32(source.format.rawValue), 0)
            }
            guard status == 0 else {
                throw failure(handle, name: name)
            }
            if source.channels == 4 {
                buffer = rgb(fromInvertedCMYK: buffer)
            }
            let channels = min(source.channels, 3)
            let shown = ExifOrientation.oriented(buffer, width: Int(width), height: Int(height), channels: channels,
                                                 orientation: orientation)
            return Image(width: shown.width, height: shown.height, channels: channels,
                         pixels: SampleTable.floats(fromBytes: shown.samples))
        }
    }

    /// Converts CMYK samples as Adobe applications write them (inverted: 255 is no ink) to RGB.
    private static func rgb(fromInvertedCMYK cmyk: [UInt8]) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for i in 0..<count {
            let k = UInt32(cmyk[i * 4 + 3])
            for c in 0..<3 {
                rgb[i * 3 + c] = UInt8((UInt32(cmyk[i * 4 + c]) * k + 127) / 255)
            }
        }
        return rgb
    }

    /// The error for a failed TurboJPEG call, telling truncation apart from other corruption.
    private static func failure(_ handle: tjhandle, name: String) -> SimDBError {
        let text = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
        // A warning before a fatal error also reports TJERR_WARNING, so only the text tells truncation.
        let what = text.contains("Premature end") ? "truncated JPEG data" : "corrupt JPEG data"
        return SimDBError(.badImage, "\(name): \(what) (turbojpeg: \(text))")
    }
}
