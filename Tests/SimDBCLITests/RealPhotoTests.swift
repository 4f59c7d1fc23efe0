import Foundation
import SimDB
import SimDBImageIO
import SimDBSamples
import SimDBTestSupport
import Testing

/// Ordinary photos, end to end through the built binary with the default encoder and detector:
/// ORL's held-out people (`s31`..`s40`, never trained on) pasted at random sizes and places into
/// generated 640×480 scenes, enrolled, identified, refused.
@Suite("Real photos end to end",
       .enabled(if: SharedData.orl != nil && FileManager.default.fileExists(atPath: "/usr/share/opencv4/haarcascades"),
                "needs ../shared/data/orl and Debian's opencv-data"))
struct RealPhotoTests {
    let directory: TemporaryDirectory
    let orl: URL

    init() throws {
        directory = try TemporaryDirectory()
        orl = try #require(SharedData.orl)
    }

    /// ORL picture `index` of `person` pasted into a scene, written as a PNG; returns its path.
    func photo(_ person: Int, _ index: Int, seed: UInt64? = nil) throws -> String {
        let picture = try ImageDecoder().decode(contentsOf: orl.appendingPathComponent("s\(person)/\(index).pgm"))
        let scene = Scenes.scene(with: [picture], seed: seed ?? UInt64(person * 100 + index))
        return try directory.write(try ImageEncoder.png(scene.image), to: "s\(person)-\(index).png")
    }

    /// A scene holding two people side by side.
    func groupPhoto(_ first: (Int, Int), _ second: (Int, Int)) throws -> String {
        let pictures = try [first, second].map {
            try ImageDecoder().decode(contentsOf: orl.appendingPathComponent("s\($0.0)/\($0.1).pgm"))
        }
        let scene = Scenes.scene(with: pictures, sizes: 130...200, seed: 99)
        return try directory.write(try ImageEncoder.png(scene.image), to: "group.png")
    }

    /// A 320 x 240 colour picture with no face: two smooth gradients. (A generated scene
    /// background, `Scenes.background(seed: 5)`, served until haar-frontalface/2: its turned
    /// copies find a false face in the drawn shapes.)
    func faceless() throws -> [UInt8] {
        let width = 320, height = 240
        let pixels = (0..<(width * height * 3)).map { index -> Float in
            let pixel = index / 3, x = Float(pixel % width) / Float(width), y = Float(pixel / width) / Float(height)
            return index % 3 == 0 ? 0.2 + 0.6 * x : index % 3 == 1 ? 0.3 + 0.5 * y : 0.5
        }
        return try ImageEncoder.png(Image(width: width, height: height, channels: 3, pixels: pixels))
    }

    func peopleCount(_ store: String) throws -> Int? {
        (try CLI.run(["info", "--json"], store: store).json() as? [String: Any])?["people"] as? Int
    }

    @Test("enrol from photos, identify each enrolled person, call a stranger unknown, find both people in a group photo")
    func enrolAndIdentify() throws {
        let store = directory.path("store")
        let enrolled = Array(31...35)
        for person in enrolled {
            let add = try CLI.run(["add", try photo(person, 1), try photo(person, 2), "--id", "s\(person)"], store: store)
            #expect(add.status == 0, "\(add.stderr)")
        }
        for person in enrolled {
            let query = try CLI.run(["query", try photo(person, 7), "--json"], store: store)
            #expect(query.status == 0, "\(query.stderr)")
            let answer = try #require(try query.json() as? [String: Any])
            #expect(answer["faces_found"] as? Int == 1 && answer["box"] is [String: Any], "\(answer)")
            let decision = try #require(answer["decision"] as? [String: Any])
            #expect(decision["id"] as? String == "s\(person)", "s\(person): \(answer)")
        }
        let stranger = try CLI.run(["query", try photo(40, 3), "--json"], store: store)
        let strangerDecision = try #require((try stranger.json() as? [String: Any])?["decision"] as? [String: Any])
        #expect(strangerDecision["match"] as? Bool == false, "\(strangerDecision)")

        let group = try CLI.run(["query", try groupPhoto((32, 8), (34, 8)), "--json"], store: store)
        #expect(group.status == 0, "\(group.stderr)")
        let answers = try #require(try group.json() as? [[String: Any]], "several faces: an array")
        #expect(answers.count == 2 && answers.allSatisfy { $0["box"] is [String: Any] })
        let found = Set(answers.compactMap { ($0["decision"] as? [String: Any])?["id"] as? String })
        #expect(found == ["s32", "s34"], "\(answers)")
    }

    @Test("no face: add refuses and changes nothing, query and verify fall back to the whole picture and say so")
    func noFace() throws {
        let store = directory.path("store")
        #expect(try CLI.run(["add", try photo(31, 1), "--id", "s31"], store: store).status == 0)
        let empty = try directory.write(try faceless(), to: "empty.png")
        let add = try CLI.run(["add", empty, "--id", "nobody"], store: store)
        #expect(add.status == 3 && add.stderr.contains("empty.png: no face found"), "\(add.stderr)")
        #expect(try peopleCount(store) == 1)

        let query = try CLI.run(["query", empty, "--json"], store: store)
        #expect(query.status == 0 && query.stderr.contains("no face found in") && query.stderr.contains("whole picture"))
        let answer = try #require(try query.json() as? [String: Any])
        #expect(answer["faces_found"] as? Int == 0 && answer["box"] == nil, "\(answer)")
        let verify = try CLI.run(["verify", empty, "--id", "s31", "--json"], store: store)
        #expect(verify.status == 0 && verify.stderr.contains("no face found in"))
        let framing = try #require((try verify.json() as? [String: Any])?["framing"] as? [[String: Any]])
        #expect(framing.count == 1 && framing[0]["faces_found"] as? Int == 0)

        let whole = try CLI.run(["query", try photo(31, 4), "--json", "--no-detect"], store: store)
        let wholeAnswer = try #require(try whole.json() as? [String: Any])
        #expect(wholeAnswer["faces_found"] == nil && !whole.stderr.contains("no face"), "\(wholeAnswer)")
        let embed = try CLI.run(["embed", empty, try photo(31, 4), "--json"])
        let views = try #require(try embed.json() as? [[String: Any]])
        #expect(views.map { $0["faces_found"] as? Int } == [0, 1] && embed.stderr.contains("no face found in"))
    }

    @Test("several faces: add refuses unless --largest-face; add --from skips pictures with no face and says which")
    func severalFacesAndSkips() throws {
        let store = directory.path("store")
        let group = try groupPhoto((31, 1), (33, 1))
        let refused = try CLI.run(["add", group, "--id", "pair"], store: store)
        #expect(refused.status == 3 && refused.stderr.contains("2 faces found") && refused.stderr.contains("--largest-face"),
                "\(refused.stderr)")
        #expect(try peopleCount(store) ?? 0 == 0)
        #expect(try CLI.run(["add", group, "--id", "pair", "--largest-face"], store: store).status == 0)

        let folder = directory.url.appendingPathComponent("people")
        for person in [35, 36] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("s\(person)"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: try photo(person, 1), toPath: folder.path + "/s\(person)/1.png")
        }
        try Data(try faceless()).write(to: folder.appendingPathComponent("s36/empty.png"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("ghost"), withIntermediateDirectories: true)
        try Data(try faceless()).write(to: folder.appendingPathComponent("ghost/1.png"))
        let add = try CLI.run(["add", "--from", folder.path, "--json"], store: store)
        #expect(add.status == 3 && add.stderr.contains("2 images skipped") && add.stderr.contains("1 person not enrolled"),
                "\(add.stderr)")
        let report = try #require(try add.json() as? [String: Any])
        let skipped = try #require(report["skipped"] as? [String])
        #expect(skipped.count == 2 && skipped.contains { $0.hasSuffix("ghost/1.png") } && skipped.contains { $0.hasSuffix("s36/empty.png") })
        #expect(report["templates_added"] as? Int == 2)
        let listed = try #require(try CLI.run(["list", "--json"], store: store).json() as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["id"] as? String }) == ["pair", "s35", "s36"], "\(listed)")
    }
}
