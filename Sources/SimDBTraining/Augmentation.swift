import Foundation
import SimDBCore

/// Random photometric and geometric changes that teach a network what does not change identity.
///
/// Each draw flips (optionally), scales, shifts, and changes brightness and contrast, then samples
/// the source bilinearly into the output size. Sources are prepared once, slightly larger than the
/// output (``sourceMargin``), so shifts and zooms find real pixels. A zero augmentation is a plain
/// centre sample.
public struct Augmentation: Sendable, Equatable {
    /// Mirror left–right with probability ½.
    public var flip: Bool
    /// The largest shift, as a fraction of the output size.
    public var maximumShift: Float
    /// Zoom factors are drawn from `1/(1+s) … 1+s`.
    public var maximumScale: Float
    /// Brightness is shifted by up to this much (samples are in 0…1).
    public var maximumBrightness: Float
    /// Contrast is multiplied by a factor from `1−c … 1+c` around the image mean.
    public var maximumContrast: Float

    /// How much larger than the output the prepared source is: shifts and zoom-outs stay inside it.
    /// 1.3 leaves real pixels for zoom-outs of up to 1.3 (`maximumScale` 0.3) without shifts.
    public static let sourceMargin: Float = 1.3

    /// Creates an augmentation; the defaults suit aligned face crops.
    public init(flip: Bool = true, maximumShift: Float = 0.05, maximumScale: Float = 0.08,
                maximumBrightness: Float = 0.1, maximumContrast: Float = 0.2) {
        self.flip = flip
        self.maximumShift = maximumShift
        self.maximumScale = maximumScale
        self.maximumBrightness = maximumBrightness
        self.maximumContrast = maximumContrast
    }

    /// No change: every draw is the plain centre sample (for validation and inference).
    public static let none = Augmentation(flip: false, maximumShift: 0, maximumScale: 0,
                                          maximumBrightness: 0, maximumContrast: 0)

    /// Samples one augmented `width × height` view of `source` into `output` (channel-planar,
    /// `channels × height × width`, the layout of a network's input).
    /// - Parameters:
    ///   - source: the prepared source: `sourceMargin` times the output size, same channels.
    ///   - output: where to write; must hold `channels · width · height` values.
    public func sample(_ source: Image, width: Int, height: Int, into output: UnsafeMutableBufferPointer<Float>,
                       using generator: inout some RandomNumberGenerator) {
        let channels = source.channels
        precondition(output.count == channels * width * height, "output does not hold one view")
        let mirrored = flip && Bool.random(using: &generator)
        let zoom = maximumScale > 0 ? exp(Float.random(in: -log1p(maximumScale)...log1p(maximumScale), using: &generator)) : 1
        let shiftX = maximumShift > 0 ? Float.random(in: -maximumShift...maximumShift, using: &generator) : 0
        let shiftY = maximumShift > 0 ? Float.random(in: -maximumShift...maximumShift, using: &generator) : 0
        let brightness = maximumBrightness > 0 ? Float.random(in: -maximumBrightness...maximumBrightness, using: &generator) : 0
        let contrast = maximumContrast > 0 ? Float.random(in: (1 - maximumContrast)...(1 + maximumContrast), using: &generator) : 1

        // Output pixel centres map to source coordinates: the output spans 1/sourceMargin of the
        // source, divided by the zoom, around the shifted centre.
        let spanX = Float(source.width) / Self.sourceMargin / zoom, spanY = Float(source.height) / Self.sourceMargin / zoom
        let centreX = Float(source.width) / 2 + shiftX * spanX, centreY = Float(source.height) / 2 + shiftY * spanY
        let stepX = spanX / Float(width), stepY = spanY / Float(height)
        var sum: Float = 0
        source.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<height {
                let sy = min(max(centreY + (Float(y) + 0.5 - Float(height) / 2) * stepY - 0.5, 0), Float(source.height - 1))
                let y0 = Int(sy), y1 = min(y0 + 1, source.height - 1), fy = sy - Float(y0)
                for x in 0..<width {
                    let ox = mirrored ? width - 1 - x : x
                    let sx = min(max(centreX + (Float(ox) + 0.5 - Float(width) / 2) * stepX - 0.5, 0), Float(source.width - 1))
                    let x0 = Int(sx), x1 = min(x0 + 1, source.width - 1), fx = sx - Float(x0)
                    for c in 0..<channels {
                        let top = pixels[(y0 * source.width + x0) * channels + c] * (1 - fx) + pixels[(y0 * source.width + x1) * channels + c] * fx
                        let bottom = pixels[(y1 * source.width + x0) * channels + c] * (1 - fx) + pixels[(y1 * source.width + x1) * channels + c] * fx
                        let value = top * (1 - fy) + bottom * fy
                        output[(c * height + y) * width + x] = value
                        sum += value
                    }
                }
            }
        }
        guard brightness != 0 || contrast != 1 else { return }
        let mean = sum / Float(output.count)
        for i in output.indices {
            output[i] = min(1, max(0, (output[i] - mean) * contrast + mean + brightness))
        }
    }
}
