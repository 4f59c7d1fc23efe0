import Foundation
import SimDBSamples
import SimDBTestSupport
import Testing

@Suite("simdb train")
struct TrainCommandTests {
    @Test("train writes a model that embed, eval and a store use; resume continues; bad options are refused")
    func trainAndUse() throws {
        let directory = try TemporaryDirectory()
        _ = try writePeopleFolder(in: directory, people: 10, pictures: 4)
        let model = directory.path("tiny.simdbmodel")
        let common = ["train", directory.path("people"), "--batch", "4x4", "--input", "32x32", "--validation-split", "0.3",
                      "--out", model, "--encoder-id", "tiny-twin/1"]
        let first = try CLI.run(common + ["--epochs", "1", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let report = try #require(try first.json() as? [String: Any])
        #expect((report["epochs"] as? [[String: Any]])?.count == 1)
        #expect((report["thresholds"] as? [String: Double])?["l2"] != nil)
        #expect(FileManager.default.fileExists(atPath: model + ".checkpoint/trainer.json"))
        let resumed = try CLI.run(common + ["--epochs", "2", "--resume", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(((try resumed.json() as? [String: Any])?["epochs"] as? [[String: Any]])?.first?["epoch"] as? Int == 2)

        let embedded = try #require(try CLI.run(["embed", directory.path("people/p0/0.png"), "--encoder", model, "--json"]).json()
            as? [[String: Any]])
        #expect((embedded.first?["embedding"] as? [Double])?.count == 128)
        let eval = try #require(try CLI.run(["eval", directory.path("people"), "--encoder", model, "--json"]).json()
            as? [String: Any])
        #expect(eval["encoder"] as? String == "tiny-twin/1")

        let store = directory.path("store")
        #expect(try CLI.run(["add", directory.path("people/p1/0.png"), "--id", "p1", "--encoder", model, "--store", store]).status == 0)
        let query = try CLI.run(["query", directory.path("people/p1/1.png"), "--encoder", model, "--store", store, "--json"])
        #expect(query.status == 0, "\(query.stderr)")
        // Without the model the store still lists, and refuses to encode with a clear message.
        #expect(try CLI.run(["info", "--store", store]).status == 0)
        let without = try CLI.run(["query", directory.path("people/p1/1.png"), "--store", store])
        #expect(without.status == 4 && without.stderr.contains("tiny-twin/1") && without.stderr.contains("--encoder"))

        #expect(try CLI.run(["train", directory.path("people"), "--out", model, "--batch", "1x5"]).status == 2)
        #expect(try CLI.run(["train", directory.path("people"), "--out", model, "--input", "7x7"]).status == 2)
        let damaged = try directory.write(Array("not a model".utf8), to: "damaged.simdbmodel")
        let refused = try CLI.run(["embed", directory.path("people/p0/0.png"), "--encoder", damaged])
        #expect(refused.status == 6 && refused.stderr.contains("damaged.simdbmodel"))
    }

    @Test("--init fine-tunes from a model's weights (the same architecture only); --face-margin makes an encoder of faces")
    func fineTuneOnFaces() throws {
        let directory = try TemporaryDirectory()
        _ = try writePeopleFolder(in: directory, people: 8, pictures: 4)
        let base = directory.path("base.simdbmodel"), tuned = directory.path("tuned.simdbmodel")
        let common = ["train", directory.path("people"), "--batch", "4x4", "--input", "32x32", "--validation-split", "0.3",
                      "--epochs", "1"]
        #expect(try CLI.run(common + ["--out", base]).status == 0)
        let fine = try CLI.run(common + ["--out", tuned, "--init", base, "--face-margin", "0.1", "--json"])
        #expect(fine.status == 0, "\(fine.stderr)")
        let embedded = try #require(try CLI.run(["embed", directory.path("people/p0/0.png"), "--encoder", tuned, "--json"]).json()
            as? [[String: Any]])
        // Synthetic pictures hold no face: the model's pipeline looked, and fell back to the whole picture.
        #expect(embedded.first?["faces_found"] as? Int == 0, "\(embedded)")
        let mismatch = try CLI.run(common + ["--out", tuned, "--init", base, "--embedding", "64"])
        #expect(mismatch.status == 2 && mismatch.stderr.contains("architecture differs"), "\(mismatch.stderr)")
    }
}
