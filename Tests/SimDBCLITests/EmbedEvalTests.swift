import Foundation
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

/// The shipped default encoder's embedding size, from the model linked into the binary.
let defaultDimension = (try? DefaultModel.makeEncoder().dimension) ?? 0

@Suite("simdb embed and eval")
struct EmbedEvalTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        _ = try writePeopleFolder(in: directory, people: 6, pictures: 4)
    }

    @Test("embed prints the vectors a store would hold, and creates no store")
    func embedMatchesStore() throws {
        let file = directory.path("people/p2/1.png")
        // Synthetic pictures are not faces: whole pictures, on both sides.
        let result = try CLI.run(["embed", file, directory.path("people/p3/0.png"), "--json", "--no-detect"], in: directory.url)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try result.json() as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(rows[0]["file"] as? String == file)
        let printed = try #require(rows[0]["embedding"] as? [Double]).map(Float.init)
        #expect(printed.count == defaultDimension)
        #expect(!FileManager.default.fileExists(atPath: directory.path("simdb-store")))

        var options = Store.Options()
        options.detect = false
        let store = try Store(path: directory.path("store"), options: options)
        let added = try store.add([.file(file)], to: "p2")
        let stored = try store.vectors.read { reader in try reader.vector(added.templates[0]).map(Array.init) }
        // The same pipeline; OpenBLAS may sum in another order under another thread setting
        // (this test process changes it), so the last bits may differ.
        #expect(stored?.count == printed.count)
        #expect(zip(stored ?? [], printed).allSatisfy { abs($0 - $1) < 1e-5 }, "\(String(describing: stored)) vs \(printed)")
    }

    @Test("the binary carries its default model: a copy anywhere else embeds exactly the same")
    func defaultModelTravelsWithTheBinary() throws {
        let elsewhere = directory.url.appendingPathComponent("elsewhere/bin")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let copy = elsewhere.appendingPathComponent("simdb")
        try FileManager.default.copyItem(at: CLI.binary, to: copy)
        let file = directory.path("people/p1/2.png")
        let original = try CLI.run(["embed", file, "--json"])
        let copied = try CLI.run(["embed", file, "--json"], in: elsewhere, executable: copy)
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout == original.stdout)
        let rows = try #require(try copied.json() as? [[String: Any]])
        #expect((rows.first?["embedding"] as? [Double])?.count == defaultDimension)
    }

    @Test("embed --fvecs writes dimension-prefixed little-endian vectors; bad files fail cleanly")
    func fvecsAndErrors() throws {
        let out = directory.path("vectors.fvecs")
        let files = (0..<3).map { directory.path("people/p1/\($0).png") }
        let result = try CLI.run(["embed"] + files + ["--fvecs", out])
        #expect(result.status == 0, "\(result.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(data.count == 3 * (4 + 4 * defaultDimension))
        #expect(data.prefix(4) == Data([UInt8(defaultDimension), 0, 0, 0]))
        let bad = try directory.write(Array("nope".utf8), to: "bad.png")
        let refused = try CLI.run(["embed", files[0], bad], in: directory.url)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("bad.png"))
        #expect(try CLI.run(["embed"]).status == 2)
    }

    @Test("eval reports every figure, plots the ROC and reads LFW-style pairs")
    func eval() throws {
        let plot = directory.path("roc.png")
        // The pixel baseline: synthetic people are pictures, not faces.
        let result = try CLI.run(["eval", directory.path("people"), "--encoder", "pixels/1", "--json", "--plot", plot])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try result.json() as? [String: Any])
        #expect(report["identities"] as? Int == 6 && report["images"] as? Int == 24)
        #expect(report["genuine_pairs"] as? Int == 36 && report["impostor_pairs"] as? Int == 240)
        for field in ["accuracy", "ten_fold_accuracy", "roc_auc", "eer", "eer_threshold", "tar_at_far_1e-2",
                      "tar_at_far_1e-3", "rank1_1shot", "rank1_3shot", "threshold"] {
            #expect(report[field] is Double, "missing \(field)")
        }
        #expect(report["threshold_source"] as? String == "encoder")
        // The default model brings a balanced threshold from its validation identities.
        let face = try #require(try CLI.run(["eval", directory.path("people"), "--json"]).json() as? [String: Any])
        #expect(face["threshold_source"] as? String == "validation" && face["encoder"] as? String == DefaultModel.identifier)
        #expect((report["rank1_1shot"] as? Double ?? 0) > 0.9)  // synthetic people are easy
        #expect(report["probes_1shot"] as? Int == 18 && report["probes_3shot"] as? Int == 6)
        let png = try Data(contentsOf: URL(fileURLWithPath: plot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let csv = try String(contentsOfFile: directory.path("roc.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("threshold,far,tar\n"))

        let pairs = try directory.write(Array("2\np0 1 2\np1 1 p2 3\n".utf8), to: "pairs.txt")
        let paired = try #require(try CLI.run(["eval", directory.path("people"), "--pairs", pairs, "--json"]).json()
            as? [String: Any])
        #expect(paired["genuine_pairs"] as? Int == 1 && paired["impostor_pairs"] as? Int == 1)
        let broken = try directory.write(Array("p0 1\n".utf8), to: "broken.txt")
        let refused = try CLI.run(["eval", directory.path("people"), "--pairs", broken])
        #expect(refused.status == 3 && refused.stderr.contains("broken.txt:1"))
        let missing = try directory.write(Array("p0 1 9\n".utf8), to: "missing.txt")
        #expect(try CLI.run(["eval", directory.path("people"), "--pairs", missing]).status == 4)
    }

    @Test("ORL held-out identities s31..s40 with the pixel baseline",
          .enabled(if: SharedData.orl != nil, "../shared/data/orl is absent"))
    func orlBaseline() throws {
        let orl = try #require(SharedData.orl)
        let heldOut = directory.path("held-out")
        try FileManager.default.createDirectory(atPath: heldOut, withIntermediateDirectories: true)
        for person in 31...40 {
            try FileManager.default.createSymbolicLink(atPath: heldOut + "/s\(person)",
                                                       withDestinationPath: orl.appendingPathComponent("s\(person)").path)
        }
        let report = try #require(try CLI.run(["eval", heldOut, "--json"]).json() as? [String: Any])
        let oneShot = report["rank1_1shot"] as? Double ?? 0, threeShot = report["rank1_3shot"] as? Double ?? 0
        let eer = report["eer"] as? Double ?? 1
        print(String(format: "ORL s31..s40, pixels/1: EER %.2f %%, 1-shot rank-1 %.2f %%, 3-shot %.2f %%",
                     eer * 100, oneShot * 100, threeShot * 100))
        #expect(report["genuine_pairs"] as? Int == 450 && report["impostor_pairs"] as? Int == 4500)
        #expect(oneShot > 0.6 && threeShot > oneShot)
    }
}
