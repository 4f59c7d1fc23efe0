import Foundation
import SimDBCore

/// An 8-bit grey picture: what cascades are trained on and evaluated over.
public struct GreyImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major samples, 0...255.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "pixels must hold width * height samples")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The grey version of `image`: its samples back to 8 bits, and colour mixed as OpenCV's
    /// `cvtColor(RGB2GRAY)` does (0.299 R + 0.587 G + 0.114 B, in 14-bit fixed point).
    public init(_ image: Image) {
        let count = image.width * image.height
        var pixels = [UInt8](repeating: 0, count: count)
        image.pixels.withUnsafeBufferPointer { source in
            func byte(_ value: Float) -> Int { Int((min(max(value, 0), 1) * 255).rounded()) }
            if image.channels == 1 {
                for index in 0..<count { pixels[index] = UInt8(byte(source[index])) }
            } else {
                for index in 0..<count {
                    let base = index * image.channels
                    let mixed = byte(source[base]) * 4899 + byte(source[base + 1]) * 9617 + byte(source[base + 2]) * 1868
                    pixels[index] = UInt8((mixed + 8192) >> 14)
                }
            }
        }
        self.init(width: image.width, height: image.height, pixels: pixels)
    }

    /// Resized to `width` x `height` by bilinear interpolation, sampling at pixel centres with
    /// edges clamped (OpenCV's `INTER_LINEAR` convention).
    public func resized(width newWidth: Int, height newHeight: Int) -> GreyImage {
        if newWidth == width && newHeight == height { return self }
        let xs = Self.taps(from: width, to: newWidth), ys = Self.taps(from: height, to: newHeight)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        pixels.withUnsafeBufferPointer { source in
            for y in 0..<newHeight {
                let (y0, y1, wy) = ys[y]
                let row0 = y0 * width, row1 = y1 * width
                for x in 0..<newWidth {
                    let (x0, x1, wx) = xs[x]
                    let top = Float(source[row0 + x0]) * (1 - wx) + Float(source[row0 + x1]) * wx
                    let bottom = Float(source[row1 + x0]) * (1 - wx) + Float(source[row1 + x1]) * wx
                    out[y * newWidth + x] = UInt8(min(255, (top * (1 - wy) + bottom * wy).rounded()))
                }
            }
        }
        return GreyImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// For each output coordinate: the two source samples and the weight of the second.
    private static func taps(from source: Int, to target: Int) -> [(Int, Int, Float)] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { index in
            let position = (Double(index) + 0.5) * scale - 0.5
            var first = Int(position.rounded(.down)), weight = Float(position - Double(first))
            if first < 0 { first = 0; weight = 0 }
            if first >= source - 1 { first = source - 1; weight = 0 }
            return (first, min(first + 1, source - 1), weight)
        }
    }

    /// A copy with `border` pixels added on every side, repeating the edge samples (OpenCV's
    /// `BORDER_REPLICATE`): room for a detection window around a face cropped tight.
    public func padded(by border: Int) -> GreyImage {
        guard border > 0 else { return self }
        let newWidth = width + 2 * border, newHeight = height + 2 * border
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        for y in 0..<newHeight {
            let sourceRow = min(max(y - border, 0), height - 1) * width
            for x in 0..<newWidth {
                out[y * newWidth + x] = pixels[sourceRow + min(max(x - border, 0), width - 1)]
            }
        }
        return GreyImage(width: newWidth, height: newHeight, pixels: out)
    }
}

extension GreyImage {
    /// The picture shrunk, its shape kept, so that its larger side is `side` pixels, or itself
    /// when it is no larger. Where it shrinks by 2 or more, blocks of whole pixels are averaged
    /// first (so that no detail is skipped over: bilinear sampling alone would read 4 pixels of
    /// every 16 at a quarter of the size); the rest is bilinear, as between the cascade's scales.
    public func shrunk(toLargerSide side: Int) -> GreyImage {
        precondition(side > 0, "the side must be positive")
        let larger = max(width, height)
        guard larger > side else { return self }
        let size = (width: max(1, Int((Double(width) * Double(side) / Double(larger)).rounded())),
                    height: max(1, Int((Double(height) * Double(side) / Double(larger)).rounded())))
        let block = min(larger / side, width, height)
        guard block >= 2 else { return resized(width: size.width, height: size.height) }
        let blocked = (width: width / block, height: height / block)
        var sums = [Int](repeating: 0, count: blocked.width * blocked.height)
        for y in 0..<(blocked.height * block) {
            let row = (y / block) * blocked.width
            for x in 0..<(blocked.width * block) { sums[row + x / block] += Int(pixels[y * width + x]) }
        }
        let count = block * block
        let averaged = GreyImage(width: blocked.width, height: blocked.height,
                                 pixels: sums.map { UInt8(($0 + count / 2) / count) })
        return averaged.resized(width: size.width, height: size.height)
    }

    /// The picture with its histogram equalized as OpenCV's `equalizeHist` does: each sample
    /// value mapped to 255 times the share of the samples above the darkest value that are at
    /// most it (rounded), so that a dark or washed-out picture spreads over the whole range. A
    /// picture of one value is left as it is.
    public func equalized() -> GreyImage {
        var histogram = [Int](repeating: 0, count: 256)
        for value in pixels { histogram[Int(value)] += 1 }
        guard let darkest = histogram.firstIndex(where: { $0 > 0 }), histogram[darkest] < pixels.count else { return self }
        let scale = 255 / Float(pixels.count - histogram[darkest])
        var table = [UInt8](repeating: 0, count: 256)
        var below = 0
        for value in (darkest + 1)..<256 {
            below += histogram[value]
            table[value] = UInt8(min(255, (Float(below) * scale).rounded(.toNearestOrEven)))
        }
        return GreyImage(width: width, height: height, pixels: pixels.map { table[Int($0)] })
    }

    /// The picture mirrored left to right.
    public func mirrored() -> GreyImage {
        var out = pixels
        for y in 0..<height {
            let row = y * width
            for x in 0..<width { out[row + x] = pixels[row + width - 1 - x] }
        }
        return GreyImage(width: width, height: height, pixels: out)
    }

    /// The part of the picture inside `box`, clipped to the picture; `nil` when nothing is left.
    public func cropped(to box: PixelBox) -> GreyImage? {
        let left = max(box.x, 0), top = max(box.y, 0)
        let right = min(box.x + box.width, width), bottom = min(box.y + box.height, height)
        guard right > left, bottom > top else { return nil }
        var out = [UInt8]()
        out.reserveCapacity((right - left) * (bottom - top))
        for y in top..<bottom { out += pixels[(y * width + left)..<(y * width + right)] }
        return GreyImage(width: right - left, height: bottom - top, pixels: out)
    }

    /// The part of the picture inside `box`, whole: beyond the picture the nearest edge sample is
    /// repeated, as ``padded(by:)`` does. `box` must not be empty.
    public func region(_ box: PixelBox) -> GreyImage {
        precondition(box.width > 0 && box.height > 0 && width > 0 && height > 0, "an empty region")
        let columns = (0..<box.width).map { min(max(box.x + $0, 0), width - 1) }
        var out = [UInt8]()
        out.reserveCapacity(box.width * box.height)
        for y in 0..<box.height {
            let row = min(max(box.y + y, 0), height - 1) * width
            for x in columns { out.append(pixels[row + x]) }
        }
        return GreyImage(width: box.width, height: box.height, pixels: out)
    }
}

extension GreyImage {
    /// The picture turned by `angle` radians about its centre, the same size; a positive angle
    /// turns what it shows anticlockwise as seen on screen (rows run downwards). Samples are
    /// bilinear; beyond the picture the nearest edge sample is repeated, as ``padded(by:)`` does.
    public func turned(by angle: Float) -> GreyImage {
        guard angle != 0 else { return self }
        let turn = Turn(angle: angle, width: width, height: height)
        var out = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { source in
            func sample(_ x: Int, _ y: Int) -> Float {
                Float(source[min(max(y, 0), height - 1) * width + min(max(x, 0), width - 1)])
            }
            for row in 0..<height {
                for column in 0..<width {
                    // The source point of this pixel's centre, in pixel-centre coordinates.
                    let point = turn.pointBefore((Float(column) + 0.5, Float(row) + 0.5))
                    let x = point.x - 0.5, y = point.y - 0.5
                    let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
                    let wx = x - Float(x0), wy = y - Float(y0)
                    let top = sample(x0, y0) * (1 - wx) + sample(x0 + 1, y0) * wx
                    let bottom = sample(x0, y0 + 1) * (1 - wx) + sample(x0 + 1, y0 + 1) * wx
                    out[row * width + column] = UInt8(min(255, max(0, (top * (1 - wy) + bottom * wy).rounded())))
                }
            }
        }
        return GreyImage(width: width, height: height, pixels: out)
    }

    /// Where a point of ``turned(by:)``'s result (`angle` the same) lies in this picture.
    public func pointBeforeTurn(_ point: (x: Float, y: Float), by angle: Float) -> (x: Float, y: Float) {
        Turn(angle: angle, width: width, height: height).pointBefore(point)
    }
}

/// A turn about a picture's centre, its sine and cosine worked out once.
private struct Turn {
    let cosine: Float, sine: Float, centreX: Float, centreY: Float

    init(angle: Float, width: Int, height: Int) {
        (cosine, sine) = (cos(angle), sin(angle))
        (centreX, centreY) = (Float(width) / 2, Float(height) / 2)
    }

    /// Where a point of the turned picture was before the turn.
    func pointBefore(_ point: (x: Float, y: Float)) -> (x: Float, y: Float) {
        let dx = point.x - centreX, dy = point.y - centreY
        return (centreX + cosine * dx - sine * dy, centreY + sine * dx + cosine * dy)
    }
}
