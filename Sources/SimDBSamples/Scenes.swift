import Foundation
import SimDBCore
import SimDBImageIO

/// Larger pictures made by pasting pictures of faces into generated scenes: stand-ins for
/// ordinary photos (a person somewhere in a frame, at some size, among clutter) built from
/// face sets that are already cropped. The background is seeded, so a scene is reproducible.
public enum Scenes {
    /// The default scene size, a VGA photo.
    public static let width = 640, height = 480

    /// A generated background: a colour gradient under a few dozen random rectangles and
    /// ellipses of random colour, with mild noise. RGB.
    public static func background(width: Int = Scenes.width, height: Int = Scenes.height, seed: UInt64) -> Image {
        var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        let corner = (0..<6).map { _ in Float.random(in: 0.1...0.9, using: &random) }
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let u = Float(x) / Float(width), v = Float(y) / Float(height)
                for c in 0..<3 { pixels[(y * width + x) * 3 + c] = corner[c] * (1 - u) * (1 - v / 2) + corner[c + 3] * u + 0.1 * v }
            }
        }
        for _ in 0..<Int.random(in: 20...40, using: &random) {
            let colour = (0..<3).map { _ in Float.random(in: 0...1, using: &random) }
            let w = Int.random(in: 10...(width / 3), using: &random), h = Int.random(in: 10...(height / 3), using: &random)
            let x0 = Int.random(in: -w / 2...(width - w / 2), using: &random)
            let y0 = Int.random(in: -h / 2...(height - h / 2), using: &random)
            let ellipse = Bool.random(using: &random)
            for y in max(0, y0)..<min(height, y0 + h) {
                for x in max(0, x0)..<min(width, x0 + w) {
                    if ellipse {
                        let ex = (Float(x - x0) + 0.5) / Float(w) * 2 - 1, ey = (Float(y - y0) + 0.5) / Float(h) * 2 - 1
                        if ex * ex + ey * ey > 1 { continue }
                    }
                    for c in 0..<3 { pixels[(y * width + x) * 3 + c] = colour[c] }
                }
            }
        }
        for i in pixels.indices { pixels[i] = min(1, max(0, pixels[i] + Float.random(in: -0.03...0.03, using: &random))) }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// The height `picture` has when resized to `side` pixels wide, its aspect kept.
    static func pastedHeight(of picture: Image, side: Int) -> Int {
        max(1, Int((Float(picture.height) * Float(side) / Float(picture.width)).rounded()))
    }

    /// Pastes `picture` into `scene`, resized to `side` pixels wide (its aspect kept), with its
    /// top-left corner at (`x`, `y`); parts outside the scene are cut off.
    /// - Returns: where it went.
    @discardableResult
    public static func paste(_ picture: Image, side: Int, at x: Int, _ y: Int, into scene: inout Image) -> PixelBox {
        let height = pastedHeight(of: picture, side: side)
        let resized = picture.withChannels(scene.channels).resized(width: side, height: height)
        for row in max(0, y)..<min(scene.height, y + height) {
            for column in max(0, x)..<min(scene.width, x + side) {
                for c in 0..<scene.channels {
                    scene.pixels[(row * scene.width + column) * scene.channels + c] = resized[column - x, row - y, c]
                }
            }
        }
        return PixelBox(x: x, y: y, width: side, height: height)
    }

    /// A scene holding `pictures` side by side, each at a random size and place within its own
    /// column of the frame (so they never overlap), over ``background(width:height:seed:)``.
    /// - Parameters:
    ///   - pictures: pictures of faces (square crops, such as LFW's).
    ///   - sizes: the range of widths each picture is pasted at.
    ///   - seed: chooses the background, the sizes and the places.
    /// - Returns: the scene and where each picture went.
    public static func scene(with pictures: [Image], sizes: ClosedRange<Int> = 110...260, seed: UInt64,
                             width: Int = Scenes.width, height: Int = Scenes.height) -> (image: Image, places: [PixelBox]) {
        var random = SplitMix64(seed: seed &+ 0x5EED)
        var image = background(width: width, height: height, seed: seed)
        var places: [PixelBox] = []
        let column = width / max(1, pictures.count)
        for (index, picture) in pictures.enumerated() {
            let side = min(Int.random(in: sizes, using: &random), column, height)
            let x = index * column + Int.random(in: 0...(column - side), using: &random)
            let y = Int.random(in: 0...max(0, height - pastedHeight(of: picture, side: side)), using: &random)
            places.append(paste(picture, side: side, at: x, y, into: &image))
        }
        return (image, places)
    }
}
