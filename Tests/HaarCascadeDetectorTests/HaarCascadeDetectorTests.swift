import Foundation
@testable import HaarCascadeDetector
import SimDBCore
import SimDBImageIO
import SimDBTestSupport
import Testing

/// The cascade files are Debian's opencv-data package, which `make test` installs.
let frontalFace = HaarCascade.standardDirectory + "/haarcascade_frontalface_default.xml"

@Suite("Haar cascade files")
struct HaarCascadeFileTests {
    @Test("OpenCV's frontal face and eye cascades are read: window, stages")
    func readsOpenCVFiles() throws {
        let face = try HaarCascade(contentsOf: frontalFace)
        #expect(face.windowWidth == 24 && face.windowHeight == 24 && face.stageCount == 25)
        let eye = try HaarCascade(contentsOf: HaarCascade.standardDirectory + "/haarcascade_eye.xml")
        #expect(eye.windowWidth == 20 && eye.stageCount == 24)
    }

    @Test("a missing file names the package; damaged files are refused with what is wrong")
    func badFiles() throws {
        let missing = #expect(throws: SimDBError.self) { try HaarCascade(contentsOf: "/nonexistent/cascade.xml") }
        #expect(missing?.code == .notFound && missing?.message.contains("opencv-data") == true)
        let directory = try TemporaryDirectory()
        let good = try String(contentsOfFile: frontalFace, encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("empty.xml", "", "no element"),
            ("cut.xml", String(good.prefix(good.count / 2)), "unterminated"),
            ("lbp.xml", good.replacingOccurrences(of: "<featureType>HAAR", with: "<featureType>LBP"), "only BOOST stages of HAAR"),
            ("tilted.xml", good.replacingOccurrences(of: "</rects></_>", with: "</rects><tilted>1</tilted></_>"), "tilted"),
            ("outside.xml", good.replacingOccurrences(of: "6 4 12 9 -1.", with: "16 4 12 9 -1."), "outside the window"),
            ("node.xml", good.replacingOccurrences(of: "0 -1 0 -3.1511999666690826e-02", with: "0 -1 99999 -3.15e-02"), "a tree node"),
        ]
        for (name, text, expected) in cases {
            let path = try directory.write(Array(text.utf8), to: name)
            let error = #expect(throws: SimDBError.self, "\(name)") { try HaarCascade(contentsOf: path) }
            #expect(error?.code == .corruptStore && error?.message.contains(expected) == true, "\(name): \(String(describing: error))")
        }
    }
}

@Suite("Cascade search")
struct CascadeSearchTests {
    @Test("grouping: windows close together merge into their mean, lonely ones and boxes inside stronger ones go")
    func grouping() {
        let cluster = (0..<5).map { PixelBox(x: 100 + $0, y: 50 + $0 % 2, width: 60, height: 60) }
        let lonely = [PixelBox(x: 300, y: 300, width: 40, height: 40)]
        let inside = (0..<4).map { PixelBox(x: 115 + $0, y: 65, width: 30, height: 30) }
        let groups = CascadeClassifier.group(cluster + lonely + inside, minNeighbors: 3)
        #expect(groups.count == 1)
        #expect(groups.first?.box == PixelBox(x: 102, y: 50, width: 60, height: 60) && groups.first?.neighbors == 5)
        #expect(CascadeClassifier.group(cluster, minNeighbors: 5).isEmpty)
        #expect(CascadeClassifier.group(lonely, minNeighbors: 0).count == 1)
    }

    @Test("bilinear resizing keeps flat images flat and samples pixel centres")
    func resizing() {
        let flat = GreyImage(width: 7, height: 5, pixels: [UInt8](repeating: 77, count: 35))
        #expect(flat.resized(width: 3, height: 2).pixels.allSatisfy { $0 == 77 })
        let ramp = GreyImage(width: 4, height: 1, pixels: [0, 100, 200, 255])
        #expect(ramp.resized(width: 2, height: 1).pixels == [50, 228])
        #expect(ramp.padded(by: 1).pixels == [0, 0, 100, 200, 255, 255, 0, 0, 100, 200, 255, 255, 0, 0, 100, 200, 255, 255])
    }

    @Test("equalizing: each value to 255 x the share of samples above the darkest that are at most it; one value left alone")
    func equalizing() {
        let picture = GreyImage(width: 4, height: 1, pixels: [10, 10, 20, 30])
        // Two samples above the darkest value: 20 maps to 255 x 1/2 (127.5, rounded to even), 30 to 255.
        #expect(picture.equalized().pixels == [0, 0, 128, 255])
        let flat = GreyImage(width: 3, height: 3, pixels: [UInt8](repeating: 77, count: 9))
        #expect(flat.equalized() == flat)
        // 255 / 102 = 2.5 exactly: 1 maps to 2.5, rounded to even (OpenCV's cvRound), not away from zero.
        let halves = GreyImage(width: 103, height: 1, pixels: [0, 1] + [UInt8](repeating: 2, count: 101))
        #expect(Array(halves.equalized().pixels.prefix(3)) == [0, 2, 255])
    }

    @Test("a region: inside, the picture's samples; beyond its edges, the nearest edge sample, as padding repeats it")
    func region() {
        let picture = GreyImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        #expect(picture.region(PixelBox(x: 0, y: 0, width: 3, height: 2)) == picture)
        #expect(picture.region(PixelBox(x: 1, y: 1, width: 1, height: 1)).pixels == [5])
        let around = picture.region(PixelBox(x: -1, y: -1, width: 5, height: 4))
        #expect(around == picture.padded(by: 1))
        #expect(picture.region(PixelBox(x: 5, y: -3, width: 2, height: 2)).pixels == [3, 3, 3, 3])
    }

    @Test("no face in noise, flat grey or gradients")
    func noFaceInNonFaces() throws {
        let classifier = CascadeClassifier(try HaarCascade(contentsOf: frontalFace))
        var generator = SplitMix64(seed: 3)
        let noise = GreyImage(width: 320, height: 240, pixels: (0..<(320 * 240)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let flat = GreyImage(width: 200, height: 200, pixels: [UInt8](repeating: 128, count: 40_000))
        let gradient = GreyImage(width: 256, height: 200, pixels: (0..<(256 * 200)).map { UInt8($0 % 256) })
        for picture in [noise, flat, gradient] { #expect(classifier.detect(in: picture).isEmpty) }
    }

    @Test("ORL faces are found once padded, inside the picture and face-sized")
    func findsORLFaces() throws {
        guard let orl = SharedData.orl else {
            print("skipped: ../shared/data/orl is not here")
            return
        }
        let classifier = CascadeClassifier(try HaarCascade(contentsOf: frontalFace))
        var found = 0, total = 0
        for person in stride(from: 1, through: 40, by: 4) {
            for picture in [1, 5] {
                let image = try ImageDecoder().decode(contentsOf: orl.appendingPathComponent("s\(person)/\(picture).pgm"))
                let grey = GreyImage(image)
                let border = grey.height / 4
                let faces = classifier.detect(in: grey.padded(by: border))
                total += 1
                guard let face = faces.first else { continue }
                found += 1
                // The face is in the picture (92 x 112), not in the border, and face-sized.
                let box = PixelBox(x: face.box.x - border, y: face.box.y - border, width: face.box.width, height: face.box.height)
                #expect(box.intersectionOverUnion(PixelBox(x: 0, y: 0, width: 92, height: 112)) > 0.3, "s\(person)/\(picture): \(box)")
                #expect((40...130).contains(box.width), "s\(person)/\(picture): \(box)")
            }
        }
        #expect(found == total, "\(found) of \(total) ORL faces found")
    }
}

@Suite("Eyes")
struct EyeTests {
    @Test("on ORL faces the eyes are found in most, left of right, level-ish, a plausible distance apart, in the upper face")
    func findsEyes() throws {
        guard let orl = SharedData.orl else {
            print("skipped: ../shared/data/orl is not here")
            return
        }
        let detector = try HaarFaceDetector()
        var faces = 0, withEyes = 0
        for person in stride(from: 2, through: 40, by: 3) {
            for picture in [2, 7] {
                let image = try ImageDecoder().decode(contentsOf: orl.appendingPathComponent("s\(person)/\(picture).pgm"))
                guard let face = try detector.detectFaces(in: image).first else { continue }
                faces += 1
                guard let eyes = face.eyes else { continue }
                withEyes += 1
                let distance = (eyes.right.x - eyes.left.x) / Float(face.box.width)
                #expect((0.25...0.6).contains(distance), "s\(person)/\(picture): eyes \(distance) of the width apart")
                #expect(abs(eyes.right.y - eyes.left.y) < Float(face.box.height) / 6, "s\(person)/\(picture)")
                #expect(eyes.left.y > Float(face.box.y) && eyes.left.y < Float(face.box.y) + Float(face.box.height) * 0.6)
            }
        }
        print("ORL: eyes found in \(withEyes) of \(faces) faces")
        #expect(faces == 26 && Double(withEyes) >= 0.75 * Double(faces), "eyes in \(withEyes) of \(faces) faces")
    }
}

@Suite("Searching again")
struct SearchingAgainTests {
    func boxes(_ detector: HaarFaceDetector, _ image: Image) throws -> [PixelBox] {
        try detector.detectFaces(in: image).map(\.box)
    }

    @Test("a picture the bordered search finds no face in is searched as it is; one it finds a face in is left alone")
    func searchesAgainWithoutBorder() throws {
        guard let folder = SharedData.file("lfw-train/Woody_Allen/Woody_Allen_0004.jpg")?.deletingLastPathComponent() else { return }
        // No finer search (/4's finds the lowered head on the bordered picture too).
        let twice = try HaarFaceDetector(eyeCascadePath: nil, turnAngles: [], fallbacks: [],
                                         confirmsFaces: false, searchEqualized: false)
        let once = try HaarFaceDetector(eyeCascadePath: nil, searchAgainWithoutBorder: false, turnAngles: [], fallbacks: [],
                                        confirmsFaces: false, searchEqualized: false)
        let unbordered = try HaarFaceDetector(eyeCascadePath: nil, padding: 0, turnAngles: [], fallbacks: [],
                                              confirmsFaces: false, searchEqualized: false)
        #expect(twice.searchesAgainWithoutBorder && !once.searchesAgainWithoutBorder)

        // A lowered head at the edge of the cascade's reach: missed on the bordered grid, found on the other.
        let lowered = try ImageDecoder().decode(contentsOf: folder.appendingPathComponent("Woody_Allen_0004.jpg"))
        #expect(try boxes(once, lowered).isEmpty)
        let found = try boxes(twice, lowered)
        let unborderedFound = try boxes(unbordered, lowered)
        #expect(found.count == 1 && found == unborderedFound)
        #expect(found.first.map { $0.intersectionOverUnion(PixelBox(x: 10, y: 10, width: 130, height: 130)) > 0.5 } == true,
                "\(found)")

        // Found by the first search: exactly its answer, whatever the second would say.
        let plain = try ImageDecoder().decode(contentsOf: folder.appendingPathComponent("Woody_Allen_0001.jpg"))
        let first = try boxes(once, plain)
        let second = try boxes(twice, plain)
        #expect(!first.isEmpty && second == first)

        // No face in either search: none.
        let flat = Image(width: 120, height: 120, channels: 1, pixels: [Float](repeating: 0.5, count: 120 * 120))
        #expect(try boxes(twice, flat).isEmpty)
    }

    @Test("a face lit from one side in a dark Extended Yale B picture: no search finds it but the equalized one, which finds the face")
    func equalizedSearch() throws {
        guard let file = SharedData.file("extended-yaleb/yaleB01/yaleB01_P00A+110E+15.png") else { return }
        let picture = try ImageDecoder().decode(contentsOf: file)
        let without = try HaarFaceDetector(eyeCascadePath: nil, searchEqualized: false)
        #expect(try without.detectFaces(in: picture).isEmpty)
        let found = try HaarFaceDetector(eyeCascadePath: nil).detectFaces(in: picture)
        #expect(found.count == 1, "\(found.map(\.box))")
        if let box = found.first?.box {
            // Yale's crops are tight: the cascade's face box is larger than the picture, about its centre.
            #expect(box.width > picture.width && abs(box.x + box.width / 2 - picture.width / 2) < 20
                    && abs(box.y + box.height / 2 - picture.height / 2) < 40, "\(box)")
        }
    }

    @Test("turning: a bright spot lands where pointBeforeTurn says it came from, anticlockwise on screen; 0 changes nothing")
    func turning() throws {
        var pixels = [UInt8](repeating: 0, count: 41 * 31)
        for y in 9...11 { for x in 29...31 { pixels[y * 41 + x] = 255 } }
        let picture = GreyImage(width: 41, height: 31, pixels: pixels)
        #expect(picture.turned(by: 0) == picture)
        let angle = Float.pi / 6
        let turned = picture.turned(by: angle)
        let brightest = try #require(turned.pixels.indices.max { turned.pixels[$0] < turned.pixels[$1] })
        let spot = (x: Float(brightest % 41) + 0.5, y: Float(brightest / 41) + 0.5)
        // The spot, 10 right of the centre (20.5, 15.5) and 5 above it, turned 30 degrees anticlockwise.
        #expect(abs(spot.x - 26.7) <= 1 && abs(spot.y - 6.2) <= 1, "\(spot)")
        let back = picture.pointBeforeTurn(spot, by: angle)
        #expect(abs(back.x - 30.5) <= 1 && abs(back.y - 10.5) <= 1, "\(back)")
    }

    @Test("a head tilted past the cascade's reach is found on a turned copy: box back in the picture's pixels, eyes along the tilt")
    func findsTiltedHeads() throws {
        guard let file = SharedData.file("lfw-train/Woody_Allen/Woody_Allen_0001.jpg") else { return }
        let grey = GreyImage(try ImageDecoder().decode(contentsOf: file))
        let upright = try HaarFaceDetector(eyeCascadePath: nil, turnAngles: [], fallbacks: [])
        let standard = try HaarFaceDetector(eyeCascadePath: nil, fallbacks: [])
        #expect(standard.turnAngles == [-20, 20])
        func image(_ grey: GreyImage) -> Image {
            Image(width: grey.width, height: grey.height, channels: 1, pixels: grey.pixels.map { Float($0) / 255 })
        }
        let face = try #require(try upright.detectFaces(in: image(grey)).first).box
        let tilt = Float.pi / 6
        let tilted = image(grey.turned(by: tilt))
        #expect(try upright.detectFaces(in: tilted).isEmpty)
        let found = try #require(try standard.detectFaces(in: tilted).first)
        // Where the face's centre went when the picture was turned.
        let centre = grey.pointBeforeTurn((Float(face.x) + Float(face.width) / 2, Float(face.y) + Float(face.height) / 2), by: -tilt)
        let foundCentre = (x: Float(found.box.x) + Float(found.box.width) / 2, y: Float(found.box.y) + Float(found.box.height) / 2)
        #expect(abs(foundCentre.x - centre.x) < 15 && abs(foundCentre.y - centre.y) < 15, "\(found.box) around \(centre)")
        #expect(abs(found.box.width - face.width) < face.width / 4, "\(found.box)")
        // Placed level in the copy turned 20 degrees back: in the picture, a line 20 degrees up to the right.
        let eyes = try #require(found.eyes)
        let slope = atan2(eyes.right.y - eyes.left.y, eyes.right.x - eyes.left.x) * 180 / .pi
        #expect(abs(slope + 20) < 0.5, "\(slope)")
    }
}

@Suite("Overlapping faces")
struct OverlappingFacesTests {
    @Test("of two faces overlapping by more than the limit the better supported stays (the larger on a tie); apart, both stay")
    func droppingOverlaps() {
        let face = (box: PixelBox(x: 20, y: 20, width: 100, height: 100), neighbors: 30)
        let shifted = (box: PixelBox(x: 20, y: -20, width: 110, height: 110), neighbors: 6)   // intersection over union 0.45
        let beside = (box: PixelBox(x: 95, y: 30, width: 80, height: 80), neighbors: 9)       // 0.13: a second person
        let faces = [shifted, face, beside]
        #expect(face.box.intersectionOverUnion(shifted.box) > 0.4 && face.box.intersectionOverUnion(beside.box) < 0.2)
        #expect(HaarFaceDetector.droppingOverlaps(faces, maximumOverlap: 0.3).map(\.box) == [face.box, beside.box])
        #expect(HaarFaceDetector.droppingOverlaps(faces, maximumOverlap: 0.1).map(\.box) == [face.box])
        #expect(HaarFaceDetector.droppingOverlaps(faces, maximumOverlap: 1).map(\.box) == faces.map(\.box))
        let tied = [(box: face.box, neighbors: 6), shifted]
        #expect(HaarFaceDetector.droppingOverlaps(tied, maximumOverlap: 0.3).map(\.box) == [shifted.box])
        #expect(HaarFaceDetector.droppingOverlaps([], maximumOverlap: 0.3).isEmpty)
    }

    @Test("an LFW-train photo where the cascade also accepts a box shifted onto the hair: the overlap rule (from haar-frontalface/3) keeps the face")
    func realPhoto() throws {
        guard let file = SharedData.file("lfw-train/Tony_Blair/Tony_Blair_0144.jpg") else { return }
        let image = try ImageDecoder().decode(contentsOf: file)
        // The overlap rule alone: /4's confirmation would drop the shifted box by itself.
        let keepingBoth = try HaarFaceDetector(eyeCascadePath: nil, maximumOverlap: 1,
                                               confirmsFaces: false, searchEqualized: false)
        let standard = try HaarFaceDetector(eyeCascadePath: nil, confirmsFaces: false, searchEqualized: false)
        let both = try keepingBoth.detectFaces(in: image)
        #expect(both.count == 2, "\(both.map(\.box))")
        let best = try #require(both.max { $0.score < $1.score })
        let kept = try standard.detectFaces(in: image)
        #expect(kept.map(\.box) == [best.box] && kept.first?.score == best.score)
    }
}

@Suite("Large pictures")
struct LargePictureTests {
    @Test("summed-area tables past 2^31 (a 3000 x 3000 white picture) still give each window's sums exactly")
    func summedAreaTablesWrap() {
        let side = 3000, stride = side + 1
        let integral = IntegralImage(GreyImage(width: side, height: side, pixels: [UInt8](repeating: 255, count: side * side)),
                                     stride: stride)
        let window = (0, 24, 24 * stride, 24 * stride + 24)
        for origin in [0, 1500 * stride + 1500, (side - 24) * stride + side - 24] {
            #expect(integral.sum(origin, window) == 24 * 24 * 255)
            #expect(integral.squaredSum(origin, window) == 24 * 24 * 255 * 255)
        }
    }

    @Test("shrinking: the larger side to the limit, the shape kept, flat stays flat, a bright block lands where it is scaled to")
    func shrinking() {
        let (width, height) = (2000, 1500)
        var pixels = [UInt8](repeating: 40, count: width * height)
        for y in 600..<800 { for x in 1000..<1200 { pixels[y * width + x] = 240 } }
        let picture = GreyImage(width: width, height: height, pixels: pixels)
        #expect(picture.shrunk(toLargerSide: 2000) == picture)
        let shrunk = picture.shrunk(toLargerSide: 500)
        #expect(shrunk.width == 500 && shrunk.height == 375)
        // The block, scaled by a quarter: 250..<300 across, 150..<200 down.
        #expect(shrunk.pixels[175 * 500 + 275] == 240 && shrunk.pixels[50 * 500 + 50] == 40 && shrunk.pixels[175 * 500 + 240] == 40)
        let flat = GreyImage(width: 1100, height: 700, pixels: [UInt8](repeating: 99, count: 1100 * 700)).shrunk(toLargerSide: 1024)
        #expect(flat.width == 1024 && flat.height == 652 && flat.pixels.allSatisfy { $0 == 99 })
    }

    @Test("a face in a picture larger than the search side is found on the shrunk copy, its box in the picture's pixels")
    func findsFacesInLargePictures() throws {
        guard let file = SharedData.file("lfw-train/Woody_Allen/Woody_Allen_0001.jpg") else { return }
        let grey = GreyImage(try ImageDecoder().decode(contentsOf: file))
        func image(_ grey: GreyImage) -> Image {
            Image(width: grey.width, height: grey.height, channels: 1, pixels: grey.pixels.map { Float($0) / 255 })
        }
        let whole = try HaarFaceDetector(eyeCascadePath: nil, maximumSearchSide: nil)
        #expect(try HaarFaceDetector(eyeCascadePath: nil).maximumSearchSide == 1024)
        // A small search side keeps the test quick; the standard 1024 takes the same path.
        let shrinking = try HaarFaceDetector(eyeCascadePath: nil, maximumSearchSide: 200)
        let small = try #require(try whole.detectFaces(in: image(grey)).first).box
        #expect(try shrinking.detectFaces(in: image(grey)).first?.box == small)
        let factor = 3
        let large = image(grey.resized(width: grey.width * factor, height: grey.height * factor))
        let found = try #require(try shrinking.detectFaces(in: large).max { $0.score < $1.score })
        let expected = PixelBox(x: small.x * factor, y: small.y * factor, width: small.width * factor, height: small.height * factor)
        #expect(found.box.intersectionOverUnion(expected) > 0.7, "\(found.box) against \(expected)")
    }
}
