import Foundation
import SimDBBench
import SimDBCore
import SimDBTestSupport
import Testing
@testable import SimDB

/// Unit vectors around `clusters` random centres, as a face encoder's embeddings are.
func clusteredRows(_ count: Int, dimension: Int, clusters: Int, seed: UInt64) -> EmbeddingBatch {
    BenchmarkData.clustered(count: count, queries: 0, dimension: dimension, clusters: clusters, seed: seed).base
}

@Suite("simdb import-vectors and export-vectors")
struct VectorFileTests {
    @Test("vectors round-trip through .fvecs and stay searchable; bad files change nothing")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let store = directory.path("store"), copy = directory.path("copy")
        let rows = clusteredRows(300, dimension: 128, clusters: 30, seed: 4)
        let vectors = try directory.write(VecsFile.fvecsBytes(rows), to: "in.fvecs")
        let ids = try directory.write(Array((0..<300).map { "person-\($0 / 3)\n" }.joined().utf8), to: "ids.txt")
        let imported = try CLI.run(["import-vectors", vectors, "--ids", ids, "--step", "128", "--json"], store: store)
        #expect(imported.status == 0, "\(imported.stderr)")
        let result = try #require(try imported.json() as? [String: Any])
        #expect(result["templates"] as? Int == 300 && result["people"] as? Int == 100 && result["new_people"] as? Int == 100)
        let audit = try CLI.run(["audit", "--json"], store: store)
        #expect(audit.stdout.components(separatedBy: "\"import\"").count - 1 == 3)  // one row per step

        let out = directory.path("out.fvecs"), outIds = directory.path("out.txt")
        let exported = try CLI.run(["export-vectors", out, "--ids", outIds], store: store)
        #expect(exported.status == 0, "\(exported.stderr)")
        let back = try VecsFile.readFvecs(path: out)
        let backIds = try String(contentsOfFile: outIds, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(back.count == 300 && backIds.count == 300)
        // Same vector for the same person, whatever the order.
        var expected: [String: Set<[UInt32]>] = [:], found: [String: Set<[UInt32]>] = [:]
        for row in 0..<300 {
            expected["person-\(row / 3)", default: []].insert(rows.vector(at: row).map(\.bitPattern))
            found[backIds[row], default: []].insert(back.vector(at: row).map(\.bitPattern))
        }
        #expect(found == expected)
        #expect(try CLI.run(["import-vectors", out, "--ids", outIds], store: copy).status == 0)
        #expect((try CLI.run(["info", "--json"], store: copy).json() as? [String: Any])?["templates"] as? Int == 300)

        // Refusals: a wrong dimension, a count mismatch, a bad id. Nothing is written.
        let wrong = try directory.write(VecsFile.fvecsBytes(EmbeddingBatch(dimension: 4, values: [1, 2, 3, 4])), to: "w.fvecs")
        let short = try directory.write(Array("a\n".utf8), to: "short.txt")
        let badId = try directory.write(Array((0..<300).map { $0 == 7 ? " spaced\n" : "x\n" }.joined().utf8), to: "bad.txt")
        for arguments in [[wrong, "--ids", short], [vectors, "--ids", short], [vectors, "--ids", badId]] {
            let refused = try CLI.run(["import-vectors"] + arguments, store: store)
            #expect(refused.status != 0 && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        }
        #expect((try CLI.run(["info", "--json"], store: store).json() as? [String: Any])?["templates"] as? Int == 300)
    }

    @Test("bench --identify times identification over a store and changes nothing but its audit log")
    func benchIdentify() throws {
        let directory = try TemporaryDirectory()
        let store = directory.path("store")
        #expect(try CLI.run(["index", "configure", "--exact-below", "100"], store: store).status == 0)
        let data = BenchmarkData.clustered(count: 300, queries: 12, dimension: 128, clusters: 30, seed: 6)
        let vectors = try directory.write(VecsFile.fvecsBytes(data.base), to: "in.fvecs")
        let ids = try directory.write(Array((0..<300).map { "person-\($0 / 3)\n" }.joined().utf8), to: "ids.txt")
        #expect(try CLI.run(["import-vectors", vectors, "--ids", ids], store: store).status == 0)
        let probes = try directory.write(VecsFile.fvecsBytes(data.queries), to: "q.fvecs")
        let before = try CLI.run(["export-vectors", directory.path("before.fvecs"), "--ids", directory.path("before.txt")], store: store)
        #expect(before.status == 0)

        let run = try CLI.run(["bench", "--identify", store, "--queries", probes, "--ef-search", "16,64", "--rounds", "1", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        #expect(report["templates"] as? Int == 300 && report["people"] as? Int == 100 && report["queries"] as? Int == 12)
        let phases = try #require(report["identify"] as? [[String: Any]])
        #expect(phases.map { $0["ef_search"] as? Int } == [16, 64])
        #expect(phases.allSatisfy { $0["search"] as? String == "hnsw" && ($0["qps"] as? Double ?? 0) > 0 && $0["p99_ms"] is Double })
        let audit = try CLI.run(["audit", "--json"], store: store)
        #expect(audit.stdout.components(separatedBy: "\"query\"").count - 1 == 2 * 13)  // one probe per phase first, then 12

        #expect(try CLI.run(["export-vectors", directory.path("after.fvecs"), "--ids", directory.path("after.txt")], store: store).status == 0)
        #expect(FileManager.default.contents(atPath: directory.path("after.fvecs")) == FileManager.default.contents(atPath: directory.path("before.fvecs")))
        for bad in [["bench", "--identify", directory.path("nothing"), "--queries", probes],
                    ["bench", "--identify", store, "--queries", vectors, "--base", vectors],
                    ["bench", "--identify", store, "--queries", directory.path("in.txt")]] {
            let refused = try CLI.run(bad)
            #expect(refused.status != 0 && refused.stderr.split(separator: "\n").count == 1, "\(bad): \(refused.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("nothing")))
    }

    @Test("kill -9 during an indexed bulk import keeps whole steps, a consistent graph, the same answers")
    func killDuringImport() throws {
        let directory = try TemporaryDirectory()
        let store = directory.path("store")
        #expect(try CLI.run(["index", "configure", "--exact-below", "400"], store: store).status == 0)
        let rows = clusteredRows(2_000, dimension: 128, clusters: 40, seed: 8)
        let probes = BenchmarkData.clustered(count: 2_000, queries: 20, dimension: 128, clusters: 40, seed: 8).queries
        var rng = SplitMix64(seed: 99)
        var killed = 0, committed = 0
        for round in 0..<6 {
            let vectors = try directory.write(VecsFile.fvecsBytes(rows), to: "r\(round).fvecs")
            let ids = try directory.write(Array((0..<2_000).map { "r\(round)-p\($0 / 2)\n" }.joined().utf8), to: "r\(round).txt")
            if try CLI.runAndKill(["import-vectors", vectors, "--ids", ids, "--step", "250", "--store", store],
                                  after: Double.random(in: 0.2...3, using: &rng)) {
                killed += 1
            }

            let check = try CLI.run(["index", "check", "--json"], store: store)
            #expect(check.status == 0, "round \(round): \(check.stdout) \(check.stderr)")
            let info = try #require(try CLI.run(["info", "--json"], store: store).json() as? [String: Any])
            let templates = try #require(info["templates"] as? Int)
            #expect(info["vectors"] as? Int == templates, "round \(round)")
            #expect((templates - committed) % 250 == 0, "round \(round): \(templates - committed) rows is not whole steps")
            committed = templates
        }
        print("kill -9 during import-vectors: \(killed) of 6 runs killed; \(committed) templates kept, graph consistent after each")
        // The graph answers as the exact scan does (after a rebuild, the same again). A kill
        // after a step's commit but before the graph build that follows it leaves the build to
        // the next write: until then queries scan.
        let store2 = try Store(path: store)
        let complete = try store2.indexStatus().graphComplete
        for rebuild in [false, true] {
            if rebuild { try store2.rebuildIndex() }
            var agree = 0
            for row in 0..<probes.count {
                let vector = probes.vector(at: row)
                let exact = try store2.index.search(vector, k: 10, options: SearchOptions(exact: true)).hits.map(\.id)
                let (hits, method) = try store2.index.search(vector, k: 10)
                #expect(method == (committed >= 400 && (complete || rebuild) ? .hnsw : .exact))
                let approximate = hits.map(\.id)
                agree += Set(exact).intersection(approximate).count
            }
            #expect(Double(agree) / Double(probes.count * 10) >= 0.95, "recall after rebuild=\(rebuild)")
        }
    }
}
