import ArgumentParser
import Foundation
import HaarCascadeDetector
import SimDB
import SimDBImageIO

/// `simdb detect`: the faces a Viola–Jones cascade finds in each image (no store needed).
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Find the faces in each image with a Haar cascade (no store needed, none created).",
        discussion: """
            Runs OpenCV's trained cascade files with simdb's own evaluator, with the parameters \
            of OpenCV's detectMultiScale. The files come from Debian's opencv-data package \
            (apt-get install opencv-data). --pad adds a border repeating the edge pixels, as a \
            fraction of the larger side, so that faces cropped tight still fit a detection \
            window; boxes are given in the original image's pixels. The eyes are looked for in \
            each face's upper part with the eye cascade. Plain output: one line per face, the \
            file, then x y width height, the number of windows that agreed, and the eyes' \
            centres when both were found.
            """
    )

    @Argument(help: ArgumentHelp("Image files (PNG, JPEG, PGM/PPM).", valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("The cascade file.", valueName: "path"))
    var cascade = HaarCascade.standardFrontalFacePath

    @Option(help: ArgumentHelp("The eye cascade, for the eyes of each face.", valueName: "path"))
    var eyeCascade = HaarCascade.standardEyePath

    @Flag(help: "Do not look for eyes.")
    var noEyes = false

    @Option(help: "How much larger each scale's window is than the last's.")
    var scaleFactor = CascadeSearch().scaleFactor

    @Option(help: "Windows a face needs around it to be kept.")
    var minNeighbors = CascadeSearch().minNeighbors

    @Option(help: ArgumentHelp("The smallest face searched for, in pixels.", valueName: "pixels"))
    var minSize = CascadeSearch().minSize

    @Option(help: ArgumentHelp("Border added before searching, as a fraction of the larger side.", valueName: "fraction"))
    var pad: Double = 0

    @Option(name: .customLong("relative-support"), help: ArgumentHelp(
        "Drop faces with fewer agreeing windows than this fraction of the best-supported face's.",
        discussion: "0 (the default) keeps what OpenCV's detectMultiScale keeps; simdb's pipeline uses 0.1 with --pad 0.25 --overlap 0.3 --max-side 1024 --retry --fallbacks --confirm --equalize.",
        valueName: "fraction"))
    var relativeSupport: Double = 0

    @Option(help: ArgumentHelp(
        "Of two faces whose boxes overlap by more than this (intersection over union), keep only the better supported.",
        discussion: "1 (the default) keeps both, as OpenCV's detectMultiScale does; simdb's pipeline uses 0.3.",
        valueName: "fraction"))
    var overlap: Double = 1

    @Option(name: .customLong("max-side"), help: ArgumentHelp(
        "Search a picture whose larger side is longer than this on a copy shrunk to it.",
        discussion: "Boxes and eyes are given in the picture's own pixels. By default pictures are searched whole, as by OpenCV's detectMultiScale; simdb's pipeline uses 1024.",
        valueName: "pixels"))
    var maxSide: Int?

    @Flag(help: ArgumentHelp(
        "Where no face is found, search again as simdb's pipeline does: without the border, then copies turned 20 degrees either way.",
        discussion: "The border moves the grid of window positions, so a face the cascade barely accepts can be found on one grid and not the other; the turned copies reach heads tilted past the cascade's 10-15 degrees."))
    var retry = false

    @Flag(help: ArgumentHelp(
        "Where still no face is found, search with OpenCV's frontalface_alt cascade, then the profile cascade on the image and its mirror image, as simdb's pipeline does.",
        discussion: "Their boxes are put into the frontal cascade's framing. The files are read from the directory of --cascade."))
    var fallbacks = false

    @Flag(help: ArgumentHelp(
        "Keep only the confirmed faces of a search that finds some, and search once more at scale step 1.05 where none is, as simdb's pipeline does.",
        discussion: "A face is confirmed when both its eyes are found (so not with --no-eyes) or OpenCV's frontalface_alt cascade, read from the directory of --cascade, accepts a window of about its size and place; a face whose eyes are found is kept whatever --relative-support says. Where no search confirms a face, the first faces found are kept."))
    var confirm = false

    @Flag(help: ArgumentHelp(
        "Where the frontal searches keep no face, search a histogram-equalized copy, as simdb's pipeline does.",
        discussion: "Before --retry's turned copies and --fallbacks; helps dark pictures and faces lit from one side."))
    var equalize = false

    @Option(help: ArgumentHelp(
        "Search exactly as the pipeline's detector ID does (haar-frontalface/1 to /5, as stores record it).",
        discussion: "The search options above set a search of your own and cannot be given with it; /5 is what new stores use.",
        valueName: "id"))
    var detector: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one image file") }
        guard scaleFactor > 1 else { throw ValidationError("--scale-factor must be greater than 1") }
        guard minNeighbors >= 0, minSize >= 1 else { throw ValidationError("--min-neighbors and --min-size must be positive") }
        guard (0...2).contains(pad) else { throw ValidationError("--pad must be between 0 and 2") }
        guard (0...1).contains(relativeSupport) else { throw ValidationError("--relative-support must be between 0 and 1") }
        guard (0...1).contains(overlap) else { throw ValidationError("--overlap must be between 0 and 1") }
        guard maxSide.map({ $0 >= 24 }) ?? true else { throw ValidationError("--max-side must be at least 24 (the cascade's window)") }
        if detector != nil {
            let plain = CascadeSearch()
            let given = [("--cascade", cascade != HaarCascade.standardFrontalFacePath),
                         ("--eye-cascade", eyeCascade != HaarCascade.standardEyePath), ("--no-eyes", noEyes),
                         ("--scale-factor", scaleFactor != plain.scaleFactor), ("--min-neighbors", minNeighbors != plain.minNeighbors),
                         ("--min-size", minSize != plain.minSize), ("--pad", pad != 0), ("--relative-support", relativeSupport != 0),
                         ("--overlap", overlap != 1), ("--max-side", maxSide != nil), ("--retry", retry),
                         ("--fallbacks", fallbacks), ("--confirm", confirm), ("--equalize", equalize)].filter(\.1).map(\.0)
            guard given.isEmpty else {
                throw ValidationError("--detector sets the whole search; leave out \(given.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        let detector = try self.detector.map { identifier -> any FaceDetector in
            let registry = PluginRegistry()
            BuiltinPlugins.install(into: registry)
            return try registry.makeDetector(identifier)
        } ?? HaarFaceDetector(cascadePath: cascade, eyeCascadePath: noEyes ? nil : eyeCascade, search: CascadeSearch(
            scaleFactor: scaleFactor, minNeighbors: minNeighbors, minSize: minSize), padding: pad,
            minimumRelativeSupport: relativeSupport, searchAgainWithoutBorder: retry,
            turnAngles: retry ? HaarFaceDetector.standardTurnAngles : [], maximumOverlap: overlap,
            maximumSearchSide: maxSide, fallbacks: fallbacks ? nil : [], confirmsFaces: confirm, searchEqualized: equalize)
        var views: [DetectionView] = []
        for file in files {
            let image = try ImageDecoder().decode(contentsOf: URL(fileURLWithPath: file))
            let clock = ContinuousClock(), start = clock.now
            let faces = try detector.detectFaces(in: image).map { face in
                FaceView(x: face.box.x, y: face.box.y, width: face.box.width, height: face.box.height, neighbors: Int(face.score),
                         leftEye: face.eyes.map { [$0.left.x, $0.left.y] }, rightEye: face.eyes.map { [$0.right.x, $0.right.y] })
            }
            views.append(DetectionView(file: file, width: image.width, height: image.height, faces: faces,
                                       milliseconds: (clock.now - start).milliseconds))
        }
        if output.json {
            try JSONOutput.print(views)
        } else {
            for view in views {
                for face in view.faces {
                    let eyes = [face.leftEye, face.rightEye].compactMap { $0.map { "\($0[0]),\($0[1])" } }.joined(separator: " ")
                    print("\(view.file)\t\(face.x) \(face.y) \(face.width) \(face.height)\t\(face.neighbors)" + (eyes.isEmpty ? "" : "\t\(eyes)"))
                }
            }
        }
    }
}

/// The JSON of one searched file.
struct DetectionView: Encodable {
    let file: String
    let width: Int
    let height: Int
    let faces: [FaceView]
    let milliseconds: Double
}

struct FaceView: Encodable {
    let x, y, width, height, neighbors: Int
    /// The eyes' centres, `[x, y]`, present when both were found.
    let leftEye, rightEye: [Float]?

    enum CodingKeys: String, CodingKey {
        case x, y, width, height, neighbors, leftEye = "left_eye", rightEye = "right_eye"
    }
}
