import SimDBCore

extension Image {
    /// The image as one grey channel; RGB becomes luma `0.299 R + 0.587 G + 0.114 B`.
    ///
    /// A grey image is returned unchanged.
    /// - Returns: a 1-channel image of the same size.
    public func grey() -> Image {
        guard channels == 3 else { return self }
        let count = width * height
        var out = [Float](repeating: 0, count: count)
        pixels.withUnsafeBufferPointer { rgb in
            out.withUnsafeMutableBufferPointer { grey in
                for i in 0..<count {
                    let luma = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]
                    grey[i] = min(luma, 1)
                }
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: out)
    }

    /// The image as three RGB channels; a grey sample is copied to all three.
    ///
    /// An RGB image is returned unchanged.
    /// - Returns: a 3-channel image of the same size.
    public func rgb() -> Image {
        guard channels == 1 else { return self }
        var out = [Float](repeating: 0, count: pixels.count * 3)
        pixels.withUnsafeBufferPointer { grey in
            out.withUnsafeMutableBufferPointer { rgb in
                for i in 0..<grey.count {
                    rgb[3 * i] = grey[i]
                    rgb[3 * i + 1] = grey[i]
                    rgb[3 * i + 2] = grey[i]
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }

    /// The image with `n` channels: ``grey()`` for 1, ``rgb()`` for 3.
    /// - Parameters:
    ///   - n: 1 or 3.
    /// - Returns: the converted image, or `self` when it already has `n` channels.
    /// - Precondition: `n` is 1 or 3.
    public func withChannels(_ n: Int) -> Image {
        precondition(n == 1 || n == 3, "images have 1 or 3 channels, not \(n)")
        return n == 1 ? grey() : rgb()
    }

    /// The largest centred region whose aspect ratio is `aspectWidth : aspectHeight`.
    ///
    /// The cropped side is rounded to the nearest pixel and is at least 1; an image that already
    /// has the ratio is returned unchanged.
    /// - Parameters:
    ///   - aspectWidth: the ratio's width term, positive.
    ///   - aspectHeight: the ratio's height term, positive.
    /// - Returns: the cropped image.
    /// - Precondition: both terms are positive.
    public func centerCropped(aspectWidth: Int, aspectHeight: Int) -> Image {
        precondition(aspectWidth > 0 && aspectHeight > 0, "aspect ratio terms must be positive")
        let target = Double(aspectWidth) / Double(aspectHeight)
        var cropWidth = width
        var cropHeight = height
        if Double(width) / Double(height) > target {
            cropWidth = Swift.min(width, Swift.max(1, Int((Double(height) * target).rounded())))
        } else {
            cropHeight = Swift.min(height, Swift.max(1, Int((Double(width) / target).rounded())))
        }
        return cropped(x: (width - cropWidth) / 2, y: (height - cropHeight) / 2,
                       width: cropWidth, height: cropHeight)
    }

    /// The centred region whose sides are `fraction` times the image's.
    ///
    /// Below 1 this is a centred crop; above 1 the image is widened on every side by repeating its
    /// edge pixels (so a larger-than-image region still has content). Sides are rounded to the
    /// nearest pixel and are at least 1.
    /// - Parameters:
    ///   - fraction: the region's side as a fraction of the image's, positive.
    /// - Returns: the region, or `self` when it is the whole image.
    /// - Precondition: `fraction` is positive and finite.
    public func centerRegion(fraction: Float) -> Image {
        precondition(fraction > 0 && fraction.isFinite, "the region fraction must be positive")
        let regionWidth = Swift.max(1, Int((Float(width) * fraction).rounded()))
        let regionHeight = Swift.max(1, Int((Float(height) * fraction).rounded()))
        if regionWidth <= width && regionHeight <= height {
            return cropped(x: (width - regionWidth) / 2, y: (height - regionHeight) / 2,
                           width: regionWidth, height: regionHeight)
        }
        let left = (regionWidth - width) / 2, top = (regionHeight - height) / 2
        var out = [Float](repeating: 0, count: regionWidth * regionHeight * channels)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for row in 0..<regionHeight {
                    let sourceRow = Swift.min(Swift.max(row - top, 0), height - 1)
                    for column in 0..<regionWidth {
                        let sourceColumn = Swift.min(Swift.max(column - left, 0), width - 1)
                        for c in 0..<channels {
                            target[(row * regionWidth + column) * channels + c] =
                                source[(sourceRow * width + sourceColumn) * channels + c]
                        }
                    }
                }
            }
        }
        return Image(width: regionWidth, height: regionHeight, channels: channels, pixels: out)
    }

    /// The rectangle of the image with top-left corner (`x`, `y`) and the given size.
    /// - Parameters:
    ///   - x: the first column, `0 ..< self.width`.
    ///   - y: the first row, `0 ..< self.height`.
    ///   - width: the number of columns, at least 1, with `x + width <= self.width`.
    ///   - height: the number of rows, at least 1, with `y + height <= self.height`.
    /// - Returns: the cropped image, or `self` when the rectangle is the whole image.
    /// - Precondition: the rectangle is non-empty and lies inside the image.
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> Image {
        precondition(x >= 0 && y >= 0 && width > 0 && height > 0
                     && width <= self.width - x && height <= self.height - y,
                     "crop rectangle lies outside the image")
        if width == self.width && height == self.height { return self }
        let rowLength = width * channels
        var out = [Float](repeating: 0, count: rowLength * height)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for row in 0..<height {
                    let from = ((y + row) * self.width + x) * channels
                    for i in 0..<rowLength {
                        target[row * rowLength + i] = source[from + i]
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: out)
    }

    /// The image converted to what an encoder expects: channels first, then size.
    ///
    /// With `.stretch` the whole image is resized to the spec's size; with `.centerCrop` the
    /// largest centred region with the spec's aspect ratio is cut out first, then resized.
    /// - Parameters:
    ///   - spec: the encoder's input description.
    /// - Returns: an image of exactly `spec.width × spec.height × spec.channels`.
    /// - Precondition: the spec's sizes are positive and its channels are 1 or 3.
    public func prepared(for spec: ImageInputSpec) -> Image {
        var image = withChannels(spec.channels)
        if spec.fit == .centerCrop {
            image = image.centerCropped(aspectWidth: spec.width, aspectHeight: spec.height)
        }
        image = image.centerRegion(fraction: spec.crop)
        return image.resized(width: spec.width, height: spec.height)
    }
}
