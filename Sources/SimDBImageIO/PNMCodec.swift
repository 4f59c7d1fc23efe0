import SimDBCore

/// Netpbm decoding and encoding in Swift: PBM (`P1`, `P4`), PGM (`P2`, `P5`) and PPM (`P3`, `P6`).
///
/// The parser is strict: header numbers must be well formed, `maxval` must be in `1...65535`,
/// samples must not exceed `maxval`, and the raster must be complete. Declared sizes are checked
/// against the pixel limit, and against the bytes actually present, before anything is allocated.
enum PNMCodec {
    /// Decodes a Netpbm image: PBM and PGM to 1 channel, PPM to 3.
    /// - Parameters:
    ///   - data: the bytes, starting with `P1` … `P6`.
    ///   - name: the image's name for error messages.
    ///   - limits: the decoder whose pixel limit applies.
    /// - Returns: the decoded image; PBM's 1 (black) becomes 0 and 0 (white) becomes 1.
    /// - Throws: ``SimDBError`` with `.badImage` for malformed headers, out-of-range samples and
    ///   truncated rasters, `.imageTooLarge` when the header declares more pixels than the limit.
    static func decode(_ data: [UInt8], name: String, limits: ImageDecoder) throws -> Image {
        var reader = Reader(data: data, name: name)
        return try reader.decode(limits: limits)
    }

    /// Encodes a binary PGM (`P5`, 1 channel) or PPM (`P6`, 3 channels) with `maxval` 255.
    /// - Parameters:
    ///   - image: the image; samples are clamped to `0...1` and rounded to 8 bits.
    /// - Returns: the file's bytes.
    static func encode(_ image: Image) -> [UInt8] {
        let magic = image.channels == 3 ? "P6" : "P5"
        var bytes = Array("\(magic)\n\(image.width) \(image.height)\n255\n".utf8)
        bytes.append(contentsOf: SampleTable.bytes(fromUnitFloats: image.pixels))
        return bytes
    }

    /// A cursor over the file with the parsing steps.
    private struct Reader {
        let data: [UInt8]
        let name: String
        var offset = 2
        var kind = "PNM"

        init(data: [UInt8], name: String) {
            self.data = data
            self.name = name
        }

        mutating func decode(limits: ImageDecoder) throws -> Image {
            let variant = data[1] - UInt8(ascii: "0")  // 1...6, checked by the caller
            let isBitmap = variant == 1 || variant == 4
            let isBinary = variant >= 4
            let channels = variant == 3 || variant == 6 ? 3 : 1
            kind = isBitmap ? "PBM" : (channels == 3 ? "PPM" : "PGM")

            guard data.count > 2 else { throw truncated("header ends after the magic number") }
            guard Self.isWhitespace(data[2]) || data[2] == UInt8(ascii: "#") else {
                throw bad("malformed header: junk after the magic number")
            }
            let width = try headerNumber("width")
            let height = try headerNumber("height")
            let sampleCount = try limits.checkedSampleCount(width: width, height: height,
                                                            channels: channels, name: name)
            let maxval = try isBitmap ? 1 : headerNumber("maxval")
            guard (1...65_535).contains(maxval) else {
                throw bad("maxval \(maxval) is outside 1...65535")
            }
            if isBinary {
                // Exactly one whitespace byte separates the header from the raster.
                guard offset < data.count, Self.isWhitespace(data[offset]) else {
                    throw offset < data.count ? bad("malformed header") : truncated("no pixel data")
                }
                offset += 1
            }
            let samples: [Float]
            switch (isBitmap, isBinary) {
            case (true, true): samples = try packedBits(width: width, height: height)
            case (true, false): samples = try asciiBits(count: sampleCount)
            case (false, true): samples = try binarySamples(count: sampleCount, maxval: maxval)
            case (false, false): samples = try asciiSamples(count: sampleCount, maxval: maxval)
            }
            return Image(width: width, height: height, channels: channels, pixels: samples)
        }

        /// Skips whitespace and `#` comments (which run to the end of the line).
        mutating func skipSeparators() {
            while offset < data.count {
                if Self.isWhitespace(data[offset]) {
                    offset += 1
                } else if data[offset] == UInt8(ascii: "#") {
                    while offset < data.count, data[offset] != 0x0A, data[offset] != 0x0D {
                        offset += 1
                    }
                } else {
                    return
                }
            }
        }

        /// Reads a decimal number after separators; huge values saturate at `Int.max`.
        mutating func number() -> Int? {
            skipSeparators()
            var value = 0
            var digits = 0
            while offset < data.count, let digit = Self.digit(data[offset]) {
                let (scaled, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = scaled.addingReportingOverflow(digit)
                value = o1 || o2 ? Int.max : sum
                digits += 1
                offset += 1
            }
            return digits > 0 ? value : nil
        }

        /// Reads a header field that must be a number followed by a separator.
        mutating func headerNumber(_ field: String) throws -> Int {
            guard let value = number() else {
                throw offset >= data.count ? truncated("header ends before the \(field)")
                                           : bad("malformed header: no \(field)")
            }
            if offset < data.count, !Self.isWhitespace(data[offset]), data[offset] != UInt8(ascii: "#") {
                throw bad("malformed header: junk after the \(field)")
            }
            return value
        }

        /// `P5` / `P6`: one byte per sample, or two big-endian bytes when `maxval > 255`.
        mutating func binarySamples(count: Int, maxval: Int) throws -> [Float] {
            let width = maxval > 255 ? 2 : 1
            let (needed, overflow) = count.multipliedReportingOverflow(by: width)
            let available = data.count - offset
            guard !overflow, needed <= available else {
                throw truncated("needs \(overflow ? "more" : String(needed)) bytes of pixels, has \(available)")
            }
            let scale = Float(maxval)
            var samples = [Float](repeating: 0, count: count)
            var largest = 0
            data.withUnsafeBufferPointer { bytes in
                samples.withUnsafeMutableBufferPointer { out in
                    for i in 0..<count {
                        let value = width == 1
                            ? Int(bytes[offset + i])
                            : Int(bytes[offset + 2 * i]) << 8 | Int(bytes[offset + 2 * i + 1])
                        largest = max(largest, value)
                        out[i] = Float(value) / scale
                    }
                }
            }
            guard largest <= maxval else {
                throw bad("sample \(largest) exceeds maxval \(maxval)")
            }
            offset += needed
            return samples
        }

        /// `P2` / `P3`: decimal samples separated by whitespace.
        mutating func asciiSamples(count: Int, maxval: Int) throws -> [Float] {
            // Each sample takes at least a digit and a separator: refuse lying headers before allocating.
            guard (data.count - offset) / 2 + 1 >= count else {
                throw truncated("declares \(count) samples, the file is too short to hold them")
            }
            var samples = [Float](repeating: 0, count: count)
            let scale = Float(maxval)
            for i in 0..<count {
                guard let value = number() else {
                    throw offset >= data.count ? truncated("ends after \(i) of \(count) samples")
                                               : bad("malformed sample \(i + 1)")
                }
                guard value <= maxval else { throw bad("sample \(value) exceeds maxval \(maxval)") }
                if offset < data.count, !Self.isWhitespace(data[offset]), data[offset] != UInt8(ascii: "#") {
                    throw bad("malformed sample \(i + 1)")
                }
                samples[i] = Float(value) / scale
            }
            return samples
        }

        /// `P1`: characters `0` and `1`, separators optional.
        mutating func asciiBits(count: Int) throws -> [Float] {
            guard data.count - offset >= count else {
                throw truncated("declares \(count) pixels, the file is too short to hold them")
            }
            var samples = [Float](repeating: 0, count: count)
            for i in 0..<count {
                skipSeparators()
                guard offset < data.count else { throw truncated("ends after \(i) of \(count) pixels") }
                switch data[offset] {
                case UInt8(ascii: "0"): samples[i] = 1
                case UInt8(ascii: "1"): samples[i] = 0
                default: throw bad("malformed pixel \(i + 1)")
                }
                offset += 1
            }
            return samples
        }

        /// `P4`: 8 pixels per byte, most significant bit first, rows padded to whole bytes.
        mutating func packedBits(width: Int, height: Int) throws -> [Float] {
            let rowBytes = width / 8 + (width % 8 == 0 ? 0 : 1)
            let (needed, overflow) = rowBytes.multipliedReportingOverflow(by: height)
            let available = data.count - offset
            guard !overflow, needed <= available else {
                throw truncated("needs \(overflow ? "more" : String(needed)) bytes of pixels, has \(available)")
            }
            var samples = [Float](repeating: 0, count: width * height)  // checked by the caller
            for y in 0..<height {
                for x in 0..<width {
                    let byte = data[offset + y * rowBytes + x / 8]
                    samples[y * width + x] = (byte >> (7 - UInt8(x % 8))) & 1 == 1 ? 0 : 1
                }
            }
            offset += needed
            return samples
        }

        func bad(_ reason: String) -> SimDBError {
            SimDBError(.badImage, "\(name): corrupt \(kind) data (\(reason))")
        }

        func truncated(_ reason: String) -> SimDBError {
            SimDBError(.badImage, "\(name): truncated \(kind) data (\(reason))")
        }

        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || (0x09...0x0D).contains(byte)
        }

        static func digit(_ byte: UInt8) -> Int? {
            (0x30...0x39).contains(byte) ? Int(byte - 0x30) : nil
        }
    }
}
