import Foundation
import SimDBCore
import SimDBImageIO
import SimDBTestSupport
import Testing

@Suite("Bad input gives one-line errors that name the file")
struct BadInputTests {
    let decoder = ImageDecoder()

    var validPNG: [UInt8] {
        get throws { try ImageEncoder.png(Fixtures.gradient(width: 32, height: 24, channels: 3)) }
    }

    @Test("empty and non-image bytes are refused")
    func notAnImage() {
        let empty = expectImageError(.badImage, naming: "empty.png") { try decoder.decode([], name: "empty.png") }
        #expect(empty?.message.contains("empty") == true)
        var generator = SplitMix64(seed: 7)
        let noise = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let random = expectImageError(.badImage, naming: "face.png") { try decoder.decode(noise, name: "face.png") }
        #expect(random?.message == "face.png: not a PNG, JPEG or PGM/PPM image")
        expectImageError(.badImage, naming: "text.pgm") {
            try decoder.decode(Array("Portable? no".utf8), name: "text.pgm")
        }
    }

    @Test("truncated PNG data is refused wherever it is cut")
    func truncatedPNG() throws {
        let png = try validPNG
        let idat = try #require(PNGBytes.chunkOffset(png, "IDAT"))
        for cut in [8, 12, 20, 33, idat + 4, idat + 10, (idat + png.count) / 2, png.count - 20] {
            expectImageError(.badImage, naming: "cut.png") { try decoder.decode(Array(png[..<cut]), name: "cut.png") }
        }
        let error = expectImageError(.badImage, naming: "cut.png") {
            try decoder.decode(Array(png[..<(png.count - 20)]), name: "cut.png")
        }
        #expect(error?.message.contains("truncated PNG data (libpng: ") == true, "\(error?.message ?? "")")
    }

    @Test("a PNG with a bad CRC or a corrupt IDAT stream is refused")
    func corruptPNG() throws {
        let png = try validPNG
        let idat = try #require(PNGBytes.chunkOffset(png, "IDAT"))
        let length = Int(png[idat]) << 24 | Int(png[idat + 1]) << 16 | Int(png[idat + 2]) << 8 | Int(png[idat + 3])
        for crcByte in [29, idat + 8 + length] {  // the IHDR CRC and the IDAT CRC
            var badCRC = png
            badCRC[crcByte] ^= 0x5A
            let error = expectImageError(.badImage, naming: "crc.png") { try decoder.decode(badCRC, name: "crc.png") }
            #expect(error?.message.contains("CRC") == true, "\(error?.message ?? "")")
        }
        var flipped = png
        flipped[idat + 20] ^= 0x5A
        expectImageError(.badImage, naming: "flip.png") { try decoder.decode(flipped, name: "flip.png") }

        // Break the zlib stream but keep the chunk's CRC valid, so the inflater has to notice.
        var data = Array(png[(idat + 8)..<(idat + 8 + length)])
        data[0] = 0x00
        data[1] = 0xFF
        let badStream = Array(png[..<idat]) + PNGBytes.chunk("IDAT", data) + Array(png[(idat + 12 + length)...])
        expectImageError(.badImage, naming: "zlib.png") { try decoder.decode(badStream, name: "zlib.png") }
    }

    @Test("a PNG header patched to 60000x60000 is refused as too large")
    func hugePNG() throws {
        let huge = PNGBytes.patchSize(try validPNG, width: 60_000, height: 60_000)
        let error = expectImageError(.imageTooLarge, naming: "big.png") { try decoder.decode(huge, name: "big.png") }
        #expect(error?.message == "big.png: 60000x60000 pixels exceeds the limit of 40000000")
        let zero = PNGBytes.patchSize(try validPNG, width: 0, height: 24)
        expectImageError(.badImage, naming: "zero.png") { try decoder.decode(zero, name: "zero.png") }
    }

    @Test("truncated JPEG data is refused wherever it is cut")
    func truncatedJPEG() throws {
        let jpeg = Fixtures.jpeg(Fixtures.gradient(width: 64, height: 48, channels: 3))
        try #require(jpeg.count > 200)
        for cut in [3, 10, 100, jpeg.count / 2, jpeg.count - 2] {
            expectImageError(.badImage, naming: "cut.jpg") { try decoder.decode(Array(jpeg[..<cut]), name: "cut.jpg") }
        }
        let error = expectImageError(.badImage, naming: "cut.jpg") {
            try decoder.decode(Array(jpeg[..<(jpeg.count / 2)]), name: "cut.jpg")
        }
        #expect(error?.message.contains("truncated JPEG data") == true, "\(error?.message ?? "")")
    }

    @Test("JPEG headers declaring zero or too many pixels are refused")
    func jpegSizes() throws {
        let jpeg = Fixtures.jpeg(Fixtures.gradient(width: 64, height: 48, channels: 1))
        // The SOF0 segment holds height then width, big-endian, 5 bytes after its marker's length.
        let sof = try #require((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        var huge = jpeg
        huge.replaceSubrange((sof + 5)..<(sof + 9), with: [0xEA, 0x60, 0xEA, 0x60])  // 60000 x 60000
        expectImageError(.imageTooLarge, naming: "big.jpg") { try decoder.decode(huge, name: "big.jpg") }
        var zero = jpeg
        zero.replaceSubrange((sof + 7)..<(sof + 9), with: [0, 0])
        expectImageError(.badImage, naming: "zero.jpg") { try decoder.decode(zero, name: "zero.jpg") }
    }

    @Test("truncated and lying PGM/PPM data is refused")
    func truncatedPNM() {
        let pgm = ImageEncoder.pgm(Fixtures.gradient(width: 20, height: 10, channels: 1))
        for cut in [2, 3, 6, 11, 14, 20, pgm.count / 2, pgm.count - 1] {
            expectImageError(.badImage, naming: "cut.pgm") { try decoder.decode(Array(pgm[..<cut]), name: "cut.pgm") }
        }
        let lying = Array("P5\n100 100\n255\n".utf8) + [UInt8](repeating: 7, count: 50)
        let error = expectImageError(.badImage, naming: "lying.pgm") { try decoder.decode(lying, name: "lying.pgm") }
        #expect(error?.message.contains("truncated PGM data") == true)
        let ascii = Array("P3 2 2 255 1 2 3 4 5 6".utf8)
        expectImageError(.badImage, naming: "short.ppm") { try decoder.decode(ascii, name: "short.ppm") }
        let deep = Array("P6 2 2 1000\n".utf8) + [UInt8](repeating: 1, count: 23)
        expectImageError(.badImage, naming: "deep.ppm") { try decoder.decode(deep, name: "deep.ppm") }
    }

    @Test("malformed PGM headers and samples are refused")
    func malformedPNM() {
        let cases: [(String, [UInt8])] = [
            ("maxval0.pgm", Array("P5 2 2 0\n".utf8) + [0, 0, 0, 0]),
            ("maxval70000.pgm", Array("P5 2 2 70000\n".utf8) + [UInt8](repeating: 0, count: 8)),
            ("zerowidth.pgm", Array("P5 0 2 255\n".utf8)),
            ("letters.pgm", Array("P5 2x2 255\n".utf8) + [0, 0, 0, 0]),
            ("nosep.pgm", Array("P5 2 2 255".utf8) + [0, 0, 0, 0]),
            ("over.pgm", Array("P2 2 1 10 5 11".utf8)),
            ("negative.pgm", Array("P2 2 1 10 5 -1".utf8)),
            ("over16.pgm", Array("P5 1 1 1000\n".utf8) + [0x03, 0xE9]),
            ("badbit.pbm", Array("P1 2 1 0 2".utf8)),
            ("magic.pgm", Array("P52 2 255\n".utf8) + [0, 0, 0, 0]),
            ("comment.pgm", Array("P5 2 2 255#x\n".utf8) + [0, 0, 0, 0]),
        ]
        for (name, bytes) in cases {
            expectImageError(.badImage, naming: name) { try decoder.decode(bytes, name: name) }
        }
    }

    @Test("PGM headers declaring enormous sizes are refused before allocating")
    func hugePNM() {
        let huge = Array("P5\n60000 60000\n255\n".utf8) + [0, 0, 0]
        let error = expectImageError(.imageTooLarge, naming: "big.pgm") { try decoder.decode(huge, name: "big.pgm") }
        #expect(error?.message == "big.pgm: 60000x60000 pixels exceeds the limit of 40000000")
        let overflow = Array("P6 99999999999999999999999 99999999999999999999 255\n".utf8)
        expectImageError(.imageTooLarge, naming: "overflow.ppm") { try decoder.decode(overflow, name: "overflow.ppm") }
        // With no pixel limit at all, the size check against the bytes present still comes first.
        let unlimited = ImageDecoder(maximumPixelCount: .max)
        expectImageError(.badImage, naming: "big.pgm") { try unlimited.decode(huge, name: "big.pgm") }
        let ascii = Array("P2 60000 60000 255 1 2 3".utf8)
        expectImageError(.badImage, naming: "big2.pgm") { try unlimited.decode(ascii, name: "big2.pgm") }
        // width * height fits in an Int, width * height * 3 does not.
        let edge = Array("P6 3037000499 3037000499 255\n".utf8)
        expectImageError(.imageTooLarge, naming: "edge.ppm") { try unlimited.decode(edge, name: "edge.ppm") }
    }

    @Test("directories, missing files and oversized files are refused")
    func files() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dirError = expectImageError(.badImage, naming: directory.path) { try decoder.decode(contentsOf: directory) }
        #expect(dirError?.message == "\(directory.path): is a directory")

        let missing = directory.appendingPathComponent("missing.png")
        let missingError = expectImageError(.badImage, naming: missing.path) { try decoder.decode(contentsOf: missing) }
        #expect(missingError?.message == "\(missing.path): cannot read file (No such file or directory)")

        let empty = directory.appendingPathComponent("empty.png")
        try Data().write(to: empty)
        expectImageError(.badImage, naming: empty.path) { try decoder.decode(contentsOf: empty) }

        let file = directory.appendingPathComponent("face.png")
        try Data(try validPNG).write(to: file)
        #expect(try decoder.readFile(file, name: "face.png") == (try validPNG))
        let readError = #expect(throws: SimDBError.self) { try decoder.readFile(missing, name: "label") }
        #expect(readError?.code == .badImage && readError?.message.hasPrefix("label: cannot read file") == true)
        let small = ImageDecoder(maximumFileSize: 100)
        let sizeError = expectImageError(.imageTooLarge, naming: file.path) { try small.decode(contentsOf: file) }
        #expect(sizeError?.message.contains("exceeds the limit of 100 bytes") == true)
        #expect(try ImageDecoder(maximumFileSize: Int(try validPNG.count)).decode(contentsOf: file).width == 32)
    }

    @Test("errors name the file as the caller gave it, relative paths included")
    func relativeNames() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = URL(fileURLWithPath: "sub/missing.png", relativeTo: directory)
        let error = expectImageError(.badImage, naming: "sub/missing.png") { try decoder.decode(contentsOf: url) }
        #expect(error?.message.hasPrefix("sub/missing.png: cannot read file") == true)
    }
}
