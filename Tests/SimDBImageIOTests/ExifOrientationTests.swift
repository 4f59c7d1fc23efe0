import Foundation
import SimDBCore
import SimDBImageIO
import Testing

@Suite("Exif orientation")
struct ExifOrientationTests {
    /// A 32 x 16 grey picture, black but for a white block 12 wide and 4 tall at its top left.
    static let stored: Image = {
        var pixels = [Float](repeating: 0, count: 32 * 16)
        for y in 0..<4 { for x in 0..<12 { pixels[y * 32 + x] = 1 } }
        return Image(width: 32, height: 16, channels: 1, pixels: pixels)
    }()

    /// An APP1 segment holding a TIFF structure whose first directory has one entry: `tag` (a
    /// SHORT of `value`), in either byte order.
    static func exifSegment(_ value: UInt16, tag: UInt16 = 0x0112, littleEndian: Bool = false) -> [UInt8] {
        func bytes(_ value: UInt32, _ count: Int) -> [UInt8] {
            let bigEndian = (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
            return littleEndian ? bigEndian.reversed() : bigEndian
        }
        var tiff: [UInt8] = littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]
        tiff += bytes(42, 2) + bytes(8, 4) + bytes(1, 2)
        tiff += bytes(UInt32(tag), 2) + bytes(3, 2) + bytes(1, 4) + bytes(UInt32(value), 2) + [0, 0] + bytes(0, 4)
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// `jpeg` with `segment` put in right after its start-of-image marker.
    static func tagged(_ jpeg: [UInt8], _ segment: [UInt8]) -> [UInt8] {
        Array(jpeg[..<2]) + segment + Array(jpeg[2...])
    }

    /// The white block's bounds in `image`: x range, y range.
    static func whiteBlock(_ image: Image) -> (x: Range<Int>, y: Range<Int>)? {
        var xs: [Int] = [], ys: [Int] = []
        for y in 0..<image.height { for x in 0..<image.width where image[x, y, 0] > 0.5 { xs.append(x); ys.append(y) } }
        guard let minX = xs.min(), let maxX = xs.max(), let minY = ys.min(), let maxY = ys.max() else { return nil }
        return (minX..<(maxX + 1), minY..<(maxY + 1))
    }

    @Test("each of the 8 orientations puts the top-left block where a viewer shows it, both byte orders",
          arguments: [false, true])
    func orientations(littleEndian: Bool) throws {
        let jpeg = Fixtures.jpeg(Self.stored)
        // Size shown, and where the block is shown, per orientation.
        let expected: [Int: (size: (Int, Int), x: Range<Int>, y: Range<Int>)] = [
            1: ((32, 16), 0..<12, 0..<4), 2: ((32, 16), 20..<32, 0..<4), 3: ((32, 16), 20..<32, 12..<16),
            4: ((32, 16), 0..<12, 12..<16), 5: ((16, 32), 0..<4, 0..<12), 6: ((16, 32), 12..<16, 0..<12),
            7: ((16, 32), 12..<16, 20..<32), 8: ((16, 32), 0..<4, 20..<32),
        ]
        for orientation in 1...8 {
            let want = try #require(expected[orientation])
            let shown = try ImageDecoder().decode(Self.tagged(jpeg, Self.exifSegment(UInt16(orientation), littleEndian: littleEndian)),
                                                  name: "photo.jpg")
            #expect(shown.width == want.size.0 && shown.height == want.size.1, "orientation \(orientation)")
            let block = Self.whiteBlock(shown)
            #expect(block?.x == want.x && block?.y == want.y, "orientation \(orientation): \(String(describing: block))")
        }
    }

    @Test("without a tag, or with appliesExifOrientation off, the pixels come out as stored")
    func asStored() throws {
        let jpeg = Fixtures.jpeg(Self.stored)
        let plain = try ImageDecoder().decode(jpeg, name: "plain.jpg")
        let off = try ImageDecoder(appliesExifOrientation: false).decode(Self.tagged(jpeg, Self.exifSegment(6)), name: "tagged.jpg")
        #expect(plain == off && plain.width == 32)
        #expect(Self.whiteBlock(plain)?.x == 0..<12)
    }

    @Test("a damaged, unknown or out-of-range tag leaves the picture as stored and never fails the decode")
    func damagedTags() throws {
        let jpeg = Fixtures.jpeg(Self.stored)
        let plain = try ImageDecoder().decode(jpeg, name: "plain.jpg")
        let good = Self.exifSegment(6)
        var segments: [[UInt8]] = [Self.exifSegment(9), Self.exifSegment(0), Self.exifSegment(6, tag: 0x0113)]
        var badOrder = good
        // The segment: FF E1, its length, "Exif\0\0", then the TIFF structure from byte 10: byte order,
        // 42, the directory's offset (bytes 14-17), its entry count (18-19), the entry (20-31).
        badOrder[10] = 0x58  // "XM": neither byte order
        var farDirectory = good
        farDirectory[17] = 0xF0  // the first directory's offset far past the segment
        var manyEntries = Self.exifSegment(6, tag: 0x0113)
        manyEntries[19] = 0xFF  // 255 entries declared, one there, not the orientation
        var notShort = good
        notShort[23] = 4  // type LONG
        segments += [badOrder, farDirectory, manyEntries, notShort]
        for (index, segment) in segments.enumerated() {
            let decoded = try ImageDecoder().decode(Self.tagged(jpeg, segment), name: "damaged.jpg")
            #expect(decoded == plain, "segment \(index)")
        }
        // A segment whose declared length runs past the file: the tag reader stops; the JPEG
        // decoder judges the file (a clear error, or the picture as stored).
        let overlong = [0xFF, 0xE1, 0xFF, 0xF0] + Array("Exif".utf8) + [0, 0]
        do {
            #expect(try ImageDecoder().decode(Self.tagged(jpeg, overlong), name: "overlong.jpg") == plain)
        } catch let error as SimDBError {
            #expect(error.code == .badImage && error.message.hasPrefix("overlong.jpg: "), "\(error.message)")
        }
    }
}
