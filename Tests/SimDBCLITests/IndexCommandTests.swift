import Foundation
import SimDBSamples
import SimDBTestSupport
import Testing

@Suite("simdb index and approximate queries")
struct IndexCommandTests {
    @Test("the graph is built at the threshold, queries say how they searched, bad settings are refused")
    func indexLifecycle() throws {
        let directory = try TemporaryDirectory()
        let store = directory.path("store")
        let faces = try writeFaces(0..<6, pictures: 0..<2, into: directory)
        let encoder = ["--encoder", "pixels"]  // fast; the graph does not care which encoder

        let initial = try CLI.run(["index", "--json"] + encoder, store: store)
        #expect(initial.status == 0, "\(initial.stderr)")
        let fresh = try #require(try initial.json() as? [String: Any])
        #expect(fresh["exact_below"] as? Int == 10_000 && fresh["search"] as? String == "exact")
        #expect(fresh["graph_nodes"] is NSNull)

        let configure = try CLI.run(["index", "configure", "--exact-below", "8", "--m", "4", "--json"], store: store)
        #expect(configure.status == 0, "\(configure.stderr)")
        for person in 0..<6 {
            let add = try CLI.run(["add"] + faces["p\(person)"]! + ["--id", "p\(person)"], store: store)
            #expect(add.status == 0, "\(add.stderr)")
        }
        let built = try #require(try CLI.run(["index", "--json"], store: store).json() as? [String: Any])
        #expect(built["graph_nodes"] as? Int == 12 && built["graph_complete"] as? Bool == true)
        #expect(built["search"] as? String == "hnsw" && built["m"] as? Int == 4)
        #expect(built["codes"] as? Bool == true && built["code_column"] as? Bool == true && (0...12).contains(built["nodes_outside_code_range"] as? Int ?? -1))

        let probe = faces["p3"]![1]
        let approximate = try #require(try CLI.run(["query", probe, "--k", "2", "--json"], store: store).json() as? [String: Any])
        #expect(approximate["search"] as? String == "hnsw")
        #expect((approximate["results"] as? [[String: Any]])?.first?["id"] as? String == "p3")
        let exact = try #require(try CLI.run(["query", probe, "--exact", "--json"], store: store).json() as? [String: Any])
        #expect(exact["search"] as? String == "exact")
        #expect((exact["results"] as? [[String: Any]])?.first?["id"] as? String == "p3")

        // Removing a person repairs the graph in the same write.
        #expect(try CLI.run(["remove", "--id", "p3"], store: store).status == 0)
        let after = try #require(try CLI.run(["index", "--json"], store: store).json() as? [String: Any])
        #expect(after["graph_nodes"] as? Int == 10 && after["free_slots"] as? Int == 2)
        let rebuilt = try CLI.run(["index", "rebuild", "--json"], store: store)
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect((try rebuilt.json() as? [String: Any])?["graph_nodes"] as? Int == 10)

        for bad in [["index", "configure", "--m", "1"], ["index", "configure", "--exact-below", "-1"],
                    ["query", probe, "--ef-search", "0"]] {
            let refused = try CLI.run(bad, store: store)
            #expect(refused.status != 0, "\(bad) was accepted")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(bad): \(refused.stderr)")
        }
        let unchanged = try #require(try CLI.run(["index", "--json"], store: store).json() as? [String: Any])
        #expect(unchanged["m"] as? Int == 4 && unchanged["exact_below"] as? Int == 8)
    }
}
