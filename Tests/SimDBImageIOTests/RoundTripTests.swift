import CTurboJPEG
import Foundation
import SimDBCore
import SimDBImageIO
import Testing

@Suite("Round trips through the encoders and decoders")
struct RoundTripTests {
    let decoder = ImageDecoder()

    @Test("PNG keeps grey and RGB images to within 1/255", arguments: [1, 3])
    func png(channels: Int) throws {
        let image = Fixtures.gradient(width: 37, height: 23, channels: channels)
        let bytes = try ImageEncoder.png(image)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let decoded = try decoder.decode(bytes, name: "gradient.png")
        #expect(decoded.width == 37 && decoded.height == 23 && decoded.channels == channels)
        #expect(Fixtures.maxDifference(image, decoded) <= 0.5 / 255 + 1e-6)
    }

    @Test("PGM and PPM keep images to within 1/255", arguments: [1, 3])
    func pnm(channels: Int) throws {
        let image = Fixtures.gradient(width: 19, height: 41, channels: channels)
        let bytes = ImageEncoder.pgm(image)
        #expect(bytes.starts(with: Array((channels == 1 ? "P5" : "P6").utf8)))
        let decoded = try decoder.decode(bytes, name: "gradient.pgm")
        #expect(decoded.width == 19 && decoded.height == 41 && decoded.channels == channels)
        #expect(Fixtures.maxDifference(image, decoded) <= 0.5 / 255 + 1e-6)
    }

    @Test("encoders clamp out-of-range and NaN samples")
    func clamping() throws {
        let image = Image(width: 4, height: 1, channels: 1, pixels: [-0.5, 1.5, .nan, 0.5])
        let decoded = try decoder.decode(try ImageEncoder.png(image), name: "clamp.png")
        #expect(decoded.pixels == [0, 1, 0, 128 / 255])
        #expect(try decoder.decode(ImageEncoder.pgm(image), name: "clamp.pgm").pixels == decoded.pixels)
    }

    @Test("JPEG decodes RGB to 3 channels and grey to 1, close to the source", arguments: [1, 3])
    func jpeg(channels: Int) throws {
        let image = Fixtures.gradient(width: 48, height: 32, channels: channels)
        let bytes = Fixtures.jpeg(image)
        #expect(bytes.starts(with: [0xFF, 0xD8, 0xFF]))
        let decoded = try decoder.decode(bytes, name: "gradient.jpg")
        #expect(decoded.width == 48 && decoded.height == 32 && decoded.channels == channels)
        #expect(Fixtures.maxDifference(image, decoded) <= 6 / 255)
    }

    @Test("CMYK JPEGs (Adobe's inverted convention) decode to RGB")
    func cmykJPEG() throws {
        // Inverted CMYK: 255 means no ink. Red, then a 50% grey made with black ink only.
        let pixel: [[UInt8]] = [[255, 0, 0, 255], [255, 255, 255, 128]]
        let samples = (0..<64).flatMap { pixel[$0 < 32 ? 0 : 1] }
        let bytes = Fixtures.jpeg(samples: samples, width: 8, height: 8, format: TJPF_CMYK, subsampling: TJSAMP_444)
        try #require(!bytes.isEmpty)
        let decoded = try decoder.decode(bytes, name: "cmyk.jpg")
        #expect(decoded.channels == 3 && decoded.width == 8 && decoded.height == 8)
        #expect(abs(decoded[0, 0, 0] - 1) < 0.03 && decoded[0, 0, 1] < 0.03 && decoded[0, 0, 2] < 0.03)
        #expect((0..<3).allSatisfy { abs(decoded[0, 7, $0] - 128 / 255) < 0.03 })
    }

    @Test("ASCII PGM, PPM and PBM with comments, and 16-bit binary PGM")
    func netpbmVariants() throws {
        let p2 = Array("P2\n# a comment\n3 2 # trailing\n10\n0 5 10\n10 5 0\n".utf8)
        let grey = try decoder.decode(p2, name: "a.pgm")
        #expect(grey.channels == 1 && grey.pixels == [0, 0.5, 1, 1, 0.5, 0])

        let p3 = Array("P3 2 1 255  255 0 0  0 0 255".utf8)
        let colour = try decoder.decode(p3, name: "a.ppm")
        #expect(colour.channels == 3 && colour.pixels == [1, 0, 0, 0, 0, 1])

        let p1 = Array("P1\n3 2\n010\n1 0 1\n".utf8)
        #expect(try decoder.decode(p1, name: "a.pbm").pixels == [1, 0, 1, 0, 1, 0])

        let p4 = Array("P4\n10 2\n".utf8) + [0b1000_0000, 0b0100_0000, 0b0000_0000, 0b1111_1111]
        let bits = try decoder.decode(p4, name: "b.pbm")
        #expect(bits.pixels == [0, 1, 1, 1, 1, 1, 1, 1, 1, 0] + [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])

        let p5 = Array("P5 2 1 65535\n".utf8) + [0xFF, 0xFF, 0x80, 0x00]
        let deep = try decoder.decode(p5, name: "deep.pgm")
        #expect(deep.pixels == [1, Float(0x8000) / 65_535])
    }

    @Test("hand-built PNGs: 1-bit, 16-bit, grey palette, colour palette, alpha")
    func pngVariants() throws {
        let oneBit = Fixtures.rawPNG(width: 10, height: 1, bitDepth: 1, colourType: 0,
                                     rows: [[0b1010_0000, 0b1100_0000]])
        let bits = try decoder.decode(oneBit, name: "bits.png")
        #expect(bits.channels == 1 && bits.pixels == [1, 0, 1, 0, 0, 0, 0, 0, 1, 1])

        let sixteen = Fixtures.rawPNG(width: 2, height: 1, bitDepth: 16, colourType: 0,
                                      rows: [[0xFF, 0xFF, 0x80, 0x80]])
        let deep = try decoder.decode(sixteen, name: "deep.png")
        #expect(deep.channels == 1 && deep.pixels == [1, 128 / 255])

        let greyPalette = Fixtures.rawPNG(width: 3, height: 1, bitDepth: 8, colourType: 3, rows: [[0, 1, 2]],
                                          palette: [0, 0, 0, 100, 100, 100, 255, 255, 255])
        let paletted = try decoder.decode(greyPalette, name: "grey-palette.png")
        #expect(paletted.channels == 1 && paletted.pixels == [0, 100 / 255, 1])

        let colourPalette = Fixtures.rawPNG(width: 2, height: 1, bitDepth: 8, colourType: 3, rows: [[1, 0]],
                                            palette: [255, 0, 0, 0, 0, 255])
        let coloured = try decoder.decode(colourPalette, name: "palette.png")
        #expect(coloured.channels == 3 && coloured.pixels == [0, 0, 1, 1, 0, 0])

        // RGBA: an opaque red pixel and a fully transparent one, composited onto white.
        let rgba = Fixtures.rawPNG(width: 2, height: 1, bitDepth: 8, colourType: 6,
                                   rows: [[255, 0, 0, 255, 0, 0, 0, 0]])
        let flattened = try decoder.decode(rgba, name: "alpha.png")
        #expect(flattened.channels == 3 && flattened.pixels == [1, 0, 0, 1, 1, 1])

        let greyAlpha = Fixtures.rawPNG(width: 2, height: 1, bitDepth: 8, colourType: 4,
                                        rows: [[51, 255, 0, 0]])
        let grey = try decoder.decode(greyAlpha, name: "grey-alpha.png")
        #expect(grey.channels == 1 && grey.pixels == [0.2, 1])
    }

    @Test("decode(contentsOf:) reads files and picks the format by content, not extension")
    func files() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let image = Fixtures.gradient(width: 8, height: 6, channels: 3)
        let misnamed = directory.appendingPathComponent("actually-a-png.jpg")
        try Data(try ImageEncoder.png(image)).write(to: misnamed)
        let decoded = try decoder.decode(contentsOf: misnamed)
        #expect(decoded.channels == 3 && Fixtures.maxDifference(image, decoded) <= 0.5 / 255 + 1e-6)

        let pgm = directory.appendingPathComponent("face")
        try Data(ImageEncoder.pgm(image.grey())).write(to: pgm)
        #expect(try decoder.decode(contentsOf: pgm).channels == 1)
    }
}
