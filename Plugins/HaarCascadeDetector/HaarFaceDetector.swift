import SimDBCore

/// A ``FaceDetector`` over OpenCV's frontal face cascade: the picture made grey, given a border
/// repeating its edge pixels (room for a window around a face cropped tight), and searched.
public struct HaarFaceDetector: FaceDetector {
    public let identifier: String
    public let classifier: CascadeClassifier
    public let search: CascadeSearch
    /// The border, as a fraction of the picture's larger side.
    public let padding: Double

    /// - Parameters:
    ///   - cascadePath: the cascade file; by default `haarcascade_frontalface_default.xml` from
    ///     Debian's `opencv-data` package.
    ///   - search: OpenCV's `detectMultiScale` parameters.
    ///   - padding: the border, as a fraction of the larger side (0.25 lets ORL's tight crops hold a window).
    /// - Throws: what reading the cascade throws (`.notFound` naming the package when it is missing).
    public init(cascadePath: String = HaarCascade.standardDirectory + "/haarcascade_frontalface_default.xml",
                search: CascadeSearch = CascadeSearch(), padding: Double = 0.25) throws {
        classifier = CascadeClassifier(try HaarCascade(contentsOf: cascadePath))
        self.search = search
        self.padding = padding
        identifier = "haar-frontalface/1"
    }

    public func detectFaces(in image: Image) throws -> [DetectedFace] {
        let grey = GreyImage(image)
        let border = Int((Double(max(grey.width, grey.height)) * padding).rounded())
        return classifier.detect(in: grey.padded(by: border), search).map { face in
            DetectedFace(box: PixelBox(x: face.box.x - border, y: face.box.y - border,
                                       width: face.box.width, height: face.box.height),
                         score: Float(face.neighbors))
        }
    }
}
