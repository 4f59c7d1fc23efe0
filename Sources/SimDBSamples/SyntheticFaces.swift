import Foundation
import SimDBCore
import SimDBImageIO

/// Deterministic synthetic "people" for demos and tests.
///
/// Each person is a few smooth blobs drawn from a generator seeded by the person's number; each
/// picture of them shifts the blobs slightly and changes brightness, contrast and noise. They have
/// enough structure for the pixel baseline to tell people apart, so the demo and the tests need
/// no third-party images. They are not faces: no accuracy figure is ever quoted on them.
public enum SyntheticFaces {
    /// The pictures' width and height.
    public static let side = 48

    /// Picture `index` of person `person`, as PNG bytes.
    /// - Throws: what the PNG encoder throws.
    public static func png(person: Int, index: Int) throws -> [UInt8] {
        try ImageEncoder.png(image(person: person, index: index))
    }

    /// Picture `index` of person `person`: grey, ``side`` × ``side``.
    public static func image(person: Int, index: Int) -> Image {
        var identity = SplitMix64(seed: UInt64(person) &* 7919 &+ 17)
        let blobs = (0..<6).map { _ in
            (x: Float.random(in: 8...40, using: &identity), y: Float.random(in: 8...40, using: &identity),
             radius: Float.random(in: 4...12, using: &identity), weight: Float.random(in: -1...1, using: &identity))
        }
        var variation = SplitMix64(seed: UInt64(person) &* 104_729 &+ UInt64(index) &* 31 &+ 5)
        let dx = Float.random(in: -1.5...1.5, using: &variation), dy = Float.random(in: -1.5...1.5, using: &variation)
        let gain = Float.random(in: 0.8...1.2, using: &variation), offset = Float.random(in: -0.1...0.1, using: &variation)
        var pixels: [Float] = []
        pixels.reserveCapacity(side * side)
        for y in 0..<side {
            for x in 0..<side {
                var value: Float = 0
                for blob in blobs {
                    let ex = Float(x) - blob.x - dx, ey = Float(y) - blob.y - dy
                    value += blob.weight * exp(-(ex * ex + ey * ey) / (2 * blob.radius * blob.radius))
                }
                let noise = Float.random(in: -0.02...0.02, using: &variation)
                pixels.append(min(1, max(0, 0.5 + gain * 0.35 * value + offset + noise)))
            }
        }
        return Image(width: side, height: side, channels: 1, pixels: pixels)
    }
}

