import Foundation
@testable import HaarCascadeDetector
import SimDBCore
import SimDBImageIO
import SimDBSamples
import SimDBTestSupport
import Testing

/// `haar-frontalface/4`'s second opinion (`HaarFaceDetector.confirmingCascade`), on LFW-train
/// faces pasted into generated scenes (`simdb-samples group OUT SEED PICTURE...` makes the same
/// pictures), each against `/3`, which confirms nothing.
@Suite("Face confirmation")
struct FaceConfirmationTests {
    /// The standard set-ups `/3` and `/4`, or `nil` (skipped) without opencv-data.
    func setUps() throws -> (third: HaarFaceDetector, fourth: HaarFaceDetector, fifth: HaarFaceDetector)? {
        guard FileManager.default.fileExists(atPath: HaarCascade.standardDirectory + "/haarcascade_frontalface_alt.xml") else {
            print("skipped: opencv-data is not installed")
            return nil
        }
        let detector = try HaarFaceDetector()
        return (try #require(detector.standardSetUp("haar-frontalface/3")), try #require(detector.standardSetUp("haar-frontalface/4")),
                try #require(detector.standardSetUp("haar-frontalface/5")))
    }

    /// The LFW-train pictures named, pasted side by side into a scene as `simdb-samples group` does.
    func scene(_ names: [String], seed: UInt64) throws -> (image: Image, places: [PixelBox])? {
        var pictures: [Image] = []
        for name in names {
            guard let file = SharedData.file("lfw-train/" + name) else { return nil }
            pictures.append(try ImageDecoder().decode(contentsOf: file))
        }
        return Scenes.scene(with: pictures, sizes: 110...200, seed: seed)
    }

    /// Whether `face` is the face of the picture pasted at `place` (about two thirds of its width).
    func isFace(_ face: DetectedFace, at place: PixelBox) -> Bool {
        let centre = (x: face.box.x + face.box.width / 2, y: face.box.y + face.box.height / 2)
        return (place.x...(place.x + place.width)).contains(centre.x) && (place.y...(place.y + place.height)).contains(centre.y)
            && Double(face.box.width) >= 0.35 * Double(place.width) && Double(face.box.width) <= 1.3 * Double(place.width)
    }

    @Test("a false face in the clutter beside the real one: /3 keeps both (add would refuse the picture), /4 only the real one, whose eyes were found")
    func falseFaceDropped() throws {
        guard let (third, fourth, _) = try setUps(), let scene = try scene(["Andy_Roddick/Andy_Roddick_0006.jpg"], seed: 4) else { return }
        let before = try third.detectFaces(in: scene.image)
        #expect(before.count == 2 && before.filter { isFace($0, at: scene.places[0]) }.count == 1, "\(before.map(\.box))")
        let after = try fourth.detectFaces(in: scene.image)
        #expect(after.count == 1 && isFace(after[0], at: scene.places[0]) && after[0].eyes != nil, "\(after.map(\.box))")
        let falseFace = try #require(before.first { !isFace($0, at: scene.places[0]) })
        #expect(try !fourth.isConfirmed(falseFace, in: GreyImage(scene.image), by: #require(fourth.confirmingCascade)))
    }

    @Test("a face the cascade accepts at none of 1.1's scales: /3 finds nothing, /4's finer search finds it, eyes and all")
    func finerSearch() throws {
        guard let (third, fourth, _) = try setUps(), let scene = try scene(["Jerry_Rice/Jerry_Rice_0001.jpg"], seed: 2) else { return }
        #expect(try third.detectFaces(in: scene.image).isEmpty)
        let after = try fourth.detectFaces(in: scene.image)
        #expect(after.count == 1 && isFace(after[0], at: scene.places[0]) && after[0].eyes != nil, "\(after.map(\.box))")
    }

    @Test("two people, the second face weakly supported: /3 loses it to the relative-support rule, /4 keeps both")
    func weakSecondFaceKept() throws {
        guard let (third, fourth, _) = try setUps(),
              let scene = try scene(["Tony_Blair/Tony_Blair_0144.jpg", "Woody_Allen/Woody_Allen_0004.jpg"], seed: 1) else { return }
        let before = try third.detectFaces(in: scene.image)
        #expect(before.count == 1 && isFace(before[0], at: scene.places[0]), "\(before.map(\.box))")
        let after = try fourth.detectFaces(in: scene.image)
        #expect(after.count == 2 && scene.places.allSatisfy { place in after.contains { isFace($0, at: place) } }, "\(after.map(\.box))")
    }

    @Test("two people, the second face under a tenth of the first's support but with both eyes: /4 loses it, /5 keeps both")
    func weakFaceWithEyesKept() throws {
        guard let (_, fourth, fifth) = try setUps(),
              let scene = try scene(["Dion_Glover/Dion_Glover_0001.jpg", "Princess_Masako/Princess_Masako_0002.jpg"], seed: 35)
        else { return }
        let before = try fourth.detectFaces(in: scene.image)
        #expect(before.count == 1 && isFace(before[0], at: scene.places[1]), "\(before.map(\.box))")
        let after = try fifth.detectFaces(in: scene.image)
        #expect(after.count == 2 && scene.places.allSatisfy { place in after.contains { isFace($0, at: place) } }, "\(after.map(\.box))")
        let weak = try #require(after.first { isFace($0, at: scene.places[0]) })
        #expect(weak.eyes != nil && Double(weak.score) < 0.1 * Double(after.map(\.score).max() ?? 0), "\(after.map(\.score))")
    }

    @Test("confirmation: a face with both eyes found is confirmed without the second cascade; a box on clutter or flat grey is not")
    func confirmation() throws {
        guard let (_, fourth, _) = try setUps() else { return }
        let missing = FallbackCascade(path: "/nonexistent/haarcascade_frontalface_alt.xml")
        let flat = GreyImage(width: 200, height: 200, pixels: [UInt8](repeating: 128, count: 200 * 200))
        let withEyes = DetectedFace(box: PixelBox(x: 50, y: 50, width: 100, height: 100), score: 5, eyes: ((80, 90), (120, 90)))
        #expect(try fourth.isConfirmed(withEyes, in: flat, by: missing))
        let withoutEyes = DetectedFace(box: withEyes.box, score: 5)
        #expect(throws: SimDBError.self) { try fourth.isConfirmed(withoutEyes, in: flat, by: missing) }
        #expect(try !fourth.isConfirmed(withoutEyes, in: flat, by: #require(fourth.confirmingCascade)))
        // A box reaching past the picture's edge is looked at with the edge repeated, as the search pads it.
        let atTheEdge = DetectedFace(box: PixelBox(x: -40, y: 150, width: 100, height: 100), score: 5)
        #expect(try !fourth.isConfirmed(atTheEdge, in: flat, by: #require(fourth.confirmingCascade)))
    }

    @Test("a real face with no eyes found (LFW-train, eyes off) is confirmed by frontalface_alt near its box, not far from it")
    func secondCascade() throws {
        guard let (_, fourth, _) = try setUps(), let file = SharedData.file("lfw-train/Colin_Powell/Colin_Powell_0001.jpg") else { return }
        let grey = GreyImage(try ImageDecoder().decode(contentsOf: file))
        let noEyes = try HaarFaceDetector(eyeCascadePath: nil, confirmsFaces: false)
        let face = try #require(try noEyes.detectFaces(in: grey).first)
        let cascade = try #require(fourth.confirmingCascade)
        #expect(try fourth.isConfirmed(face, in: grey, by: cascade))
        let box = face.box
        let beside = DetectedFace(box: PixelBox(x: box.x + box.width / 2, y: box.y, width: box.width, height: box.height), score: face.score)
        let smaller = DetectedFace(box: PixelBox(x: box.x + box.width / 3, y: box.y + box.height / 3, width: box.width / 3,
                                                 height: box.height / 3), score: face.score)
        #expect(try !fourth.isConfirmed(beside, in: grey, by: cascade))
        #expect(try !fourth.isConfirmed(smaller, in: grey, by: cascade))
    }
}
