import Foundation
import SimDBCore
import Testing
@testable import SimDBBench

@Suite("simdb bench")
struct BenchmarkTests {
    /// The true neighbours by brute force, independent of the store.
    static func bruteForce(_ data: BenchmarkData, depth: Int) -> [[Int32]] {
        (0..<data.queries.count).map { row in
            let query = data.queries.vector(at: row)
            let distances = (0..<data.base.count).map { base in
                zip(query, data.base.vector(at: base)).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            }
            return distances.indices.sorted { (distances[$0], $0) < (distances[$1], $1) }.prefix(depth).map { Int32($0) }
        }
    }

    @Test func measuresEveryPhaseOnFilesAndAgreesWithBruteForce() throws {
        var data = BenchmarkData.clustered(count: 3_000, queries: 60, dimension: 16, clusters: 40, seed: 9)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-bench-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ["base.fvecs", "queries.fvecs", "truth.ivecs"].map { directory.appendingPathComponent($0).path }
        data.truth = Self.bruteForce(data, depth: 10)
        try Data(VecsFile.fvecsBytes(data.base)).write(to: URL(fileURLWithPath: paths[0]))
        try Data(VecsFile.fvecsBytes(data.queries)).write(to: URL(fileURLWithPath: paths[1]))
        try Data(VecsFile.ivecsBytes(data.truth!)).write(to: URL(fileURLWithPath: paths[2]))
        let loaded = try BenchmarkData.files(base: paths[0], queries: paths[1], truth: paths[2])

        var benchmark = Benchmark()
        benchmark.parameters = .init(m: 8, efConstruction: 100)
        benchmark.efSearchSweep = [10, 128]
        benchmark.rounds = 1
        benchmark.threads = 2
        let report = try benchmark.run(loaded)
        #expect(report.n == 3_000 && report.dim == 16 && report.queries == 60 && report.threads == 2)
        #expect(report.exact.recallAt10 == 1 && report.exact.recallAt1 == 1)
        #expect(report.hnsw.map(\.efSearch) == [10, 128])
        #expect(report.hnsw[1].recallAt10 >= 0.95 && report.hnsw[1].recallAt10 >= report.hnsw[0].recallAt10)
        let insertSeconds = try #require(report.insertSeconds), buildSeconds = try #require(report.buildSeconds)
        #expect(try #require(report.insertPerSecond) > 0 && buildSeconds >= insertSeconds)
        #expect(report.storeBytes >= report.rawVectorBytes && report.indexPageBytes > 0)
        #expect(report.hnsw.allSatisfy { $0.p99Milliseconds >= $0.p50Milliseconds && $0.qps > 0 })
        #expect(report.peakRSSBytes > 0)

        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        for field in ["insert_per_s", "build_s", "peak_rss_bytes", "store_bytes", "exact", "hnsw"] {
            #expect(json?[field] != nil, "missing \(field)")
        }
        let row = (json?["hnsw"] as? [[String: Any]])?.first
        for field in ["ef_search", "qps", "p50_ms", "p99_ms", "recall_at_1", "recall_at_10"] {
            #expect(row?[field] != nil, "missing hnsw[].\(field)")
        }
    }

    @Test func reusesAKeptStoreWithoutBuildingIt() throws {
        let data = BenchmarkData.clustered(count: 2_000, queries: 40, dimension: 16, clusters: 30, seed: 4)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-bench-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var benchmark = Benchmark()
        benchmark.parameters = .init(m: 8, efConstruction: 64)
        benchmark.efSearchSweep = [32]
        benchmark.rounds = 1
        benchmark.directory = directory.path
        let built = try benchmark.run(data)
        benchmark.reusesStore = true
        let reused = try benchmark.run(data)
        #expect(built.buildSeconds != nil && reused.buildSeconds == nil && reused.insertPerSecond == nil)
        #expect(reused.n == 2_000 && reused.hnsw.first?.recallAt10 == built.hnsw.first?.recallAt10)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(reused)) as? [String: Any]
        #expect(json?["build_s"] == nil && json?["hnsw"] != nil)

        benchmark.parameters = .init(m: 12, efConstruction: 64)
        let error = #expect(throws: SimDBError.self) { try benchmark.run(data) }
        #expect(error?.code == .invalidArgument)
        benchmark.directory = directory.appendingPathComponent("nothing-here").path
        #expect(throws: SimDBError.self) { try benchmark.run(data) }
    }

    @Test func mismatchedFilesAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-bench-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = directory.appendingPathComponent("b.fvecs").path, queries = directory.appendingPathComponent("q.fvecs").path
        try Data(VecsFile.fvecsBytes(EmbeddingBatch(dimension: 4, values: Array(repeating: 1, count: 8)))).write(to: URL(fileURLWithPath: base))
        try Data(VecsFile.fvecsBytes(EmbeddingBatch(dimension: 3, values: [1, 2, 3]))).write(to: URL(fileURLWithPath: queries))
        let error = #expect(throws: SimDBError.self) { try BenchmarkData.files(base: base, queries: queries, truth: nil) }
        #expect(error?.code == .invalidArgument)
    }
}
