import Foundation
import SimDBCore

/// A trained Viola–Jones cascade of Haar-feature classifiers, read from one of OpenCV's cascade
/// files (Debian's `opencv-data` package installs them in ``standardDirectory``).
///
/// The file format is OpenCV's `opencv-cascade-classifier` XML, as written by
/// `opencv_traincascade`: a window size, stages of boosted weak classifiers (trees over features,
/// usually single-split stumps) each with a threshold, and the Haar features the trees test, each
/// two or three weighted rectangles. Only upright features (`BOOST` stages, `HAAR` features) are
/// read; a file using tilted features or the pre-2.0 format is refused.
public struct HaarCascade: Sendable {
    /// Where Debian's `opencv-data` package puts the cascade files.
    public static let standardDirectory = "/usr/share/opencv4/haarcascades"
    /// OpenCV's frontal face cascade, the one ``HaarFaceDetector`` searches with by default.
    public static let standardFrontalFacePath = standardDirectory + "/haarcascade_frontalface_default.xml"
    /// OpenCV's eye cascade, with which ``HaarFaceDetector`` finds each face's eyes by default.
    public static let standardEyePath = standardDirectory + "/haarcascade_eye.xml"

    /// A rectangle of a feature, in window pixels, with its weight.
    struct WeightedRect: Sendable {
        var x, y, width, height: Int
        var weight: Float
    }

    /// A node of a weak classifier's tree: go left (or to a leaf) when the feature's normalised
    /// value is below `threshold`. A child index of 0 or less names leaf `-child`.
    struct Node: Sendable {
        var left, right, feature: Int
        var threshold: Float
    }

    struct WeakClassifier: Sendable {
        var nodes: [Node]
        var leaves: [Float]
    }

    struct Stage: Sendable {
        var threshold: Float
        var classifiers: [WeakClassifier]
    }

    /// The detection window the cascade was trained on.
    public let windowWidth: Int
    public let windowHeight: Int
    let stages: [Stage]
    let features: [[WeightedRect]]

    /// The stages in the file.
    public var stageCount: Int { stages.count }

    /// Reads a cascade file.
    /// - Throws: ``SimDBError`` `.notFound` when the file is missing (saying which package installs
    ///   it); `.corruptStore` when it is not a cascade this reader takes.
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SimDBError(.notFound,
                "\(path): cascade file not found; install Debian's opencv-data package (apt-get install opencv-data)")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SimDBError(.corruptStore, "\(path): cannot read the cascade file (\(error.localizedDescription))")
        }
        try self.init(xml: text, name: path)
    }

    /// Reads a cascade from the text of its file; `name` is what errors call it.
    init(xml: String, name: String) throws {
        func damaged(_ why: String) -> SimDBError { SimDBError(.corruptStore, "\(name): not a cascade simdb can read (\(why))") }
        let root = try SimpleXML.parse(xml, name: name)
        guard let cascade = root.child("cascade") else {
            throw damaged("no <cascade> element; files in the pre-2.0 format must be converted with OpenCV")
        }
        guard cascade.child("stageType")?.text == "BOOST", cascade.child("featureType")?.text == "HAAR" else {
            throw damaged("only BOOST stages of HAAR features are supported")
        }
        guard let width = cascade.child("width").flatMap({ Int($0.text) }),
              let height = cascade.child("height").flatMap({ Int($0.text) }), width > 2, height > 2 else {
            throw damaged("no window size")
        }
        windowWidth = width
        windowHeight = height

        var features: [[WeightedRect]] = []
        for feature in cascade.child("features")?.children ?? [] {
            if let tilted = feature.child("tilted"), tilted.text != "0" { throw damaged("tilted features are not supported") }
            let rects = try (feature.child("rects")?.children ?? []).map { rect -> WeightedRect in
                let numbers = rect.fields.compactMap { Float($0) }
                guard numbers.count == 5, numbers[0] >= 0, numbers[1] >= 0, numbers[2] > 0, numbers[3] > 0,
                      Int(numbers[0] + numbers[2]) <= width, Int(numbers[1] + numbers[3]) <= height else {
                    throw damaged("a feature rectangle '\(rect.text)' outside the window")
                }
                return WeightedRect(x: Int(numbers[0]), y: Int(numbers[1]), width: Int(numbers[2]),
                                    height: Int(numbers[3]), weight: numbers[4])
            }
            guard (2...3).contains(rects.count) else { throw damaged("a feature of \(rects.count) rectangles") }
            features.append(rects)
        }
        self.features = features

        var stages: [Stage] = []
        for stage in cascade.child("stages")?.children ?? [] {
            guard let threshold = stage.child("stageThreshold").flatMap({ Float($0.text) }) else {
                throw damaged("a stage without a threshold")
            }
            let classifiers = try (stage.child("weakClassifiers")?.children ?? []).map { weak -> WeakClassifier in
                let values = weak.child("internalNodes")?.fields ?? []
                let leaves = (weak.child("leafValues")?.fields ?? []).compactMap { Float($0) }
                guard !values.isEmpty, values.count % 4 == 0 else { throw damaged("a weak classifier without nodes") }
                let nodes = try stride(from: 0, to: values.count, by: 4).map { at -> Node in
                    guard let left = Int(values[at]), let right = Int(values[at + 1]), let feature = Int(values[at + 2]),
                          let threshold = Float(values[at + 3]), features.indices.contains(feature) else {
                        throw damaged("a tree node '\(values[at..<(at + 4)].joined(separator: " "))'")
                    }
                    return Node(left: left, right: right, feature: feature, threshold: threshold)
                }
                let nodeCount = nodes.count
                for node in nodes {
                    for child in [node.left, node.right] where child > 0 ? child >= nodeCount : -child >= leaves.count {
                        throw damaged("a tree node pointing outside its tree")
                    }
                }
                return WeakClassifier(nodes: nodes, leaves: leaves)
            }
            guard !classifiers.isEmpty else { throw damaged("a stage without classifiers") }
            // OpenCV lowers each stage threshold by 1e-5 as it loads it; the same is done here so
            // that windows on the threshold are decided alike.
            stages.append(Stage(threshold: threshold - 1e-5, classifiers: classifiers))
        }
        guard !stages.isEmpty else { throw damaged("no stages") }
        self.stages = stages
    }
}
