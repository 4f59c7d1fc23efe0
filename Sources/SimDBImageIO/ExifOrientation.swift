import SimDBCore

/// The Exif orientation of a JPEG: how its stored pixels must be turned or mirrored to be shown
/// upright. Phone cameras store a portrait photo as the sensor read it, sideways, with tag 0x0112
/// saying so; every viewer applies it, and a face detector given the stored pixels sees a face
/// lying on its side.
enum ExifOrientation {
    /// The orientation (1 to 8; 1 is upright as stored) that the first Exif segment of `jpeg`
    /// records in its first image directory, or 1 when there is none or it cannot be read: a
    /// damaged Exif segment never makes a decodable picture fail. Only the segments before the
    /// scan are read, each within the bounds it declares.
    static func value(inJPEG jpeg: [UInt8]) -> Int {
        var at = 2  // after the start-of-image marker
        while at + 4 <= jpeg.count, jpeg[at] == 0xFF {
            let marker = jpeg[at + 1]
            if marker == 0xFF { at += 1; continue }  // fill byte
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { at += 2; continue }
            if marker == 0xDA || marker == 0xD9 { break }  // the scan, or the end: no Exif past here
            let length = Int(jpeg[at + 2]) << 8 | Int(jpeg[at + 3])
            let end = at + 2 + length
            guard length >= 2, end <= jpeg.count else { break }
            let exifHeader: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]  // "Exif\0\0"
            if marker == 0xE1, jpeg[(at + 4)..<end].starts(with: exifHeader) {
                return orientation(inTIFF: jpeg[(at + 4 + exifHeader.count)..<end]) ?? 1
            }
            at = end
        }
        return 1
    }

    /// Tag 0x0112 of the first image directory of the TIFF structure `tiff`, when it is 1 to 8.
    private static func orientation(inTIFF tiff: ArraySlice<UInt8>) -> Int? {
        let base = tiff.startIndex
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[base], tiff[base + 1]) {
        case (0x49, 0x49): littleEndian = true   // "II"
        case (0x4D, 0x4D): littleEndian = false  // "MM"
        default: return nil
        }
        func integer(at offset: Int, bytes: Int) -> Int? {
            guard offset >= 0, offset + bytes <= tiff.count else { return nil }
            return (0..<bytes).reduce(0) { value, index in
                let byte = Int(tiff[base + offset + (littleEndian ? bytes - 1 - index : index)])
                return value << 8 | byte
            }
        }
        guard integer(at: 2, bytes: 2) == 42, let directory = integer(at: 4, bytes: 4),
              let entries = integer(at: directory, bytes: 2) else { return nil }
        for entry in 0..<entries {
            let offset = directory + 2 + entry * 12
            guard let tag = integer(at: offset, bytes: 2) else { return nil }
            guard tag == 0x0112 else { continue }
            // A SHORT (type 3) whose value sits at the start of the entry's 4-byte value field.
            guard integer(at: offset + 2, bytes: 2) == 3, let value = integer(at: offset + 8, bytes: 2),
                  (1...8).contains(value) else { return nil }
            return value
        }
        return nil
    }
}

extension ExifOrientation {
    /// Packed samples, `width × height` pixels of `channels` samples stored row by row, as they
    /// are shown when the Exif orientation is `orientation` (1 to 8): 1 unchanged, 2 mirrored
    /// left to right, 3 turned half round, 4 mirrored top to bottom, 5 transposed (the first row
    /// becomes the first column), 6 turned a quarter clockwise, 7 transposed the other way, 8
    /// turned a quarter anticlockwise; 5 to 8 swap width and height. Applied to the decoder's
    /// bytes, before they become floats: a quarter of the memory to walk across.
    /// - Precondition: `orientation` is in `1...8` and `samples` holds `width × height × channels`.
    static func oriented<Sample>(_ samples: [Sample], width w: Int, height h: Int, channels: Int,
                                 orientation: Int) -> (samples: [Sample], width: Int, height: Int) {
        precondition((1...8).contains(orientation) && samples.count == w * h * channels, "Exif orientations are 1 to 8")
        guard orientation != 1, let first = samples.first else { return (samples, w, h) }
        let (outWidth, outHeight) = orientation >= 5 ? (h, w) : (w, h)
        // The stored pixel of output pixel (x, y) is origin + x * across + y * down: one
        // affine walk per orientation, no work per pixel beyond the copy.
        let (origin, across, down): (Int, Int, Int)
        switch orientation {
        case 2: (origin, across, down) = (w - 1, -1, w)                 // (w-1-x, y)
        case 3: (origin, across, down) = ((h - 1) * w + w - 1, -1, -w)  // (w-1-x, h-1-y)
        case 4: (origin, across, down) = ((h - 1) * w, 1, -w)           // (x, h-1-y)
        case 5: (origin, across, down) = (0, w, 1)                      // (y, x)
        case 6: (origin, across, down) = ((h - 1) * w, -w, 1)           // (y, h-1-x)
        case 7: (origin, across, down) = ((h - 1) * w + w - 1, -w, -1)  // (w-1-y, h-1-x)
        default: (origin, across, down) = (w - 1, w, -1)                // (w-1-y, x)
        }
        var out = [Sample](repeating: first, count: samples.count)
        samples.withUnsafeBufferPointer { stored in
            out.withUnsafeMutableBufferPointer { out in
                var output = 0
                for y in 0..<outHeight {
                    var input = origin + y * down
                    for _ in 0..<outWidth {
                        for channel in 0..<channels { out[output + channel] = stored[input * channels + channel] }
                        output += channels
                        input += across
                    }
                }
            }
        }
        return (out, outWidth, outHeight)
    }
}
