import CTurboJPEG
import Foundation
import SimDBCore
import SimDBImageIO
import SimDBTestSupport
import Testing

/// Synthetic images and hand-built files for the tests.
enum Fixtures {
    /// A smooth gradient: each channel varies differently over x and y.
    static func gradient(width: Int, height: Int, channels: Int) -> Image {
        var pixels: [Float] = []
        pixels.reserveCapacity(width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let fx = Float(x) / Float(max(width - 1, 1))
                    let fy = Float(y) / Float(max(height - 1, 1))
                    pixels.append([fx, fy, (fx + fy) / 2][c])
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The largest difference between corresponding samples.
    static func maxDifference(_ a: Image, _ b: Image) -> Float {
        zip(a.pixels, b.pixels).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Encodes 8-bit samples as a JPEG with TurboJPEG (grey when `channels == 1`).
    static func jpeg(_ image: Image, quality: Int32 = 95) -> [UInt8] {
        let samples = image.pixels.map { UInt8(($0 * 255).rounded()) }
        let grey = image.channels == 1
        return jpeg(samples: samples, width: image.width, height: image.height,
                    format: grey ? TJPF_GRAY : TJPF_RGB, subsampling: grey ? TJSAMP_GRAY : TJSAMP_444,
                    quality: quality)
    }

    /// Encodes packed samples in `format` (`TJPF_GRAY`, `TJPF_RGB`, `TJPF_CMYK`) as a JPEG.
    static func jpeg(samples: [UInt8], width: Int, height: Int, format: TJPF, subsampling: TJSAMP,
                     quality: Int32 = 95) -> [UInt8] {
        guard let handle = tjInitCompress() else { return [] }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = samples.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(width), 0, Int32(height), Int32(format.rawValue),
                        &buffer, &size, Int32(subsampling.rawValue), quality, 0)
        }
        guard status == 0, let buffer else { return [] }
        defer { tjFree(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }

    /// Builds a PNG by hand (stored deflate blocks), for bit depths and colour types that
    /// libpng's simplified writer cannot produce.
    /// - Parameters:
    ///   - rows: each scanline's packed bytes, without the filter byte.
    ///   - palette: `PLTE` entries as RGB triples, for colour type 3.
    ///   - transparency: the `tRNS` chunk's data.
    static func rawPNG(width: Int, height: Int, bitDepth: UInt8, colourType: UInt8, rows: [[UInt8]],
                       palette: [UInt8]? = nil, transparency: [UInt8]? = nil) -> [UInt8] {
        var header = PNGBytes.bigEndian(UInt32(width)) + PNGBytes.bigEndian(UInt32(height))
        header += [bitDepth, colourType, 0, 0, 0]
        var raw: [UInt8] = []
        for row in rows { raw += [0] + row }
        var zlib: [UInt8] = [0x78, 0x01]
        var position = 0
        repeat {
            let length = min(65_535, raw.count - position)
            let final: UInt8 = position + length == raw.count ? 1 : 0
            zlib += [final, UInt8(length & 0xFF), UInt8(length >> 8),
                     UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            zlib += raw[position..<(position + length)]
            position += length
        } while position < raw.count
        zlib += PNGBytes.bigEndian(adler32(raw))
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += PNGBytes.chunk("IHDR", header)
        if let palette { png += PNGBytes.chunk("PLTE", palette) }
        if let transparency { png += PNGBytes.chunk("tRNS", transparency) }
        png += PNGBytes.chunk("IDAT", zlib)
        png += PNGBytes.chunk("IEND", [])
        return png
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    /// A fresh empty directory under the system's temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("simdb-imageio-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Runs `body`, expecting a ``SimDBError`` with `code` whose message is one line naming `name`.
@discardableResult
func expectImageError(_ code: SimDBError.Code, naming name: String,
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> Image) -> SimDBError? {
    do {
        let image = try body()
        Issue.record("expected \(code), decoded a \(image.width)x\(image.height) image",
                     sourceLocation: sourceLocation)
    } catch let error as SimDBError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        #expect(error.message.hasPrefix("\(name): "), "\(error.message)", sourceLocation: sourceLocation)
        #expect(!error.message.contains { $0.isNewline }, sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected SimDBError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Checks the invariants every decoded image must satisfy.
func expectConsistent(_ image: Image, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(image.width > 0 && image.height > 0, sourceLocation: sourceLocation)
    #expect(image.channels == 1 || image.channels == 3, sourceLocation: sourceLocation)
    #expect(image.pixels.count == image.width * image.height * image.channels, sourceLocation: sourceLocation)
    #expect(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 }, sourceLocation: sourceLocation)
}
