import Foundation
import SimDBCore

/// How a cascade searches a picture: the parameters of OpenCV's `detectMultiScale`.
public struct CascadeSearch: Sendable, Equatable {
    /// How much larger each scale's window is than the last's.
    public var scaleFactor: Double
    /// Windows a detection needs around it (after grouping) to be kept: more is stricter.
    public var minNeighbors: Int
    /// The smallest window searched, in pixels of the picture (both sides).
    public var minSize: Int
    /// The largest, or `nil` for the whole picture.
    public var maxSize: Int?

    public init(scaleFactor: Double = 1.1, minNeighbors: Int = 3, minSize: Int = 30, maxSize: Int? = nil) {
        self.scaleFactor = scaleFactor
        self.minNeighbors = minNeighbors
        self.minSize = minSize
        self.maxSize = maxSize
    }
}

/// Runs a ``HaarCascade`` over a picture at every scale and position, as OpenCV's
/// `CascadeClassifier::detectMultiScale` does, so that the same file and parameters find the
/// same objects.
///
/// At each scale (1, f, f², … while the picture, shrunk by the scale, still holds a window) the
/// picture is resized by bilinear interpolation, its integral images (sums and sums of squares)
/// are built, and the cascade's window slides over it every 2 pixels (every pixel once the scale
/// passes 2). A window whose contrast is too low (standard deviation 10 or less) is skipped; the
/// others must pass every stage: the weak classifiers' leaf values, summed, must reach the stage
/// threshold, each tree testing a feature's rectangle sums divided by the window's standard
/// deviation times its area. Surviving windows, mapped back to the picture, are grouped by
/// ``group(_:minNeighbors:)``.
public struct CascadeClassifier: Sendable {
    public let cascade: HaarCascade

    public init(_ cascade: HaarCascade) {
        self.cascade = cascade
    }

    /// The objects found in `picture`, each with how many raw windows its group had, largest first.
    public func detect(in picture: GreyImage, _ search: CascadeSearch = CascadeSearch()) -> [(box: PixelBox, neighbors: Int)] {
        Self.group(windows(in: picture, search), minNeighbors: search.minNeighbors)
            .sorted { ($0.box.area, $0.neighbors) > ($1.box.area, $1.neighbors) }
    }

    /// Every window the cascade accepts, in the picture's pixels, before grouping.
    public func windows(in picture: GreyImage, _ search: CascadeSearch = CascadeSearch()) -> [PixelBox] {
        let window = (width: cascade.windowWidth, height: cascade.windowHeight)
        var found: [PixelBox] = []
        // Every scale's integral image uses the full picture's row length, so the feature
        // offsets are computed once per picture.
        let offsets = FeatureOffsets(cascade, stride: picture.width + 1)
        var factor = 1.0
        while true {
            defer { factor *= search.scaleFactor }
            let scaledWindow = (width: Int((Double(window.width) * factor).rounded()),
                                height: Int((Double(window.height) * factor).rounded()))
            let scaled = (width: Int((Double(picture.width) / factor).rounded()),
                          height: Int((Double(picture.height) / factor).rounded()))
            if scaled.width <= window.width || scaled.height <= window.height { break }
            if let maxSize = search.maxSize, scaledWindow.width > maxSize || scaledWindow.height > maxSize { break }
            if scaledWindow.width < search.minSize || scaledWindow.height < search.minSize { continue }
            let integral = IntegralImage(picture.resized(width: scaled.width, height: scaled.height), stride: offsets.stride)
            let step = factor > 2 ? 1 : 2
            for y in stride(from: 0, through: scaled.height - window.height, by: step) {
                for x in stride(from: 0, through: scaled.width - window.width, by: step)
                where accepts(integral, at: y * integral.stride + x, offsets: offsets) {
                    found.append(PixelBox(x: Int((Double(x) * factor).rounded()), y: Int((Double(y) * factor).rounded()),
                                          width: scaledWindow.width, height: scaledWindow.height))
                }
            }
        }
        return found
    }

    /// Whether the window whose top-left corner is at `origin` in `integral` passes every stage.
    private func accepts(_ integral: IntegralImage, at origin: Int, offsets: FeatureOffsets) -> Bool {
        let area = offsets.normalizationArea
        let sum = Double(integral.sum(origin, offsets.normalization))
        let squares = Double(integral.squaredSum(origin, offsets.normalization))
        var spread = Double(area) * squares - sum * sum
        guard spread > 0 else { return false }
        spread = spread.squareRoot()
        let normalization = Float(1 / spread)
        // 1 / (area × deviation) × area < 0.1: a window this flat holds no face (OpenCV's rule).
        guard Double(area) * Double(normalization) < 0.1 else { return false }
        return integral.sums.withUnsafeBufferPointer { sums in
            offsets.stumps.withUnsafeBufferPointer { stumps in
                let base = sums.baseAddress! + origin
                for (stageIndex, stage) in cascade.stages.enumerated() {
                    var total: Float = 0
                    if let range = offsets.stageStumps[stageIndex] {
                        for stump in stumps[range] {
                            let value = stump.value(base) * normalization
                            total += value < stump.threshold ? stump.below : stump.above
                        }
                    } else {
                        for weak in stage.classifiers { total += evaluateTree(weak, offsets, base, normalization) }
                    }
                    if total < stage.threshold { return false }
                }
                return true
            }
        }
    }

    /// A weak classifier deeper than one split, walked node by node.
    private func evaluateTree(_ weak: HaarCascade.WeakClassifier, _ offsets: FeatureOffsets,
                              _ base: UnsafePointer<Int32>, _ normalization: Float) -> Float {
        var index = 0
        while true {
            let node = weak.nodes[index]
            let value = offsets.value(of: node.feature, base) * normalization
            let child = value < node.threshold ? node.left : node.right
            if child <= 0 { return weak.leaves[-child] }
            index = child
        }
    }

    /// Groups overlapping windows as OpenCV's `groupRectangles` does with `eps` 0.2: windows
    /// whose corners are all within 0.2 × their mean size of each other fall in one group
    /// (transitively); a group of `minNeighbors` windows or fewer is dropped; the rest become their
    /// mean box; and a box inside a bigger one (within 0.2 of its size) is dropped when that one
    /// had more windows (more than 3, and more than it) or it had fewer than 3.
    public static func group(_ windows: [PixelBox], minNeighbors: Int) -> [(box: PixelBox, neighbors: Int)] {
        if minNeighbors <= 0 { return windows.map { ($0, 1) } }
        let eps = 0.2
        var parent = Array(windows.indices)
        func root(_ index: Int) -> Int {
            var index = index
            while parent[index] != index { parent[index] = parent[parent[index]]; index = parent[index] }
            return index
        }
        for i in windows.indices {
            for j in windows.indices where j > i && similar(windows[i], windows[j], eps: eps) {
                let (a, b) = (root(i), root(j))
                if a != b { parent[b] = a }
            }
        }
        var members: [Int: [PixelBox]] = [:]
        var order: [Int] = []
        for index in windows.indices {
            let label = root(index)
            if members[label] == nil { order.append(label) }
            members[label, default: []].append(windows[index])
        }
        let groups: [(box: PixelBox, neighbors: Int)] = order.map { label in
            let boxes = members[label]!
            let count = Double(boxes.count)
            func mean(_ part: (PixelBox) -> Int) -> Int { Int((Double(boxes.reduce(0) { $0 + part($1) }) / count).rounded()) }
            return (PixelBox(x: mean(\.x), y: mean(\.y), width: mean(\.width), height: mean(\.height)), boxes.count)
        }
        let kept = groups.filter { $0.neighbors > minNeighbors }
        return kept.enumerated().filter { index, inner in
            !kept.enumerated().contains { otherIndex, outer in
                guard otherIndex != index else { return false }
                let dx = Int((Double(outer.box.width) * eps).rounded()), dy = Int((Double(outer.box.height) * eps).rounded())
                return inner.box.x >= outer.box.x - dx && inner.box.y >= outer.box.y - dy
                    && inner.box.x + inner.box.width <= outer.box.x + outer.box.width + dx
                    && inner.box.y + inner.box.height <= outer.box.y + outer.box.height + dy
                    && (outer.neighbors > max(3, inner.neighbors) || inner.neighbors < 3)
            }
        }.map(\.element)
    }

    private static func similar(_ a: PixelBox, _ b: PixelBox, eps: Double) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
            && Double(abs(a.x + a.width - b.x - b.width)) <= delta && Double(abs(a.y + a.height - b.y - b.height)) <= delta
    }
}

/// Summed-area tables of a picture: `sums[y × stride + x]` is the sum of the samples above and
/// to the left of (x, y), with a zero first row and column; likewise `squares` for their squares.
/// The sums wrap around modulo 2³² (past about 8 million pixels they no longer fit), which leaves
/// every rectangle's sum exact while it fits itself: the rectangles read are inside one window
/// of a scale's picture, at most 24 × 24 × 255.
struct IntegralImage {
    let stride: Int
    var sums: [Int32]
    var squares: [Int64]

    /// - Parameter stride: the row length, at least the picture's width + 1.
    init(_ picture: GreyImage, stride: Int) {
        precondition(stride > picture.width)
        self.stride = stride
        sums = [Int32](repeating: 0, count: stride * (picture.height + 1))
        squares = [Int64](repeating: 0, count: stride * (picture.height + 1))
        for y in 0..<picture.height {
            var rowSum: Int32 = 0, rowSquares: Int64 = 0
            for x in 0..<picture.width {
                let value = picture.pixels[y * picture.width + x]
                rowSum &+= Int32(value)
                rowSquares += Int64(value) * Int64(value)
                sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] &+ rowSum
                squares[(y + 1) * stride + x + 1] = squares[y * stride + x + 1] + rowSquares
            }
        }
    }

    /// The four corner offsets of a rectangle, relative to a window's origin.
    typealias Corners = (Int, Int, Int, Int)

    func sum(_ origin: Int, _ corners: Corners) -> Int32 {
        sums[origin + corners.0] &- sums[origin + corners.1] &- sums[origin + corners.2] &+ sums[origin + corners.3]
    }

    func squaredSum(_ origin: Int, _ corners: Corners) -> Int64 {
        squares[origin + corners.0] - squares[origin + corners.1] - squares[origin + corners.2] + squares[origin + corners.3]
    }
}

/// A single-split weak classifier compiled for one scale's integral image: its feature's
/// rectangles as corner offsets from the window's origin, with their weights.
struct Stump {
    var corners: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32)
    var weights: (Float, Float, Float)
    var threshold: Float
    /// The leaf values when the normalised feature is below the threshold, and otherwise.
    var below: Float
    var above: Float

    @inline(__always)
    func value(_ base: UnsafePointer<Int32>) -> Float {
        let c = corners
        var total = weights.0 * Float(base[Int(c.0)] &- base[Int(c.1)] &- base[Int(c.2)] &+ base[Int(c.3)])
        total += weights.1 * Float(base[Int(c.4)] &- base[Int(c.5)] &- base[Int(c.6)] &+ base[Int(c.7)])
        if weights.2 != 0 { total += weights.2 * Float(base[Int(c.8)] &- base[Int(c.9)] &- base[Int(c.10)] &+ base[Int(c.11)]) }
        return total
    }
}

/// A cascade's feature rectangles as corner offsets into one scale's integral image, and its
/// stages of stumps laid out contiguously.
struct FeatureOffsets {
    /// The integral image's row length the offsets are for.
    let stride: Int
    let normalization: IntegralImage.Corners
    let normalizationArea: Int
    /// Per feature: three rectangles' corners and weights (a zero weight for a missing third).
    private let corners: [Int32]
    private let weights: [Float]
    /// Every stump of every stage whose classifiers are all stumps, in order.
    let stumps: [Stump]
    /// Per stage: its stumps, or `nil` when it has deeper trees.
    let stageStumps: [Range<Int>?]

    init(_ cascade: HaarCascade, stride: Int) {
        func offsets(_ rect: HaarCascade.WeightedRect) -> [Int32] {
            [rect.y * stride + rect.x, rect.y * stride + rect.x + rect.width,
             (rect.y + rect.height) * stride + rect.x, (rect.y + rect.height) * stride + rect.x + rect.width].map { Int32($0) }
        }
        self.stride = stride
        normalization = (stride + 1, stride + cascade.windowWidth - 1, (cascade.windowHeight - 1) * stride + 1,
                         (cascade.windowHeight - 1) * stride + cascade.windowWidth - 1)
        normalizationArea = (cascade.windowWidth - 2) * (cascade.windowHeight - 2)
        var corners: [Int32] = [], weights: [Float] = []
        corners.reserveCapacity(cascade.features.count * 12)
        for feature in cascade.features {
            for index in 0..<3 {
                corners += index < feature.count ? offsets(feature[index]) : [0, 0, 0, 0]
                weights.append(index < feature.count ? feature[index].weight : 0)
            }
        }
        self.corners = corners
        self.weights = weights
        var stumps: [Stump] = [], stageStumps: [Range<Int>?] = []
        for stage in cascade.stages {
            guard stage.classifiers.allSatisfy({ $0.nodes.count == 1 }) else { stageStumps.append(nil); continue }
            let first = stumps.count
            for weak in stage.classifiers {
                let node = weak.nodes[0], c = node.feature * 12, w = node.feature * 3
                stumps.append(Stump(
                    corners: (corners[c], corners[c + 1], corners[c + 2], corners[c + 3], corners[c + 4], corners[c + 5],
                              corners[c + 6], corners[c + 7], corners[c + 8], corners[c + 9], corners[c + 10], corners[c + 11]),
                    weights: (weights[w], weights[w + 1], weights[w + 2]), threshold: node.threshold,
                    below: weak.leaves[-min(node.left, 0)], above: weak.leaves[-min(node.right, 0)]))
            }
            stageStumps.append(first..<stumps.count)
        }
        self.stumps = stumps
        self.stageStumps = stageStumps
    }

    /// The weighted rectangle sums of feature `feature` in the window at `base`.
    func value(of feature: Int, _ base: UnsafePointer<Int32>) -> Float {
        var total: Float = 0
        for index in 0..<3 where weights[feature * 3 + index] != 0 {
            let c = feature * 12 + index * 4
            total += weights[feature * 3 + index]
                * Float(base[Int(corners[c])] &- base[Int(corners[c + 1])] &- base[Int(corners[c + 2])] &+ base[Int(corners[c + 3])])
        }
        return total
    }
}
