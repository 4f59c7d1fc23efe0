import Foundation
import SimDBCore
import SimDBImageIO
import Testing

@Suite("Face alignment")
struct AlignTests {
    @Test("upright with no margin over the whole image, the crop is the image itself")
    func identity() {
        let image = Fixtures.gradient(width: 40, height: 40, channels: 3)
        let aligned = image.alignedFace(box: PixelBox(x: 0, y: 0, width: 40, height: 40), eyes: nil, margin: 0, size: 40)
        #expect(zip(aligned.pixels, image.pixels).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// A black picture with two white dots, the eyes, the right one lower by `drop` pixels.
    func dots(drop: Int) -> (Image, (left: (x: Float, y: Float), right: (x: Float, y: Float))) {
        var pixels = [Float](repeating: 0, count: 120 * 120)
        let eyes = ((x: 45, y: 50), (x: 75, y: 50 + drop))
        for (cx, cy) in [eyes.0, eyes.1] {
            for y in (cy - 1)...(cy + 1) { for x in (cx - 1)...(cx + 1) { pixels[y * 120 + x] = 1 } }
        }
        return (Image(width: 120, height: 120, channels: 1, pixels: pixels),
                ((Float(eyes.0.x) + 0.5, Float(eyes.0.y) + 0.5), (Float(eyes.1.x) + 0.5, Float(eyes.1.y) + 0.5)))
    }

    /// The row of the brightest pixel in columns `range`.
    func brightestRow(_ image: Image, columns range: Range<Int>) -> Int {
        var best = (value: Float(-1), row: 0)
        for y in 0..<image.height { for x in range where image[x, y, 0] > best.value { best = (image[x, y, 0], y) } }
        return best.row
    }

    @Test("tilted eyes come out level; without eyes the tilt stays", arguments: [-14, 9, 20])
    func levelsTheEyes(drop: Int) {
        let (image, eyes) = dots(drop: drop)
        let box = PixelBox(x: 30, y: 30, width: 60, height: 60)
        let aligned = image.alignedFace(box: box, eyes: eyes, margin: 0.2, size: 72)
        let left = brightestRow(aligned, columns: 0..<36), right = brightestRow(aligned, columns: 36..<72)
        #expect(abs(left - right) <= 1, "drop \(drop): rows \(left) and \(right)")
        let upright = image.alignedFace(box: box, eyes: nil, margin: 0.2, size: 72)
        let tilt = brightestRow(upright, columns: 36..<72) - brightestRow(upright, columns: 0..<36)
        // The region is 84 source pixels wide, sampled to 72.
        #expect(abs(Float(tilt) - Float(drop) * 72 / 84) <= 1.5, "drop \(drop): upright tilt \(tilt)")
    }

    @Test("a box reaching outside the image repeats its edges; a large face is shrunk before sampling")
    func edgesAndShrinking() {
        let image = Fixtures.gradient(width: 50, height: 30, channels: 1)
        let outside = image.alignedFace(box: PixelBox(x: -20, y: -10, width: 40, height: 40), eyes: nil, margin: 0.5, size: 64)
        #expect(outside.width == 64 && outside.pixels.allSatisfy { (0...1).contains($0) })
        #expect(outside[0, 0, 0] == image[0, 0, 0])
        let flat = Image(width: 900, height: 900, channels: 1, pixels: [Float](repeating: 0.25, count: 810_000))
        let small = flat.alignedFace(box: PixelBox(x: 100, y: 100, width: 700, height: 700), eyes: nil, margin: 0, size: 32)
        #expect(small.pixels.allSatisfy { abs($0 - 0.25) < 1e-4 })
    }
}
