import Foundation
import SimDBTestSupport
import Testing

/// The pixel baseline on the real ORL faces: enrol `1.pgm`..`5.pgm` of all 40 people through
/// `simdb add --from`, then query each of `6.pgm`..`10.pgm` through `simdb query --json`.
@Suite("ORL end to end", .enabled(if: SharedData.orl != nil, "../shared/data/orl is absent; skipping the ORL end-to-end test"))
struct ORLTests {
    @Test("The pixel baseline identifies at least 80 % of 200 ORL probes at rank 1")
    func rankOneAccuracy() throws {
        let orl = try #require(SharedData.orl)
        let directory = try TemporaryDirectory()
        let store = directory.path("store")
        // A folder of folders holding links to the five enrolment images of each person.
        let people = (1...40).map { "s\($0)" }
        for person in people {
            let folder = directory.url.appendingPathComponent("enrol/\(person)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for index in 1...5 {
                try FileManager.default.createSymbolicLink(
                    at: folder.appendingPathComponent("\(index).pgm"),
                    withDestinationURL: orl.appendingPathComponent("\(person)/\(index).pgm"))
            }
        }
        let add = try CLI.run(["add", "--from", directory.path("enrol"), "--encoder", "pixels/1", "--json"], store: store)
        #expect(add.status == 0, "\(add.stderr)")
        #expect((try add.json() as? [String: Any])?["templates_added"] as? Int == 200)

        var correct = 0, matched = 0, probes = 0
        for person in people {
            for index in 6...10 {
                let result = try CLI.run(["query", orl.appendingPathComponent("\(person)/\(index).pgm").path, "--json"],
                                         store: store)
                #expect(result.status == 0, "\(result.stderr)")
                let answer = try #require(try result.json() as? [String: Any])
                let top = (answer["results"] as? [[String: Any]])?.first?["id"] as? String
                let decision = answer["decision"] as? [String: Any]
                probes += 1
                if top == person { correct += 1 }
                if decision?["match"] as? Bool == true, decision?["id"] as? String == person { matched += 1 }
            }
        }
        let accuracy = Double(correct) / Double(probes)
        print("ORL pixel baseline: rank-1 \(correct)/\(probes) = \(String(format: "%.1f", accuracy * 100)) %; "
              + "accepted as the right person at the default threshold: \(matched)/\(probes)")
        #expect(probes == 200)
        #expect(accuracy >= 0.80)

        // Every query left its audit row.
        let audit = try CLI.run(["audit", "--action", "query", "--json"], store: store)
        #expect((try audit.json() as? [Any])?.count == 200)
    }
}
