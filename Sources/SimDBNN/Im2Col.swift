/// The geometry of one 2-D convolution over a single image (square kernel, equal strides and
/// padding on both axes), and the im2col / col2im kernels that turn it into a matrix product.
///
/// The column matrix is `(C·k·k) × (OH·OW)`, row-major: row `(c·k + ki)·k + kj` holds, for every
/// output position, the input pixel that kernel tap `(c, ki, kj)` sees there (0 in the padding).
/// With weights stored `outChannels × (C·k·k)` the convolution of one image is then
/// `W · col`, an `outChannels × (OH·OW)` block, which is exactly the NCHW output of that image.
struct ConvGeometry: Equatable {
    let channels: Int
    let height: Int
    let width: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    let outHeight: Int
    let outWidth: Int

    init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        outHeight = (height + 2 * padding - kernel) / stride + 1
        outWidth = (width + 2 * padding - kernel) / stride + 1
    }

    /// Rows of the column matrix: `C·k·k`.
    var columnRows: Int { channels * kernel * kernel }
    /// Columns of the column matrix: `OH·OW`.
    var columnCount: Int { outHeight * outWidth }
    /// Scalars in one input image.
    var inputPlaneCount: Int { channels * height * width }
    /// Whether the column matrix equals the input image itself (1×1, stride 1, no padding).
    var isIdentity: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// The output columns `[lo, hi)` whose input column `ow·stride − padding + kj` lies inside the
    /// image; the rest read padding.
    @inline(__always)
    func validColumns(kj: Int) -> (lo: Int, hi: Int) {
        let offset = kj - padding  // iw = ow·stride + offset
        // ow·stride + offset >= 0  ⇔  ow >= ceil(−offset / stride)
        let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        // ow·stride + offset <= width − 1  ⇔  ow <= floor((width − 1 − offset) / stride)
        let last = width - 1 - offset
        let hi = last < 0 ? 0 : min(outWidth, last / stride + 1)
        return (min(lo, hi), hi)
    }

    /// The column matrix of one image: the image itself for an identity geometry (no scratch),
    /// else its im2col written into `scratch`.
    func columnMatrix(of image: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>?) -> UnsafePointer<Float> {
        guard let scratch else { return image }
        im2col(image, into: scratch)
        return UnsafePointer(scratch)
    }

    /// Writes the column matrix of one image.
    /// - Parameters:
    ///   - image: `C×H×W` scalars.
    ///   - columns: room for `columnRows · columnCount` scalars; every one is written.
    func im2col(_ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>) {
        let plane = height * width
        let ohw = columnCount
        for c in 0..<channels {
            let source = image + c * plane
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let row = columns + ((c * kernel + ki) * kernel + kj) * ohw
                    let (lo, hi) = validColumns(kj: kj)
                    let offset = kj - padding
                    for oh in 0..<outHeight {
                        let destination = row + oh * outWidth
                        let ih = oh * stride - padding + ki
                        if ih < 0 || ih >= height || lo >= hi {
                            destination.update(repeating: 0, count: outWidth)
                            continue
                        }
                        let line = source + ih * width
                        if lo > 0 { destination.update(repeating: 0, count: lo) }
                        if stride == 1 {
                            destination.advanced(by: lo).update(from: line + (lo + offset), count: hi - lo)
                        } else {
                            var ow = lo
                            while ow < hi {
                                destination[ow] = line[ow * stride + offset]
                                ow += 1
                            }
                        }
                        if hi < outWidth { destination.advanced(by: hi).update(repeating: 0, count: outWidth - hi) }
                    }
                }
            }
        }
    }

    /// Adds a column-matrix gradient back onto the image it came from (the adjoint of im2col).
    /// - Parameters:
    ///   - columns: `columnRows · columnCount` scalars.
    ///   - image: `C×H×W` scalars to accumulate into (not cleared here).
    func col2im(_ columns: UnsafePointer<Float>, addingInto image: UnsafeMutablePointer<Float>) {
        let plane = height * width
        let ohw = columnCount
        for c in 0..<channels {
            let target = image + c * plane
            for ki in 0..<kernel {
                for kj in 0..<kernel {
                    let row = columns + ((c * kernel + ki) * kernel + kj) * ohw
                    let (lo, hi) = validColumns(kj: kj)
                    if lo >= hi { continue }
                    let offset = kj - padding
                    for oh in 0..<outHeight {
                        let ih = oh * stride - padding + ki
                        if ih < 0 || ih >= height { continue }
                        let source = row + oh * outWidth
                        let line = target + ih * width
                        if stride == 1 {
                            let shifted = line + offset
                            var ow = lo
                            while ow < hi {
                                shifted[ow] += source[ow]
                                ow += 1
                            }
                        } else {
                            var ow = lo
                            while ow < hi {
                                line[ow * stride + offset] += source[ow]
                                ow += 1
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A growable scratch buffer of `Float`s owned by one layer and reused across calls.
final class ScratchBuffer {
    private var base: UnsafeMutablePointer<Float>
    private var capacity: Int

    init() {
        capacity = 0
        base = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    }

    deinit {
        base.deallocate()
    }

    /// A pointer to at least `count` scalars (contents unspecified), valid until the next call.
    func pointer(count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            base.deallocate()
            base = UnsafeMutablePointer<Float>.allocate(capacity: count)
            base.initialize(repeating: 0, count: count)
            capacity = count
        }
        return base
    }
}
