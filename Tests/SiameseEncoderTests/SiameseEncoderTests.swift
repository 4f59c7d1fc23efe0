import Foundation
import SimDBCore
import Testing
@testable import SiameseEncoder
@testable import SimDBModel

@Suite("Siamese encoder")
struct SiameseEncoderTests {
    static let design = Architecture(
        input: ImageInputSpec(width: 12, height: 12, channels: 3, fit: .centerCrop),
        layers: [.conv(channels: 4, kernel: 3, stride: 1, padding: 1), .relu, .maxPool(kernel: 2, stride: 2),
                 .flatten, .linear(features: 6), .l2Normalize])

    func image(_ seed: UInt64) -> Image {
        var rng = SplitMix64(seed: seed)
        return Image(width: 12, height: 12, channels: 3, pixels: (0..<432).map { _ in Float.random(in: 0...1, using: &rng) })
    }

    @Test("Loads from a model file; unit-length, deterministic, batch-independent embeddings")
    func encode() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("siamese-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile.write(try Self.design.build(seed: 4), header: ModelHeader(encoder: "tiny-twin/1", thresholds: ["l2": 0.7]),
                            to: path)
        let encoder = try SiameseEncoder(contentsOf: path)
        #expect(encoder.identifier == "tiny-twin/1" && encoder.dimension == 6)
        #expect(encoder.input == Self.design.input)
        #expect(encoder.defaultThreshold(for: "l2") == 0.7 && encoder.defaultThreshold(for: "ip") == nil)
        let images = (0..<70).map { image(UInt64($0)) }  // more than one chunk
        let batch = try encoder.encode(images)
        #expect(batch.count == 70)
        for row in [0, 63, 64, 69] {
            let norm = batch.vector(at: row).reduce(0) { $0 + $1 * $1 }
            #expect(abs(norm - 1) < 1e-4)
        }
        let single = try encoder.encode([images[65]]).vector(at: 0)
        let worst = zip(single, batch.vector(at: 65)).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-5)
        let wrong = Image(width: 10, height: 12, channels: 3, pixels: Array(repeating: 0, count: 360))
        #expect(throws: SimDBError.self) { try encoder.encode([wrong]) }
    }

    @Test("Channel layout: a colour change moves the embedding")
    func channels() throws {
        let encoder = try SiameseEncoder(network: try Self.design.build(seed: 1), header: ModelHeader(encoder: "tiny-twin/1"))
        var red = image(1), blue = red
        for i in stride(from: 0, to: red.pixels.count, by: 3) { red.pixels[i] = 1; blue.pixels[i + 2] = 1 }
        let batch = try encoder.encode([red, blue])
        #expect(batch.vector(at: 0) != batch.vector(at: 1))
        #expect(throws: SimDBError.self) {
            try SiameseEncoder(network: try Self.design.build(seed: 1), header: ModelHeader(encoder: "no-version"))
        }
    }

    @Test("A siamese-face/2 file, which predates the face margin field, frames faces as that model did; others as recorded")
    func olderModelFraming() throws {
        let older = try SiameseEncoder(network: try Self.design.build(seed: 1), header: ModelHeader(encoder: "siamese-face/2"))
        #expect(older.input == Self.design.input.withFaceMargin(0.087))
        let other = try SiameseEncoder(network: try Self.design.build(seed: 1), header: ModelHeader(encoder: "siamese-face/9"))
        #expect(other.input.faceMargin == nil)
    }
}
