import SimDBCore
import Testing
@testable import PixelsEncoder

@Suite("Pixels encoder")
struct PixelsEncoderTests {
    func image(_ f: (Int, Int) -> Float) -> Image {
        var pixels: [Float] = []
        for y in 0..<32 { for x in 0..<32 { pixels.append(f(x, y)) } }
        return Image(width: 32, height: 32, channels: 1, pixels: pixels)
    }

    @Test("Embeddings are zero-mean and unit-norm")
    func normalised() throws {
        let batch = try PixelsEncoder().encode([image { x, y in Float(x + 2 * y) / 100 }])
        let vector = batch.vector(at: 0)
        #expect(vector.count == 1024)
        #expect(abs(vector.reduce(0, +)) < 1e-4)
        #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
    }

    @Test("Brightness and contrast changes do not change the embedding")
    func invariantToAffineIntensity() throws {
        let base = image { x, y in Float((x * 7 + y * 3) % 11) / 20 }
        var brighter = base
        brighter.pixels = base.pixels.map { $0 * 1.5 + 0.1 }
        let batch = try PixelsEncoder().encode([base, brighter])
        #expect(SquaredL2Metric().distance(batch.vector(at: 0), batch.vector(at: 1)) < 1e-8)
    }

    @Test("Blank images are refused, even with rounding noise", arguments: [0.0, 0.5, 1.0])
    func blankImages(level: Float) throws {
        let flat = image { _, _ in level }
        let error = #expect(throws: SimDBError.self) { try PixelsEncoder().encode([flat]) }
        #expect(error?.code == .badImage)
        // Noise far below one grey level, as resizing a constant image leaves, is still blank.
        let noisy = image { x, y in min(1, max(0, level + Float((x * 31 + y * 17) % 7) * 1e-6)) }
        #expect(throws: SimDBError.self) { try PixelsEncoder().encode([noisy]) }
        // A couple of grey levels of structure is a picture.
        let faint = image { x, _ in min(1, max(0, level + (x % 2 == 0 ? 2 : -2) / 255)) }
        #expect(try PixelsEncoder().encode([faint]).count == 1)
    }

    @Test("Deterministic, batch-independent and input-checked")
    func deterministic() throws {
        let a = image { x, _ in Float(x) / 32 }, b = image { _, y in Float(y) / 32 }
        let encoder = PixelsEncoder()
        let together = try encoder.encode([a, b])
        #expect(together.vector(at: 1) == (try encoder.encode([b])).vector(at: 0))
        #expect(together.vector(at: 0) == (try encoder.encode([a])).vector(at: 0))
        let wrong = Image(width: 16, height: 16, channels: 1, pixels: Array(repeating: 0, count: 256))
        #expect(throws: SimDBError.self) { try encoder.encode([wrong]) }
    }

    @Test("Identity and thresholds are consistent across metrics")
    func identity() {
        let encoder = PixelsEncoder()
        #expect(encoder.identifier == "pixels/1")
        #expect(encoder.input == ImageInputSpec(width: 32, height: 32, channels: 1, fit: .stretch))
        let l2 = encoder.defaultThreshold(for: "l2") ?? 0
        #expect(l2 > 0 && l2 < 4)
        #expect(encoder.defaultThreshold(for: "cosine") == l2 / 2)
        #expect(encoder.defaultThreshold(for: "hamming") == nil)
    }
}
