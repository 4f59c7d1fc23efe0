import Foundation
import SimDB
import SimDBSamples
import SimDBTestSupport
import Testing

@Suite("simdb detect")
struct DetectCommandTests {
    @Test("JSON per file; ORL faces found when padded; a missing cascade names its package; bad input exits 3")
    func detect() throws {
        let directory = try TemporaryDirectory()
        let noise = try directory.write(try SyntheticFaces.png(person: 1, index: 0), to: "synthetic.png")
        var files = [noise]
        if let orl = SharedData.orl { files.append(orl.appendingPathComponent("s7/3.pgm").path) }
        let result = try CLI.run(["detect", "--json", "--pad", "0.25"] + files)
        #expect(result.status == 0, "\(result.stderr)")
        let views = try #require(try result.json() as? [[String: Any]])
        #expect(views.count == files.count)
        #expect(Set(views[0].keys) == ["file", "width", "height", "faces", "milliseconds"])
        if views.count == 2 {
            let faces = try #require(views[1]["faces"] as? [[String: Any]])
            #expect(faces.count == 1 && Set(faces[0].keys).isSuperset(of: ["x", "y", "width", "height", "neighbors"]), "\(faces)")
        }
        let missing = try CLI.run(["detect", noise, "--cascade", directory.path("none.xml")])
        #expect(missing.status == 4 && missing.stderr.contains("apt-get install opencv-data"), "\(missing.stderr)")
        let bad = try CLI.run(["detect", try directory.write(Array("no image".utf8), to: "bad.png")])
        #expect(bad.status == 3 && bad.stderr.contains("bad.png"))
        #expect(try CLI.run(["detect", noise, "--scale-factor", "1"]).status == 2)
    }

    @Test("--retry searches again without the border where the bordered search found nothing")
    func retry() throws {
        guard let lowered = SharedData.file("lfw-train/Woody_Allen/Woody_Allen_0004.jpg")?.path else { return }
        let once = try CLI.run(["detect", "--no-eyes", "--pad", "0.25", lowered])
        let twice = try CLI.run(["detect", "--no-eyes", "--pad", "0.25", "--retry", lowered])
        let unpadded = try CLI.run(["detect", "--no-eyes", lowered])
        #expect(once.status == 0 && once.stdout.isEmpty, "\(once.stdout)")
        #expect(twice.status == 0 && !twice.stdout.isEmpty && twice.stdout == unpadded.stdout, "\(twice.stdout)")
    }

    @Test("--overlap keeps the better supported of two overlapping faces; --max-side searches a shrunk copy; out of range is a usage error")
    func overlap() throws {
        guard let photo = SharedData.file("lfw-train/Tony_Blair/Tony_Blair_0144.jpg")?.path else { return }
        let both = try CLI.run(["detect", "--no-eyes", "--pad", "0.25", photo])
        let one = try CLI.run(["detect", "--no-eyes", "--pad", "0.25", "--overlap", "0.3", photo])
        #expect(both.status == 0 && one.status == 0, "\(both.stderr)\(one.stderr)")
        let lines = both.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(both.stdout)")
        let strongest = lines.max { Int($0.split(separator: "\t")[2])! < Int($1.split(separator: "\t")[2])! }
        #expect(one.stdout.split(separator: "\n") == strongest.map { [$0] }, "\(one.stdout)")
        let bad = try CLI.run(["detect", photo, "--overlap", "1.5"])
        #expect(bad.status == 2 && bad.stderr.contains("--overlap"), "\(bad.stderr)")
        let tooSmall = try CLI.run(["detect", photo, "--max-side", "10"])
        #expect(tooSmall.status == 2 && tooSmall.stderr.contains("--max-side"), "\(tooSmall.stderr)")
        // The photo is 150 pixels a side: searched on a copy of 100, the face is found where it was.
        let shrunk = try CLI.run(["detect", "--no-eyes", "--pad", "0.25", "--overlap", "0.3", "--max-side", "100", "--json", photo])
        #expect(shrunk.status == 0, "\(shrunk.stderr)")
        let box = one.stdout.split(separator: "\t")[1].split(separator: " ").compactMap { Int($0) }
        let views = try JSONSerialization.jsonObject(with: Data(shrunk.stdout.utf8)) as? [[String: Any]]
        let face = try #require((views?.first?["faces"] as? [[String: Any]])?.first)
        let found = ["x", "y", "width", "height"].compactMap { face[$0] as? Int }
        #expect(found.count == 4 && box.count == 4, "\(face)")
        if found.count == 4 && box.count == 4 {
            let overlap = PixelBox(x: found[0], y: found[1], width: found[2], height: found[3])
                .intersectionOverUnion(PixelBox(x: box[0], y: box[1], width: box[2], height: box[3]))
            #expect(overlap > 0.7, "\(face) against \(box)")
        }
    }

    @Test("--detector searches as a standard set-up does: /4 as the pipeline's flags, /3 without --confirm; with a search option it is a usage error")
    func standardSetUp() throws {
        guard let photo = SharedData.file("lfw-train/Tony_Blair/Tony_Blair_0144.jpg")?.path else { return }
        let pipeline = ["--pad", "0.25", "--retry", "--overlap", "0.3", "--max-side", "1024", "--fallbacks"]
        let fourth = try CLI.run(["detect", "--detector", "haar-frontalface/4", photo])
        let flags4 = try CLI.run(["detect", "--relative-support", "0.1", "--confirm", "--equalize"] + pipeline + [photo])
        let third = try CLI.run(["detect", "--detector", "haar-frontalface/3", photo])
        let flags3 = try CLI.run(["detect", "--relative-support", "0.2"] + pipeline + [photo])
        #expect(fourth.status == 0 && !fourth.stdout.isEmpty && fourth.stdout == flags4.stdout, "\(fourth.stdout)\(flags4.stdout)")
        #expect(third.status == 0 && !third.stdout.isEmpty && third.stdout == flags3.stdout, "\(third.stdout)\(flags3.stdout)")
        let mixed = try CLI.run(["detect", "--detector", "haar-frontalface/4", "--pad", "0.25", "--confirm", photo])
        #expect(mixed.status == 2 && mixed.stderr.contains("--pad, --confirm") && mixed.stdout.isEmpty, "\(mixed.stderr)")
        // A dark Yale face only /4's equalized search finds: the two set-ups differ.
        if let dark = SharedData.file("extended-yaleb/yaleB01/yaleB01_P00A+110E+15.png")?.path {
            let before = try CLI.run(["detect", "--detector", "haar-frontalface/3", dark])
            let after = try CLI.run(["detect", "--detector", "haar-frontalface/4", dark])
            #expect(before.status == 0 && before.stdout.isEmpty && after.stdout.split(separator: "\n").count == 1,
                    "\(before.stdout)\(after.stdout)")
        }
        let unknown = try CLI.run(["detect", "--detector", "haar-frontalface/9", photo])
        #expect(unknown.status == 4 && unknown.stderr.contains("haar-frontalface/4"), "\(unknown.stderr)")
    }
}
