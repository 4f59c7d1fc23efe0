import SimDBCore

extension Image {
    /// The image resampled to `width × height`.
    ///
    /// Each axis is handled on its own: shrinking averages the source pixels each output pixel
    /// covers, weighted by the exact fraction covered (a box filter, so no detail is skipped and
    /// a constant image stays constant); enlarging interpolates bilinearly between pixel centres;
    /// an axis whose size is unchanged is copied exactly. Results are clamped to `0...1`.
    /// - Parameters:
    ///   - width: the new width, at least 1.
    ///   - height: the new height, at least 1.
    /// - Returns: the resized image, or `self` when the size is unchanged.
    /// - Precondition: both sizes are positive.
    public func resized(width: Int, height: Int) -> Image {
        precondition(width > 0 && height > 0, "image sizes must be positive")
        if width == self.width && height == self.height { return self }
        var samples = pixels
        var currentWidth = self.width
        var currentHeight = self.height
        // Run first the pass that leaves the smaller intermediate image.
        let horizontalFirst = self.height * width < height * self.width
        for pass in horizontalFirst ? [0, 1] : [1, 0] {
            if pass == 0, width != currentWidth {
                samples = Resampler.horizontal(samples, width: currentWidth, height: currentHeight,
                                               channels: channels, to: width)
                currentWidth = width
            } else if pass == 1, height != currentHeight {
                samples = Resampler.vertical(samples, width: currentWidth, height: currentHeight,
                                             channels: channels, to: height)
                currentHeight = height
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: samples)
    }
}

/// Separable resampling passes with precomputed weights.
enum Resampler {
    /// The taps of one axis: output `i` reads `count(i)` source positions from `first[i]` on,
    /// weighted by `weights[offset[i] ..< offset[i + 1]]`.
    struct Taps {
        var first: [Int] = []
        var offset: [Int] = [0]
        var weights: [Float] = []

        /// Weights for resampling `source` positions to `destination` positions.
        init(source: Int, destination: Int) {
            first.reserveCapacity(destination)
            offset.reserveCapacity(destination + 1)
            if destination < source {
                // Box filter in integer units of 1/destination: output i covers
                // [i * source, (i + 1) * source), source pixel j covers [j * destination, (j + 1) * destination).
                let scale = Float(source)
                for i in 0..<destination {
                    let low = i * source
                    let high = low + source
                    let j0 = low / destination
                    let j1 = (high - 1) / destination
                    first.append(j0)
                    for j in j0...j1 {
                        let covered = Swift.min(high, (j + 1) * destination) - Swift.max(low, j * destination)
                        weights.append(Float(covered) / scale)
                    }
                    offset.append(weights.count)
                }
            } else {
                // Bilinear between pixel centres, clamped at the edges.
                let scale = Double(source) / Double(destination)
                for i in 0..<destination {
                    let position = Swift.min(Swift.max((Double(i) + 0.5) * scale - 0.5, 0), Double(source - 1))
                    let j0 = Int(position)
                    let fraction = Float(position - Double(j0))
                    first.append(j0)
                    if j0 + 1 < source && fraction > 0 {
                        weights.append(1 - fraction)
                        weights.append(fraction)
                    } else {
                        weights.append(1)
                    }
                    offset.append(weights.count)
                }
            }
        }
    }

    /// Resamples each row from `width` to `newWidth` pixels.
    static func horizontal(_ input: [Float], width: Int, height: Int, channels: Int, to newWidth: Int) -> [Float] {
        let taps = Taps(source: width, destination: newWidth)
        var output = [Float](repeating: 0, count: newWidth * height * channels)
        input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                taps.weights.withUnsafeBufferPointer { weights in
                    taps.offset.withUnsafeBufferPointer { offset in
                        taps.first.withUnsafeBufferPointer { first in
                            // Indices stay below the buffers' counts, so wrapping arithmetic never wraps.
                            for y in 0..<height {
                                let rowIn = y &* width &* channels
                                let rowOut = y &* newWidth &* channels
                                for x in 0..<newWidth {
                                    let start = offset[x]
                                    let end = offset[x &+ 1]
                                    var p = rowIn &+ first[x] &* channels
                                    let q = rowOut &+ x &* channels
                                    if channels == 3 {
                                        var r: Float = 0, g: Float = 0, b: Float = 0
                                        for k in start..<end {
                                            let w = weights[k]
                                            r += w * src[p]
                                            g += w * src[p &+ 1]
                                            b += w * src[p &+ 2]
                                            p &+= 3
                                        }
                                        dst[q] = clampUnit(r)
                                        dst[q &+ 1] = clampUnit(g)
                                        dst[q &+ 2] = clampUnit(b)
                                    } else {
                                        var sum: Float = 0
                                        for k in start..<end {
                                            sum += weights[k] * src[p]
                                            p &+= 1
                                        }
                                        dst[q] = clampUnit(sum)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Resamples each column from `height` to `newHeight` pixels, a whole row at a time.
    static func vertical(_ input: [Float], width: Int, height: Int, channels: Int, to newHeight: Int) -> [Float] {
        let taps = Taps(source: height, destination: newHeight)
        let rowLength = width * channels
        var output = [Float](repeating: 0, count: rowLength * newHeight)
        input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                for y in 0..<newHeight {
                    let out = UnsafeMutableBufferPointer(rebasing: dst[(y * rowLength)..<((y + 1) * rowLength)])
                    let start = taps.offset[y]
                    for k in start..<taps.offset[y + 1] {
                        let weight = taps.weights[k]
                        let row = (taps.first[y] + k - start) * rowLength
                        let source = UnsafeBufferPointer(rebasing: src[row..<(row + rowLength)])
                        for i in 0..<rowLength {
                            out[i] += weight * source[i]
                        }
                    }
                    for i in 0..<rowLength {
                        out[i] = clampUnit(out[i])
                    }
                }
            }
        }
        return output
    }

    @inline(__always)
    static func clampUnit(_ value: Float) -> Float {
        Swift.min(Swift.max(value, 0), 1)
    }
}
