import Foundation
@testable import HaarCascadeDetector
import SimDBCore
import SimDBImageIO
import SimDBTestSupport
import Testing

@Suite("Fallback cascades")
struct FallbackCascadeTests {
    let directory = HaarCascade.standardDirectory

    func image(_ grey: GreyImage) -> Image {
        Image(width: grey.width, height: grey.height, channels: 1, pixels: grey.pixels.map { Float($0) / 255 })
    }

    @Test("framing: a box scaled about its centre and moved by fractions of its width; mirroring back swaps the eyes")
    func mapping() {
        let profile = FallbackCascade(path: "/nowhere.xml", searchesMirrored: true, scale: 0.9, shift: (-0.2, 0.1))
        #expect(profile.framed(PixelBox(x: 100, y: 50, width: 100, height: 100)) == PixelBox(x: 85, y: 65, width: 90, height: 90))
        #expect(FallbackCascade(path: "/nowhere.xml").framed(PixelBox(x: 3, y: 4, width: 50, height: 50))
                == PixelBox(x: 3, y: 4, width: 50, height: 50))
        let face = DetectedFace(box: PixelBox(x: 10, y: 20, width: 30, height: 30), score: 5, eyes: ((18, 30), (32, 31)))
        let back = HaarFaceDetector.mirrored(face, width: 100)
        #expect(back.box == PixelBox(x: 60, y: 20, width: 30, height: 30) && back.score == 5)
        #expect(back.eyes?.left.x == 68 && back.eyes?.left.y == 31 && back.eyes?.right.x == 82 && back.eyes?.right.y == 30)
        #expect(HaarFaceDetector.mirrored(back, width: 100) == face)
    }

    @Test("a missing fallback file fails only the search that needs it, naming the package")
    func missingFile() throws {
        let detector = try HaarFaceDetector(eyeCascadePath: nil, fallbacks: [FallbackCascade(path: "/nowhere/profile.xml")])
        let flat = Image(width: 80, height: 80, channels: 1, pixels: [Float](repeating: 0.5, count: 6400))
        let error = #expect(throws: SimDBError.self) { try detector.detectFaces(in: flat) }
        #expect(error?.code == .notFound && error?.message.contains("opencv-data") == true)
    }

    @Test("LFW-train faces every frontal search misses are found by the fallbacks: frontalface_alt, and the profile cascade either way round")
    func findsWhatTheFrontalCascadeMisses() throws {
        guard let menem = SharedData.file("lfw-train/Carlos_Menem/Carlos_Menem_0003.jpg"),
              let morrough = SharedData.file("lfw-train/Ray_Morrough/Ray_Morrough_0001.jpg") else { return }
        // /3's searches: /4's finer search finds both faces with the frontal cascade after all.
        let frontalOnly = try HaarFaceDetector(eyeCascadePath: nil, fallbacks: [], confirmsFaces: false, searchEqualized: false)
        let standard = try HaarFaceDetector(eyeCascadePath: nil, confirmsFaces: false, searchEqualized: false)
        #expect(standard.fallbacks.map { ($0.path as NSString).lastPathComponent }
                == ["haarcascade_frontalface_alt.xml", "haarcascade_profileface.xml"])
        let profileOnly = try HaarFaceDetector(eyeCascadePath: nil, searchAgainWithoutBorder: false, turnAngles: [],
                                               fallbacks: [FallbackCascade(path: directory + "/haarcascade_profileface.xml",
                                                                           searchesMirrored: true)],
                                               confirmsFaces: false, searchEqualized: false)
        for file in [menem, morrough] {
            let picture = try ImageDecoder().decode(contentsOf: file)
            #expect(try frontalOnly.detectFaces(in: picture).isEmpty, "\(file.lastPathComponent)")
            let found = try standard.detectFaces(in: picture)
            #expect(found.count == 1, "\(file.lastPathComponent): \(found.map(\.box))")
            // A face-sized box around the middle of the crop.
            if let box = found.first?.box {
                #expect(box.width > 90 && box.width < 170 && abs(box.x + box.width / 2 - 75) < 25, "\(box)")
            }
        }
        // Ray_Morrough turns one way: the profile cascade finds him as he is and, mirrored, on the mirrored search.
        let grey = GreyImage(try ImageDecoder().decode(contentsOf: morrough))
        let asIs = try #require(try profileOnly.detectFaces(in: image(grey)).first).box
        let mirrored = try #require(try profileOnly.detectFaces(in: image(grey.mirrored())).first).box
        // The mirrored picture's windows fall on another grid, so the box differs a little; its centre
        // is where the first one's mirrors to, not where it was.
        func centre(_ box: PixelBox) -> Double { Double(box.x) + Double(box.width) / 2 }
        let expected = Double(grey.width) - centre(asIs)
        #expect(abs(centre(mirrored) - expected) < 12 && abs(centre(mirrored) - centre(asIs)) > 30, "\(mirrored), \(asIs)")
        #expect(abs(mirrored.width - asIs.width) < asIs.width / 4)
    }
}
