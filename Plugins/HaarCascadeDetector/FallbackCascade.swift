import Foundation
import SimDBCore

/// A cascade that ``HaarFaceDetector`` searches where its frontal cascade found no face, even
/// searching again: OpenCV's other face cascades are other trained models, and each finds faces
/// the first one misses (a profile cascade, heads turned away; `frontalface_alt`, some faces in
/// hard light). ``HaarFaceDetector/confirmingCascade`` is one too, searched near a face for a
/// second opinion (the standard one shares `frontalface_alt`'s reader with the first fallback).
/// Its file is read the first time it is needed, so a process whose pictures all have faces
/// (with eyes found, for confirmation) never reads it.
public struct FallbackCascade: Sendable {
    /// The cascade file.
    public let path: String
    /// Whether the picture is also searched mirrored left to right: a profile cascade knows faces
    /// turned one way only. The side whose best face gathers more windows wins.
    public let searchesMirrored: Bool
    /// How its boxes are put into the frontal cascade's framing, from which the encoder's cut is
    /// sized: the width multiplied by `scale`, the centre moved by `shift` times the width.
    public let scale: Double
    public let shift: (x: Double, y: Double)
    private let reader: CascadeReader

    public init(path: String, searchesMirrored: Bool = false, scale: Double = 1, shift: (x: Double, y: Double) = (0, 0)) {
        self.path = path
        self.searchesMirrored = searchesMirrored
        self.scale = scale
        self.shift = shift
        reader = CascadeReader(path: path)
    }

    /// The fallbacks of the standard set-up, in the order they are tried: OpenCV's
    /// `haarcascade_frontalface_alt.xml`, then `haarcascade_profileface.xml` on the picture and
    /// its mirror image. The framings are the medians over the LFW-train pictures (every fourth)
    /// where each cascade and the frontal one both found exactly one face: the frontal box is
    /// 1.02 times as wide as an `alt` box, centred alike, and 0.91 times as wide as a profile
    /// box, its centre 0.16 of the profile box's width to the left of that box's centre (in the
    /// picture as searched) and 0.02 lower.
    public static func standard(directory: String = HaarCascade.standardDirectory) -> [FallbackCascade] {
        [FallbackCascade(path: directory + "/haarcascade_frontalface_alt.xml", scale: 1.02),
         FallbackCascade(path: directory + "/haarcascade_profileface.xml", searchesMirrored: true,
                         scale: 0.91, shift: (-0.16, 0.02))]
    }

    /// The classifier, read from ``path`` on first use.
    /// - Throws: what reading the cascade throws (`.notFound` naming the package when it is missing).
    public func classifier() throws -> CascadeClassifier { try reader.classifier() }

    /// `box`, found by this cascade, in the frontal cascade's framing.
    func framed(_ box: PixelBox) -> PixelBox {
        let width = max(1, Int((Double(box.width) * scale).rounded()))
        let centre = (x: Double(box.x) + Double(box.width) * (0.5 + shift.x), y: Double(box.y) + Double(box.height) / 2 + Double(box.width) * shift.y)
        return PixelBox(x: Int((centre.x - Double(width) / 2).rounded()), y: Int((centre.y - Double(width) / 2).rounded()),
                        width: width, height: width)
    }
}

/// Reads a cascade file once, the first time it is asked for, and keeps the classifier (or the
/// error) for every later call, from any thread.
private final class CascadeReader: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var read: Result<CascadeClassifier, any Error>?

    init(path: String) { self.path = path }

    func classifier() throws -> CascadeClassifier {
        try lock.withLock {
            if let read { return read }
            let result = Result { CascadeClassifier(try HaarCascade(contentsOf: path)) }
            read = result
            return result
        }.get()
    }
}
