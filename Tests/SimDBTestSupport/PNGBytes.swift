/// Byte-level PNG surgery for tests that build or damage files: chunks with their CRCs, and a
/// header patched to lie about the picture's size.
public enum PNGBytes {
    /// A PNG chunk: length, type, data, CRC.
    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    /// Rewrites the `IHDR` width and height of a PNG, fixing its CRC so libpng reads the header.
    public static func patchSize(_ png: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var out = png
        out.replaceSubrange(16..<24, with: bigEndian(width) + bigEndian(height))
        out.replaceSubrange(29..<33, with: bigEndian(crc32(Array(out[12..<29]))))
        return out
    }

    /// The byte offset of the first chunk of `type` (its length field), if any.
    public static func chunkOffset(_ png: [UInt8], _ type: String) -> Int? {
        var offset = 8
        while offset + 8 <= png.count {
            let length = Int(png[offset]) << 24 | Int(png[offset + 1]) << 16
                | Int(png[offset + 2]) << 8 | Int(png[offset + 3])
            if Array(png[(offset + 4)..<(offset + 8)]) == Array(type.utf8) { return offset }
            offset += 12 + length
        }
        return nil
    }

    public static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }
}
