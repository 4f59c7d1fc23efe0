import Foundation
import SimDBCore
import SimDBEvaluation
import SimDBImageIO

/// Draws a ROC curve: true-accept rate against false-accept rate on a log scale.
///
/// The picture has no text: the horizontal axis runs from FAR 1e-4 (left) to 1 (right) with a
/// grid line at each decade, the vertical axis from TAR 0 (bottom) to 1 (top) with a grid line
/// every 0.1. The CSV written beside it holds the exact points.
public enum ROCPlot {
    /// The lowest false-accept rate on the plot.
    public static let minimumFalseAcceptRate: Float = 1e-4

    /// The curve as a PNG.
    /// - Throws: what the PNG encoder throws.
    public static func png(_ points: [ROCPoint], width: Int = 480, height: Int = 400) throws -> [UInt8] {
        let margin = 20
        var canvas = [Float](repeating: 1, count: width * height * 3)
        func plot(_ x: Int, _ y: Int, _ colour: (Float, Float, Float)) {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let base = (y * width + x) * 3
            canvas[base] = colour.0
            canvas[base + 1] = colour.1
            canvas[base + 2] = colour.2
        }
        let plotWidth = width - 2 * margin, plotHeight = height - 2 * margin
        func position(_ point: ROCPoint) -> (Double, Double) {
            let far = log10(Double(max(point.falseAcceptRate, minimumFalseAcceptRate)))
            let x = Double(margin) + (far - log10(Double(minimumFalseAcceptRate))) / -log10(Double(minimumFalseAcceptRate)) * Double(plotWidth)
            let y = Double(height - margin) - Double(point.trueAcceptRate) * Double(plotHeight)
            return (x, y)
        }
        let grid: (Float, Float, Float) = (0.85, 0.85, 0.85), axis: (Float, Float, Float) = (0.3, 0.3, 0.3)
        for decade in 0...4 {
            let x = margin + decade * plotWidth / 4
            for y in margin...(height - margin) { plot(x, y, decade == 0 ? axis : grid) }
        }
        for tenth in 0...10 {
            let y = height - margin - tenth * plotHeight / 10
            for x in margin...(width - margin) { plot(x, y, tenth == 0 ? axis : grid) }
        }
        let curve: (Float, Float, Float) = (0.1, 0.3, 0.8)
        for (a, b) in zip(points, points.dropFirst()) {
            let (x0, y0) = position(a), (x1, y1) = position(b)
            let steps = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)) * 2)
            for step in 0...steps {
                let t = Double(step) / Double(steps)
                let x = Int((x0 + (x1 - x0) * t).rounded()), y = Int((y0 + (y1 - y0) * t).rounded())
                for dx in 0...1 { for dy in 0...1 { plot(x + dx, y + dy, curve) } }
            }
        }
        return try ImageEncoder.png(Image(width: width, height: height, channels: 3, pixels: canvas))
    }

    /// The points as CSV: `threshold,far,tar`, one operating point per line.
    public static func csv(_ points: [ROCPoint]) -> String {
        "threshold,far,tar\n" + points.map { "\($0.threshold),\($0.falseAcceptRate),\($0.trueAcceptRate)" }
            .joined(separator: "\n") + "\n"
    }
}
