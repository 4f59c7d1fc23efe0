/// A rectangle of whole pixels in an image: `x` and `y` are its top-left corner.
public struct PixelBox: Sendable, Equatable, Hashable, Codable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Width times height.
    public var area: Int { width * height }

    /// Intersection over union with `other`: 0 when they do not overlap, 1 when equal.
    public func intersectionOverUnion(_ other: PixelBox) -> Double {
        let overlapWidth = max(0, min(x + width, other.x + other.width) - max(x, other.x))
        let overlapHeight = max(0, min(y + height, other.y + other.height) - max(y, other.y))
        let overlap = overlapWidth * overlapHeight
        let union = area + other.area - overlap
        return union > 0 ? Double(overlap) / Double(union) : 0
    }
}

/// One face a ``FaceDetector`` found.
public struct DetectedFace: Sendable, Equatable {
    /// Where the face is, in the image's pixels.
    public var box: PixelBox
    /// How sure the detector is; larger is surer. Its scale is the detector's own (for a
    /// cascade, how many overlapping windows agreed).
    public var score: Float
    /// The centres of the eyes, when the detector finds them: the one on the image's left, and the
    /// one on its right.
    public var eyes: (left: (x: Float, y: Float), right: (x: Float, y: Float))?

    public init(box: PixelBox, score: Float, eyes: (left: (x: Float, y: Float), right: (x: Float, y: Float))? = nil) {
        self.box = box
        self.score = score
        self.eyes = eyes
    }

    public static func == (a: DetectedFace, b: DetectedFace) -> Bool {
        a.box == b.box && a.score == b.score && a.eyes?.left.x == b.eyes?.left.x && a.eyes?.left.y == b.eyes?.left.y
            && a.eyes?.right.x == b.eyes?.right.x && a.eyes?.right.y == b.eyes?.right.y
    }
}

/// Finds faces in an image: the step before alignment and encoding.
///
/// A detector's ``identifier`` (`name/version`) names its model and parameters, so that a store
/// can record how the images behind its vectors were framed.
public protocol FaceDetector: Sendable {
    /// `name/version`: changes whenever the boxes found for an image may change.
    var identifier: String { get }
    /// The faces in `image`, largest first.
    /// - Throws: ``SimDBError`` when the image cannot be searched.
    func detectFaces(in image: Image) throws -> [DetectedFace]
}

extension FaceDetector {
    /// ``detectFaces(in:)`` ordered largest first whatever the detector's own order: the first
    /// is the face a probe, an enrolment or a training picture stands for.
    public func facesLargestFirst(in image: Image) throws -> [DetectedFace] {
        try detectFaces(in: image).sorted { $0.box.area > $1.box.area }
    }
}
