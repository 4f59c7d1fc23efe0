// simdb-fuzz-images: a coverage-guided fuzzer over ImageDecoder (PNG, JPEG, PGM/PPM/PBM).
//
// Two builds of this one file:
// - Fuzzing (`make fuzz`): compiled with `-sanitize=fuzzer,address -DSIMDB_LIBFUZZER`, it exports
//   `LLVMFuzzerTestOneInput` and its `main` hands over to libFuzzer's driver, so it takes
//   libFuzzer's flags:
//       swift build -c release --product simdb-fuzz-images --scratch-path .build-fuzz \
//           -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSIMDB_LIBFUZZER
//       SIMDB_FUZZ_SEEDS=.build-fuzz/corpus .build-fuzz/release/simdb-fuzz-images   # writes seeds
//       SWIFT_BACKTRACE=enable=no .build-fuzz/release/simdb-fuzz-images .build-fuzz/corpus \
//           -max_total_time=600 -rss_limit_mb=2048
//   Rerun one crash with `.build-fuzz/release/simdb-fuzz-images CRASH-FILE`. Keep
//   `SWIFT_BACKTRACE=enable=no`: with Swift's backtracer on, a crash leaves the backtracer hanging.
// - Plain (`swift build --product simdb-fuzz-images`): `simdb-fuzz-images FILE...` decodes each
//   file with the same checks and says what happened, to reproduce a crash without libFuzzer;
//   `simdb-fuzz-images --write-seeds DIR` writes the seed corpus.
//
// libpng and TurboJPEG are Debian's uninstrumented builds: coverage guides the fuzzer through the
// Swift code (format detection, the PNM parser, size checks, palette scan), and AddressSanitizer
// sees their memory errors only in the libc calls it intercepts (memcpy, memset, ...).
import Foundation
import SimDBCore
import SimDBImageIO

/// The fuzz check and its seeds, shared by the libFuzzer and the plain builds.
enum FuzzImages {
    /// The decoder under test, with a pixel limit small enough to keep each input quick.
    static let decoder = ImageDecoder(maximumPixelCount: 4_000_000)

    /// Decodes `bytes` and traps unless the outcome keeps ``ImageDecoder``'s contract: a
    /// consistent image, or a `.badImage` / `.imageTooLarge` ``SimDBError`` naming the input.
    /// - Parameters:
    ///   - bytes: the encoded image, possibly garbage.
    ///   - name: the name errors must begin with.
    /// - Returns: the decoded image, or the refusal.
    static func check(_ bytes: [UInt8], name: String) -> Result<Image, SimDBError> {
        let image: Image
        do {
            image = try decoder.decode(bytes, name: name)
        } catch let error as SimDBError {
            guard error.code == .badImage || error.code == .imageTooLarge else {
                fatalError("unexpected error code \(error.code): \(error.message)")
            }
            guard error.message.hasPrefix("\(name): "), !error.message.contains("\n") else {
                fatalError("error message does not name the input on one line: \(error.message)")
            }
            return .failure(error)
        } catch {
            fatalError("unexpected error type: \(error)")
        }
        let (pixels, overflow) = image.width.multipliedReportingOverflow(by: image.height)
        guard image.width > 0, image.height > 0, !overflow, pixels <= decoder.maximumPixelCount,
              image.channels == 1 || image.channels == 3,
              image.pixels.count == pixels * image.channels else {
            fatalError("inconsistent image \(image.width)x\(image.height)x\(image.channels), "
                + "\(image.pixels.count) samples")
        }
        guard image.pixels.allSatisfy({ (0...1).contains($0) }) else {
            fatalError("sample outside 0...1 in a \(image.width)x\(image.height) image")
        }
        return .success(image)
    }

    /// Writes the seed corpus: small valid files of every format and variant the decoder takes.
    /// - Parameters:
    ///   - directory: the folder to write into, created if missing.
    /// - Throws: file system errors, or ``SimDBError`` if PNG encoding fails.
    static func writeSeeds(to directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, bytes) in try seeds() {
            try Data(bytes).write(to: folder.appendingPathComponent("seed-\(name)"))
        }
    }

    /// Small valid files: libpng-written PNGs, hand-built PNGs for the other colour types,
    /// hand-built baseline JPEGs and every Netpbm variant.
    static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        var rgb: [Float] = []
        for y in 0..<8 {
            for x in 0..<12 { rgb += [Float(x) / 11, Float(y) / 7, Float(x + y) / 18] }
        }
        let colour = Image(width: 12, height: 8, channels: 3, pixels: rgb)
        let grey = Image(width: 12, height: 8, channels: 1,
                         pixels: stride(from: 0, to: rgb.count, by: 3).map { rgb[$0] })
        // Codes for the hand-built JPEGs' tables: DC 00 = size 0, 01 = size 1, 10 = size 2;
        // AC 00 = end of block, 01 = run 0 size 1. This block is DC +3, one AC +1, end.
        let block = "10 11 01 1 00"
        return [
            ("rgb.png", try ImageEncoder.png(colour)),
            ("grey.png", try ImageEncoder.png(grey)),
            ("palette-grey.png", HandBuilt.png(width: 4, height: 2, depth: 8, colourType: 3,
                rows: [[0, 1, 2, 3], [3, 2, 1, 0]], palette: [0, 0, 0, 90, 90, 90, 180, 180, 180, 255, 255, 255])),
            ("palette-trns.png", HandBuilt.png(width: 4, height: 2, depth: 2, colourType: 3,
                rows: [[0x1B], [0xE4]], palette: [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9],
                transparency: [0, 128])),
            ("rgba16.png", HandBuilt.png(width: 2, height: 2, depth: 16, colourType: 6,
                rows: [Array(repeating: 0x80, count: 16), Array(repeating: 0xF0, count: 16)])),
            ("grey-alpha.png", HandBuilt.png(width: 3, height: 1, depth: 8, colourType: 4,
                rows: [[10, 255, 128, 0, 250, 77]])),
            ("bits.png", HandBuilt.png(width: 9, height: 2, depth: 1, colourType: 0, rows: [[0xA5, 0x80], [0x5A, 0x00]])),
            ("grey.jpg", HandBuilt.jpeg(width: 16, height: 8, sampling: [0x11],
                scan: "\(block)  01 0 00")),
            ("444.jpg", HandBuilt.jpeg(width: 8, height: 8, sampling: [0x11, 0x11, 0x11],
                scan: "\(block)  00 00  01 0 00")),
            ("420.jpg", HandBuilt.jpeg(width: 16, height: 16, sampling: [0x22, 0x11, 0x11],
                scan: "\(block)  00 00  00 00  01 0 00  00 00  10 00 00")),
            ("exif-oriented.jpg", HandBuilt.withExifOrientation(6, HandBuilt.jpeg(width: 16, height: 8, sampling: [0x11],
                scan: "\(block)  01 0 00"))),
            ("rgb.ppm", ImageEncoder.pgm(colour)),
            ("grey.pgm", ImageEncoder.pgm(grey)),
            ("ascii.pgm", Array("P2\n# grey\n4 2\n15\n0 1 2 3\n15 14 13 12\n".utf8)),
            ("ascii.ppm", Array("P3 2 1 255\n255 0 0  0 0 255\n".utf8)),
            ("ascii.pbm", Array("P1\n3 2\n0 1 0\n1 0 1\n".utf8)),
            ("packed.pbm", Array("P4 9 2\n".utf8) + [0xA5, 0x80, 0x5A, 0x00]),
            ("deep.pgm", Array("P5 2 1 65535\n".utf8) + [0x12, 0x34, 0xFF, 0xFF]),
        ]
    }
}

/// Files built byte by byte, for variants the encoders in `SimDBImageIO` do not write.
enum HandBuilt {
    /// A PNG with its scanlines in stored (uncompressed) deflate blocks.
    /// - Parameters:
    ///   - rows: each scanline's packed bytes, without the filter byte.
    ///   - palette: `PLTE` entries as RGB triples, for colour type 3.
    ///   - transparency: the `tRNS` chunk's data.
    static func png(width: UInt32, height: UInt32, depth: UInt8, colourType: UInt8, rows: [[UInt8]],
                    palette: [UInt8]? = nil, transparency: [UInt8]? = nil) -> [UInt8] {
        let raw: [UInt8] = rows.flatMap { [0] + $0 }
        var zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(raw.count & 0xFF), UInt8(raw.count >> 8),
                             UInt8(~raw.count & 0xFF), UInt8((~raw.count >> 8) & 0xFF)]
        var (a, b): (UInt32, UInt32) = (1, 0)
        for byte in raw { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        zlib += raw + bigEndian(b << 16 | a)
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file += chunk("IHDR", bigEndian(width) + bigEndian(height) + [depth, colourType, 0, 0, 0])
        if let palette { file += chunk("PLTE", palette) }
        if let transparency { file += chunk("tRNS", transparency) }
        return file + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    /// `jpeg` with an Exif segment after its start-of-image marker recording `orientation`
    /// (a little-endian TIFF structure whose first directory holds only tag 0x0112).
    static func withExifOrientation(_ orientation: UInt8, _ jpeg: [UInt8]) -> [UInt8] {
        let tiff: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0]
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        return Array(jpeg.prefix(2)) + [0xFF, 0xE1, 0, UInt8(payload.count + 2)] + payload + Array(jpeg.dropFirst(2))
    }

    /// A baseline JPEG with one quantisation table of ones and two tiny Huffman tables (see
    /// ``FuzzImages/seeds()`` for the codes); every component uses table 0.
    /// - Parameters:
    ///   - sampling: each component's `H << 4 | V` sampling factors (one entry: grey).
    ///   - scan: the entropy-coded bits as `0`/`1` characters; spaces are ignored.
    static func jpeg(width: UInt16, height: UInt16, sampling: [UInt8], scan: String) -> [UInt8] {
        var frame: [UInt8] = [8] + bigEndian(height) + bigEndian(width) + [UInt8(sampling.count)]
        var components: [UInt8] = [UInt8(sampling.count)]
        for (index, factors) in sampling.enumerated() {
            frame += [UInt8(index + 1), factors, 0]
            components += [UInt8(index + 1), 0x00]
        }
        let counts = { (codesOfLengthTwo: UInt8) in [0, codesOfLengthTwo] + [UInt8](repeating: 0, count: 14) }
        var file: [UInt8] = [0xFF, 0xD8]
        file += segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
        file += segment(0xC0, frame)
        file += segment(0xC4, [0x00] + counts(3) + [0, 1, 2])
        file += segment(0xC4, [0x10] + counts(2) + [0x00, 0x01])
        file += segment(0xDA, components + [0, 63, 0])
        // Pack the bits, pad the last byte with ones, and stuff a zero after any 0xFF.
        var bits = scan.filter { $0 == "0" || $0 == "1" }.map { $0 == "1" }
        bits += Array(repeating: true, count: (8 - bits.count % 8) % 8)
        for start in stride(from: 0, to: bits.count, by: 8) {
            let byte = bits[start..<(start + 8)].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
            file += byte == 0xFF ? [0xFF, 0x00] : [byte]
        }
        return file + [0xFF, 0xD9]
    }

    private static func segment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
        [0xFF, marker] + bigEndian(UInt16(body.count + 2)) + body
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in typed {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return bigEndian(UInt32(data.count)) + typed + bigEndian(~crc)
    }

    private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

#if SIMDB_LIBFUZZER
/// libFuzzer's entry point: one input per call; a trap in ``FuzzImages/check(_:name:)`` is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImages(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = FuzzImages.check(bytes, name: "input")
    return 0
}

/// libFuzzer's driver (`FuzzerInterface.h`). SwiftPM links the module's entry point over
/// libFuzzer's own `main`, so ours starts the driver. Declared with `@_silgen_name`, which is sound
/// here because Swift and C pass pointers and `CInt` alike.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The entry point SwiftPM links as `main` on Linux (`--defsym main=SimDBFuzzImages_main`).
@_cdecl("SimDBFuzzImages_main")
public func fuzzImagesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzImages)
}

/// libFuzzer's start-up hook: with `SIMDB_FUZZ_SEEDS=DIR` in the environment, writes the seed
/// corpus to `DIR` and exits instead of fuzzing.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzImagesInitialize(_ argc: UnsafeMutablePointer<CInt>?,
                                 _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let directory = getenv("SIMDB_FUZZ_SEEDS") else { return 0 }
    // Exit only once every Swift value made here is released, so LeakSanitizer finds nothing live.
    exit(writeSeeds(to: directory) ? 0 : 1)
}

/// Writes the seeds for ``fuzzImagesInitialize(_:_:)``, reporting a failure on standard error.
/// - Returns: whether the seeds were written.
private func writeSeeds(to directory: UnsafePointer<CChar>) -> Bool {
    do {
        try FuzzImages.writeSeeds(to: String(cString: directory))
        return true
    } catch {
        FileHandle.standardError.write(Data("simdb-fuzz-images: cannot write seeds: \(error)\n".utf8))
        return false
    }
}
#else
/// The plain build: decodes the files named on the command line, or writes the seeds.
@main
struct FuzzImagesCommand {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.isEmpty || arguments.first == "--help" || (arguments.first == "--write-seeds" && arguments.count != 2) {
            FileHandle.standardError.write(Data("usage: simdb-fuzz-images FILE...  |  --write-seeds DIR\n".utf8))
            exit(2)
        }
        if arguments.first == "--write-seeds" {
            do {
                try FuzzImages.writeSeeds(to: arguments[1])
            } catch {
                FileHandle.standardError.write(Data("simdb-fuzz-images: cannot write seeds: \(error)\n".utf8))
                exit(1)
            }
            return
        }
        for path in arguments {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read")
                continue
            }
            switch FuzzImages.check(Array(data), name: path) {
            case .success(let image): print("\(path): decoded \(image.width)x\(image.height), \(image.channels) channel(s)")
            case .failure(let error): print("refused: \(error.message)")
            }
        }
    }
}
#endif
