import Foundation
import HaarCascadeDetector
import SimDBCatalog
import SimDBCore
import SimDBImageIO
import SimDBTestSupport
import Testing
@testable import SimDB

/// An encoder of faces for the tests: 4 × 4 grey input, margin 0; the embedding is the input's
/// mean and its top-left sample.
private struct MeanFaceEncoder: Encoder {
    var identifier: String { "mean-face/1" }
    var dimension: Int { 2 }
    var input: ImageInputSpec { ImageInputSpec(width: 4, height: 4, channels: 1).withFaceMargin(0) }
    var preferredMetric: String { "l2" }
    func defaultThreshold(for metric: String) -> Float? { 0.5 }
    func encode(_ images: [Image]) throws -> EmbeddingBatch {
        for image in images { try validateInput(image) }
        return EmbeddingBatch(dimension: 2, rows: images.map { [$0.pixels.reduce(0, +) / 16, $0.pixels[0]] })
    }
}

/// A detector for the tests: one face per bright square. A picture is black with `faces` white
/// squares of 8, 12, 16… pixels side by side; the boxes are found from the picture itself.
private struct SquaresDetector: FaceDetector {
    let identifier = BuiltinPlugins.defaultDetector  // stands in for the built-in one in a private registry
    func detectFaces(in image: Image) throws -> [DetectedFace] {
        var faces: [DetectedFace] = []
        var x = 0
        while x < image.width {
            if image[x, 1, 0] > 0.5 {
                var side = 0
                while x + side < image.width, image[x + side, 1, 0] > 0.5 { side += 1 }
                faces.append(DetectedFace(box: PixelBox(x: x, y: 1, width: side, height: side), score: 10))
                x += side
            } else {
                x += 1
            }
        }
        return faces
    }

    /// A picture with `count` white squares (8, 12, 16… pixels) on black, as PNG bytes.
    static func picture(faces count: Int, name: String) throws -> ImageSource {
        .bytes(try ImageEncoder.png(image(faces: count)), name: name)
    }

    /// A picture with `count` white squares (8, 12, 16… pixels) on black.
    static func image(faces count: Int) -> Image {
        let width = 64, height = 24
        var pixels = [Float](repeating: 0, count: width * height)
        var x = 2
        for face in 0..<count {
            let side = 8 + 4 * face
            for row in 1..<(1 + side) { for column in x..<(x + side) { pixels[row * width + column] = 1 } }
            x += side + 3
        }
        return Image(width: width, height: height, channels: 1, pixels: pixels)
    }
}

@Suite("Detection in the pipeline and the store")
struct DetectionPipelineTests {
    let directory: TemporaryDirectory
    let registry: PluginRegistry

    init() throws {
        directory = try TemporaryDirectory()
        registry = PluginRegistry()
        try registry.registerEncoder("mean-face/1") { MeanFaceEncoder() }
        try registry.registerDetector(BuiltinPlugins.defaultDetector) { SquaresDetector() }
    }

    func open(detect: Bool = true) throws -> Store {
        var options = Store.Options(encoder: "mean-face/1", registry: registry)
        options.detect = detect
        return try Store(path: directory.path("store"), options: options)
    }

    @Test("a probe is framed by its largest face, or whole when none is found; encoders of whole pictures ignore the detector")
    func probes() throws {
        let pipeline = EmbeddingPipeline(encoder: MeanFaceEncoder(), detector: SquaresDetector())
        let two = SquaresDetector.image(faces: 2)
        let framed = try pipeline.framedProbe(two)
        #expect(framed.framing == Framing(box: PixelBox(x: 13, y: 1, width: 12, height: 12), facesFound: 2))
        #expect(framed.input.pixels.reduce(0, +) / 16 > 0.8, "the face, cut with margin 0, is white: \(framed.input.pixels)")
        #expect(try pipeline.framedFaces(two).map(\.framing.box?.width) == [12, 8])
        let none = SquaresDetector.image(faces: 0)
        let whole = try pipeline.framedProbe(none)
        #expect(whole.framing == Framing(box: nil, facesFound: 0) && whole.input.pixels.allSatisfy { $0 == 0 })
        #expect(try pipeline.framedFaces(none).count == 1)
        #expect(EmbeddingPipeline(encoder: MeanFaceEncoder()).detector == nil)
        let pixels = EmbeddingPipeline(encoder: try BuiltinPlugins.makeEncoder("pixels/1", registry: PluginRegistry()),
                                       detector: SquaresDetector())
        #expect(pixels.detector == nil)
    }

    @Test("add refuses no face and several faces, changing nothing; --largest-face and skipping enrol what they can")
    func enrolmentRules() throws {
        let store = try open()
        #expect(store.info.detector == "haar-frontalface/5")
        let none = #expect(throws: SimDBError.self) { try store.add([try SquaresDetector.picture(faces: 0, name: "none.png")], to: "a") }
        #expect(none?.code == .noFace && none?.message.contains("none.png") == true)
        let two = try SquaresDetector.picture(faces: 2, name: "two.png")
        let several = #expect(throws: SimDBError.self) { try store.add([two], to: "a") }
        #expect(several?.code == .severalFaces && several?.message.contains("2 faces") == true)
        #expect(try store.catalog.people().isEmpty)

        var largest = Enrollment(personId: "a", images: [two])
        largest.largestFace = true
        #expect(try store.add([largest]).first?.templates.count == 1)
        let skipping = [
            Enrollment(personId: "b", images: [try SquaresDetector.picture(faces: 1, name: "b1.png"),
                                               try SquaresDetector.picture(faces: 0, name: "b0.png")],
                       skipImagesWithoutFace: true),
            Enrollment(personId: "c", images: [try SquaresDetector.picture(faces: 0, name: "c0.png")], skipImagesWithoutFace: true),
        ]
        let results = try store.add(skipping)
        #expect(results.map(\.id) == ["b", "c"])
        #expect(results[0].templates.count == 1 && results[0].skipped == ["b0.png"])
        #expect(results[1].templates.isEmpty && results[1].skipped == ["c0.png"])
        #expect(try Set(store.catalog.people().map(\.person.id)) == ["a", "b"])
        let refusals = try store.audit().filter { $0.status == .refused && $0.action == "add" }
        #expect(refusals.map(\.personId) == ["a", "a", "c"])
    }

    @Test("query answers per face with boxes; a store created without detection records none")
    func queriesAndCreationWithoutDetection() throws {
        let store = try open()
        var enrolment = Enrollment(personId: "a", images: [try SquaresDetector.picture(faces: 1, name: "a.png")])
        enrolment.largestFace = true
        try store.add([enrolment])
        let answers = try store.queryEachFace(try SquaresDetector.picture(faces: 3, name: "three.png"), k: 1)
        #expect(answers.map { $0.box?.width } == [16, 12, 8] && answers.allSatisfy { $0.facesFound == 3 })
        let fallback = try store.query(try SquaresDetector.picture(faces: 0, name: "none.png"), k: 1)
        #expect(fallback.facesFound == 0 && fallback.box == nil)

        let other = try TemporaryDirectory()
        var options = Store.Options(encoder: "mean-face/1", registry: registry)
        options.detect = false
        let whole = try Store(path: other.path("store"), options: options)
        #expect(whole.info.detector == nil && whole.pipeline.detector == nil)
        let reopened = try Store(path: other.path("store"), options: Store.Options(registry: registry))
        #expect(reopened.pipeline.detector == nil, "a store without a detector frames whole pictures for good")
        #expect(try reopened.query(try SquaresDetector.picture(faces: 2, name: "two.png"), k: 1).facesFound == nil)
    }
}

extension DetectionPipelineTests {
    @Test("a detector that cannot be built (a missing cascade) fails only what must find a face, with its message")
    func unavailableDetector() throws {
        _ = try open()  // created with the detector recorded
        let broken = PluginRegistry()
        try broken.registerEncoder("mean-face/1") { MeanFaceEncoder() }
        try broken.registerDetector(BuiltinPlugins.defaultDetector) {
            throw SimDBError(.notFound, "/usr/share/opencv4/haarcascades/x.xml: missing (apt-get install opencv-data)")
        }
        let store = try Store(path: directory.path("store"), options: Store.Options(registry: broken))
        #expect(try store.statistics().detector == "haar-frontalface/5")
        let error = #expect(throws: SimDBError.self) { try store.query(try SquaresDetector.picture(faces: 1, name: "a.png")) }
        #expect(error?.code == .notFound && error?.message.contains("opencv-data") == true)
    }

    @Test("the built-in detectors: new stores get haar-frontalface/5 (keeping faces with eyes); /1-/4, which older stores record, search as they did")
    func builtinDetectors() throws {
        let registry = PluginRegistry()
        BuiltinPlugins.install(into: registry)
        #expect(BuiltinPlugins.defaultDetector == "haar-frontalface/5")
        #expect(Set(registry.detectorIdentifiers).isSuperset(of: (1...5).map { "haar-frontalface/\($0)" }))
        guard FileManager.default.fileExists(atPath: HaarCascade.standardDirectory + "/haarcascade_frontalface_default.xml") else {
            print("skipped: opencv-data is not installed")
            return
        }
        func made(_ identifier: String) throws -> HaarFaceDetector {
            let detector = try #require(try registry.makeDetector(identifier) as? HaarFaceDetector)
            #expect(detector.identifier == identifier && detector.padding == 0.25
                    && detector.minimumRelativeSupport == (identifier.hasSuffix("/4") || identifier.hasSuffix("/5") ? 0.1 : 0.2))
            return detector
        }
        let first = try made("haar-frontalface/1"), second = try made("haar-frontalface/2"), third = try made("haar-frontalface/3")
        let fourth = try made("haar-frontalface/4"), fifth = try made("haar-frontalface/5")
        #expect(!first.searchesAgainWithoutBorder && first.turnAngles.isEmpty && first.maximumOverlap == 1
                && first.maximumSearchSide == nil)
        #expect(second.searchesAgainWithoutBorder && second.turnAngles == HaarFaceDetector.standardTurnAngles
                && second.maximumOverlap == 1 && second.maximumSearchSide == nil)
        #expect(third.searchesAgainWithoutBorder && third.turnAngles == HaarFaceDetector.standardTurnAngles
                && third.maximumOverlap == HaarFaceDetector.standardMaximumOverlap && third.maximumSearchSide == 1024)
        #expect(first.fallbacks.isEmpty && second.fallbacks.isEmpty
                && third.fallbacks.map(\.path) == FallbackCascade.standard().map(\.path) && third.fallbacks.count == 2)
        #expect([first, second, third].allSatisfy { $0.confirmingCascade == nil && $0.finerScaleFactor == nil && !$0.searchesEqualized })
        #expect(fourth.searchesAgainWithoutBorder && fourth.turnAngles == third.turnAngles && fourth.maximumOverlap == third.maximumOverlap
                && fourth.maximumSearchSide == 1024 && fourth.fallbacks.map(\.path) == third.fallbacks.map(\.path)
                && fourth.confirmingCascade?.path == FallbackCascade.standard()[0].path && fourth.finerScaleFactor == 1.05
                && fourth.searchesEqualized && !fourth.keepsFacesWithEyes)
        #expect([first, second, third].allSatisfy { !$0.keepsFacesWithEyes })
        #expect(fifth.keepsFacesWithEyes && fifth.searchesAgainWithoutBorder && fifth.maximumOverlap == fourth.maximumOverlap
                && fifth.fallbacks.map(\.path) == fourth.fallbacks.map(\.path)
                && fifth.confirmingCascade?.path == fourth.confirmingCascade?.path && fifth.finerScaleFactor == fourth.finerScaleFactor
                && fifth.searchesEqualized && fifth.minimumRelativeSupport == fourth.minimumRelativeSupport)
        let standard = try HaarFaceDetector()
        let unconfirming = try HaarFaceDetector(confirmsFaces: false)
        #expect(standard.keepsFacesWithEyes && !unconfirming.keepsFacesWithEyes)
        #expect(standard.identifier == fifth.identifier && standard.search == fourth.search && standard.padding == fourth.padding
                && standard.maximumOverlap == fourth.maximumOverlap && standard.turnAngles == fourth.turnAngles
                && standard.maximumSearchSide == fourth.maximumSearchSide
                && standard.minimumRelativeSupport == fourth.minimumRelativeSupport
                && standard.confirmingCascade?.path == fourth.confirmingCascade?.path
                && standard.finerScaleFactor == fourth.finerScaleFactor && standard.searchesEqualized)
        #expect(standard.standardSetUp("haar-frontalface/9") == nil)
    }
}
