import Foundation
import SimDBCore

extension Image {
    /// The steepest eye line believed: a frontal-face cascade finds faces within about 15° of
    /// upright, so a steeper line joins something other than the two eyes.
    public static let maximumEyeAngle: Float = .pi / 6

    /// An encoder of faces' input cut around `face`: channels converted, the eyes levelled (when
    /// found, and their line is within ``maximumEyeAngle``), a square `1 + 2 × spec.faceMargin`
    /// times the box's width, resized to the spec's size.
    public func preparedFace(_ face: DetectedFace, for spec: ImageInputSpec) -> Image {
        let eyes = face.eyes.flatMap { eyes in
            abs(atan2(eyes.right.y - eyes.left.y, eyes.right.x - eyes.left.x)) <= Self.maximumEyeAngle ? eyes : nil
        }
        let square = withChannels(spec.channels).alignedFace(box: face.box, eyes: eyes, margin: spec.faceMargin ?? 0,
                                                             size: max(spec.width, spec.height))
        return square.width == spec.width && square.height == spec.height
            ? square : square.resized(width: spec.width, height: spec.height)
    }

    /// A square region around a face, turned so that the eyes are level, sampled to
    /// `size × size`.
    ///
    /// The region is centred on the face box's centre and is `(1 + 2 × margin)` times its width
    /// on each side. With eyes, it is turned about that centre by the angle of the line from the
    /// left eye to the right one, so that line comes out horizontal. Samples are read by bilinear
    /// interpolation; outside the image the nearest edge pixel is repeated. When the output is
    /// much smaller than the region, the image should be shrunk first (``resized(width:height:)``
    /// averages) so that this does not alias: ``alignedFace(box:eyes:margin:size:)`` does that.
    /// - Parameters:
    ///   - box: the face, in this image's pixels.
    ///   - eyes: the eyes' centres (on the image's left, on its right), or `nil` to keep upright.
    ///   - margin: how much of the box's width to add on each side (0.2 adds a fifth).
    ///   - size: the output's width and height.
    public func alignedFace(box: PixelBox, eyes: (left: (x: Float, y: Float), right: (x: Float, y: Float))?,
                            margin: Float, size: Int) -> Image {
        precondition(size > 0 && box.width > 0 && box.height > 0, "sizes must be positive")
        let side = Float(box.width) * (1 + 2 * margin)
        // Shrink first so that each output pixel covers about one source pixel.
        let shrink = side / Float(size)
        if shrink > 2 {
            let factor = shrink / 1.5
            let small = resized(width: max(1, Int((Float(width) / factor).rounded())),
                                height: max(1, Int((Float(height) / factor).rounded())))
            let scaleX = Float(small.width) / Float(width), scaleY = Float(small.height) / Float(height)
            let scaledBox = PixelBox(x: Int((Float(box.x) * scaleX).rounded()), y: Int((Float(box.y) * scaleY).rounded()),
                                     width: max(1, Int((Float(box.width) * scaleX).rounded())),
                                     height: max(1, Int((Float(box.height) * scaleY).rounded())))
            let scaledEyes = eyes.map { (left: (x: $0.left.x * scaleX, y: $0.left.y * scaleY),
                                         right: (x: $0.right.x * scaleX, y: $0.right.y * scaleY)) }
            return small.alignedFace(box: scaledBox, eyes: scaledEyes, margin: margin, size: size)
        }
        let angle = eyes.map { atan2($0.right.y - $0.left.y, $0.right.x - $0.left.x) } ?? 0
        let (cosine, sine) = (cos(angle), sin(angle))
        let centre = (x: Float(box.x) + Float(box.width) / 2, y: Float(box.y) + Float(box.height) / 2)
        let step = side / Float(size)
        var out = [Float](repeating: 0, count: size * size * channels)
        for v in 0..<size {
            for u in 0..<size {
                // The output pixel's offset from the centre, turned by the eyes' angle.
                let dx = (Float(u) + 0.5) * step - side / 2, dy = (Float(v) + 0.5) * step - side / 2
                let x = centre.x + dx * cosine - dy * sine - 0.5
                let y = centre.y + dx * sine + dy * cosine - 0.5
                sample(x: x, y: y, into: &out, at: (v * size + u) * channels)
            }
        }
        return Image(width: size, height: size, channels: channels, pixels: out)
    }

    /// Bilinear sample at (`x`, `y`) in pixel-centre coordinates, edges repeated.
    private func sample(x: Float, y: Float, into out: inout [Float], at offset: Int) {
        let clampedX = min(max(x, 0), Float(width - 1)), clampedY = min(max(y, 0), Float(height - 1))
        let x0 = Int(clampedX), y0 = Int(clampedY)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let wx = clampedX - Float(x0), wy = clampedY - Float(y0)
        for c in 0..<channels {
            let top = self[x0, y0, c] * (1 - wx) + self[x1, y0, c] * wx
            let bottom = self[x0, y1, c] * (1 - wx) + self[x1, y1, c] * wx
            out[offset + c] = top * (1 - wy) + bottom * wy
        }
    }
}
