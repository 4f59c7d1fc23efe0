import Foundation
import SimDBCore
import SimDBNN
import Testing
@testable import SimDBModel

@Suite("Architectures and model files")
struct ModelFileTests {
    /// A small design that exercises every stage kind.
    static let small = Architecture(
        input: ImageInputSpec(width: 16, height: 16, channels: 1, fit: .stretch),
        layers: [.conv(channels: 4, kernel: 3, stride: 1, padding: 1), .batchNorm, .relu, .maxPool(kernel: 2, stride: 2),
                 .flatten, .linear(features: 16), .batchNorm, .relu, .dropout(rate: 0.1), .linear(features: 8), .l2Normalize])

    func input(seed: UInt64, count: Int = 3) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: [count, 1, 16, 16], scalars: (0..<(count * 256)).map { _ in Float.random(in: 0...1, using: &rng) })
    }

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("simdb-model-\(UUID().uuidString).simdbmodel").path
    }

    @Test("Shapes are inferred; the reference design has 2.26 M parameters")
    func shapes() throws {
        #expect(try Self.small.embeddingDimension() == 8)
        let reference = try Architecture.reference().build(seed: 1)
        #expect(reference.embeddingDimension == 128)
        let count = reference.parameters.reduce(0) { $0 + $1.value.count }
        #expect(count == 2_256_256)  // 832 + 51,264 + 73,856 + 2,097,408 + 32,896
        let broken = Architecture(input: Self.small.input, layers: [.linear(features: 3)])
        #expect(throws: SimDBError.self) { try broken.build(seed: 1) }
        let tooBig = Architecture(input: Self.small.input, layers: [.conv(channels: 2, kernel: 20, stride: 1, padding: 0)])
        #expect(throws: SimDBError.self) { try tooBig.outputShapes() }
    }

    @Test("Every preset builds at 64×64 grey into a 128-d embedding; vgg-bn has 1.66 M parameters")
    func presets() throws {
        #expect(Set(Architecture.presets.keys) == ["reference", "reference-bn", "vgg-bn"])
        for (name, make) in Architecture.presets {
            let network = try make(64, 1, 128).build(seed: 1)
            #expect(network.embeddingDimension == 128, "\(name)")
        }
        let vgg = try Architecture.vggWithBatchNorm().build(seed: 1)
        let count = vgg.parameters.reduce(0) { $0 + $1.value.count }
        // Convolutions 572,352; batch-norm scales and shifts 1,344 + 512; FC 1,048,832 + 32,896.
        #expect(count == 1_655_936)
    }

    @Test("Seeded builds are reproducible")
    func seeded() throws {
        let a = try Self.small.build(seed: 7), b = try Self.small.build(seed: 7), c = try Self.small.build(seed: 8)
        #expect(a.state == b.state)
        #expect(a.state != c.state)
    }

    @Test("A written model reads back with identical embeddings", arguments: [ModelFile.Storage.float32, .float16])
    func roundTrip(storage: ModelFile.Storage) throws {
        let network = try Self.small.build(seed: 3)
        // Move the batch-norm running statistics away from their defaults so they are checked.
        _ = network.body.forward(input(seed: 1, count: 8), training: true)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let header = ModelHeader(encoder: "test-net/1", thresholds: ["l2": 0.8], storage: storage, training: ["epochs": "3"])
        try ModelFile.write(network, header: header, to: path)
        let (loaded, readHeader) = try ModelFile.read(from: path)
        #expect(readHeader.encoder == "test-net/1" && readHeader.thresholds == ["l2": 0.8])
        #expect(readHeader.architecture == Self.small)
        let probe = input(seed: 2)
        let expected = network.embed(probe), actual = loaded.embed(probe)
        let worst = zip(expected.scalars, actual.scalars).map { abs($0 - $1) }.max() ?? 1
        #expect(worst <= (storage == .float32 ? 0 : 5e-3))
    }

    @Test("Damaged files are clear errors")
    func damaged() throws {
        let network = try Self.small.build(seed: 3)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelFile.write(network, header: ModelHeader(encoder: "test-net/1"), to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        var flipped = good
        flipped[good.count / 2] ^= 0x01
        let cases: [(String, Data, SimDBError.Code)] = [
            ("flipped", flipped, .corruptStore),
            ("truncated", good.prefix(good.count - 100), .corruptStore),
            ("tiny", good.prefix(10), .corruptStore),
            ("garbage", Data(repeating: 7, count: 4096), .corruptStore),
            ("empty", Data(), .corruptStore),
        ]
        for (name, bytes, code) in cases {
            try bytes.write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SimDBError.self, "\(name)") { try ModelFile.read(from: path) }
            #expect(error?.code == code, "\(name): \(String(describing: error))")
            #expect(error?.message.contains(path) == true)
        }
        let missing = #expect(throws: SimDBError.self) { try ModelFile.read(from: path + ".absent") }
        #expect(missing?.code == .notFound)
    }
}

@Suite("Mirror-averaged embeddings")
struct MirrorAverageTests {
    func mirrored(_ batch: Tensor) -> Tensor {
        let width = batch.shape[3], rows = batch.scalars.count / width
        return Tensor(shape: batch.shape, scalars: (0..<rows).flatMap { row in
            (0..<width).map { batch.scalars[row * width + width - 1 - $0] }
        })
    }

    @Test("the embedding of a picture and of its mirror image are the same, unit length, and not the plain one")
    func invariant() throws {
        let network = try ModelFileTests.small.build(seed: 3)
        let batch = ModelFileTests().input(seed: 4)
        let averaged = network.embed(batch, mirrorAverage: true)
        let ofMirror = network.embed(mirrored(batch), mirrorAverage: true)
        #expect(averaged.shape == [3, 8])
        #expect(zip(averaged.scalars, ofMirror.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
        for row in 0..<3 {
            let norm = (0..<8).reduce(Float(0)) { $0 + averaged.scalars[row * 8 + $1] * averaged.scalars[row * 8 + $1] }
            #expect(abs(norm - 1) < 1e-4)
        }
        let plain = network.embed(batch)
        #expect(zip(averaged.scalars, plain.scalars).contains { abs($0 - $1) > 1e-3 })
        // The sum of the two plain embeddings, normalised.
        let flipped = network.embed(mirrored(batch))
        let sum = zip(plain.scalars, flipped.scalars).map(+)
        let norm = sum[0..<8].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(averaged.scalars[0] - sum[0] / norm) < 1e-5)
    }
}
