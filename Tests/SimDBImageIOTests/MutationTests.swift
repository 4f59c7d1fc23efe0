import SimDBCore
import SimDBImageIO
import Testing

@Suite("Mutated files never crash the decoder")
struct MutationTests {
    /// Valid files of each format to mutate: small, so each decode is quick.
    static func seeds() throws -> [(name: String, bytes: [UInt8])] {
        let colour = Fixtures.gradient(width: 24, height: 16, channels: 3)
        return [
            ("seed.png", try ImageEncoder.png(colour)),
            ("seed-grey.png", try ImageEncoder.png(colour.grey())),
            ("seed.jpg", Fixtures.jpeg(colour)),
            ("seed-grey.jpg", Fixtures.jpeg(colour.grey())),
            ("seed-exif.jpg", ExifOrientationTests.tagged(Fixtures.jpeg(colour), ExifOrientationTests.exifSegment(6, littleEndian: true))),
            ("seed.ppm", ImageEncoder.pgm(colour)),
            ("seed.pgm", Array("P2\n# grey\n4 2\n15\n0 1 2 3\n15 14 13 12\n".utf8)),
            ("seed.pbm", Array("P4 9 2\n".utf8) + [0xA5, 0x80, 0x5A, 0x00]),
        ]
    }

    /// Flips, overwrites, truncates, inserts or deletes bytes.
    static func mutate(_ bytes: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var out = bytes
        let edits = Int.random(in: 1...4, using: &generator)
        for _ in 0..<edits where !out.isEmpty {
            // Aim half the edits at the first 64 bytes, where the headers are.
            let span = Bool.random(using: &generator) ? min(out.count, 64) : out.count
            let index = Int.random(in: 0..<span, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: out[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
            case 1: out[index] = UInt8.random(in: 0...255, using: &generator)
            case 2: out.removeSubrange(index...)
            case 3: out.insert(UInt8.random(in: 0...255, using: &generator), at: index)
            default: out.remove(at: index)
            }
        }
        return out
    }

    @Test("300 seeded mutations either decode consistently or throw SimDBError")
    func mutations() throws {
        let seeds = try Self.seeds()
        try #require(seeds.allSatisfy { !$0.bytes.isEmpty })
        let decoder = ImageDecoder(maximumPixelCount: 1_000_000)
        var generator = SplitMix64(seed: 0x5EED_1234)
        var decoded = 0
        var refused = 0
        for iteration in 0..<300 {
            let seed = seeds[iteration % seeds.count]
            let mutated = Self.mutate(seed.bytes, using: &generator)
            do {
                let image = try decoder.decode(mutated, name: seed.name)
                expectConsistent(image)
                decoded += 1
            } catch let error as SimDBError {
                #expect(error.code == .badImage || error.code == .imageTooLarge, "\(error.message)")
                #expect(error.message.hasPrefix("\(seed.name): "), "\(error.message)")
                refused += 1
            } catch {
                Issue.record("iteration \(iteration): unexpected error \(error)")
            }
        }
        // Both outcomes occur: the mutations are neither all harmless nor all fatal.
        #expect(decoded > 0 && refused > 0, "decoded \(decoded), refused \(refused)")
    }

    @Test("every strict prefix is refused, except cuts that lose no pixel data")
    func everyPrefix() throws {
        let decoder = ImageDecoder()
        for (name, bytes) in try Self.seeds() {
            // Losing the PNG IEND chunk, or the end of the last ASCII sample, cannot be detected.
            let firstUndetectable = name.hasSuffix(".png") ? bytes.count - 12
                : name == "seed.pgm" ? bytes.count - 2 : bytes.count
            for cut in 0..<bytes.count {
                do {
                    let image = try decoder.decode(Array(bytes[..<cut]), name: name)
                    expectConsistent(image)
                    #expect(cut >= firstUndetectable, "\(name) cut at \(cut) of \(bytes.count) decoded")
                } catch let error as SimDBError {
                    #expect(error.code == .badImage, "\(error.message)")
                }
            }
        }
    }
}
