// simdb-index-bench: the in-memory HNSW graph and the exact scan on .fvecs files, one thread.
//
// A step towards `simdb bench` (issue 4), which will measure the same on a store. Usage:
//   simdb-index-bench BASE.fvecs QUERIES.fvecs TRUTH.ivecs [m efConstruction efSearch,... k]
// Prints one JSON object: build_s, insert_per_s, exact {qps, p50_ms, p99_ms, recall_at_10},
// hnsw [{ef_search, qps, p50_ms, p99_ms, recall_at_1, recall_at_10}].
import Foundation
import SimDBCore
import SimDBIndex

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("simdb-index-bench: \(message)\n".utf8))
    exit(2)
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 3 else { fail("usage: BASE.fvecs QUERIES.fvecs TRUTH.ivecs [m efConstruction efSearch,... k]") }
let rest = Array(arguments.dropFirst(3))
let m = rest.count > 0 ? Int(rest[0]) ?? 16 : 16
let efConstruction = rest.count > 1 ? Int(rest[1]) ?? 200 : 200
let sweep = rest.count > 2 ? rest[2].split(separator: ",").compactMap { Int($0) } : [16, 32, 64, 128]
let k = rest.count > 3 ? Int(rest[3]) ?? 10 : 10

let base: EmbeddingBatch, queries: EmbeddingBatch, truth: [[Int32]]
do {
    let paths = Array(arguments.prefix(3))
    base = try VecsFile.readFvecs(path: paths[0])
    queries = try VecsFile.readFvecs(path: paths[1])
    truth = try VecsFile.readIvecs(path: paths[2])
} catch { fail("\(error)") }
guard queries.dimension == base.dimension, truth.count == queries.count else { fail("files do not match") }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func recall(_ found: [[UInt64]], at depth: Int) -> Double {
    var hits = 0
    for (row, ids) in found.enumerated() {
        let expected = Set(truth[row].prefix(depth).map { UInt64($0) })
        hits += ids.prefix(depth).filter { expected.contains($0) }.count
    }
    return Double(hits) / Double(found.count * depth)
}

/// QPS, median and 99th-percentile latency of one query at a time, and the answers.
func timed(_ search: ([Float]) throws -> [Neighbor]) rethrows -> ([String: Double], [[UInt64]]) {
    var latencies: [Double] = [], answers: [[UInt64]] = []
    for row in 0..<queries.count {
        let query = queries.vector(at: row)
        var hits: [Neighbor] = []
        latencies.append(try seconds { hits = try search(query) })
        answers.append(hits.map(\.id))
    }
    let sorted = latencies.sorted()
    return (["qps": Double(queries.count) / latencies.reduce(0, +), "p50_ms": 1e3 * sorted[sorted.count / 2],
             "p99_ms": 1e3 * sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]], answers)
}

do {
    let metric = SquaredL2Metric()
    var exactSource = InMemoryVectors(dimension: base.dimension)
    for row in 0..<base.count { try exactSource.append(id: UInt64(row), vector: base.vector(at: row)) }
    var (exact, exactAnswers) = try timed { try FlatIndex.search($0, in: exactSource, metric: metric, k: k) }
    exact["recall_at_10"] = recall(exactAnswers, at: min(10, k))

    let parameters = HNSWParameters(m: m, efConstruction: efConstruction)
    var graph = try HNSWGraph(storage: InMemoryHNSWStorage(dimension: base.dimension, parameters: parameters),
                              metric: metric, parameters: parameters)
    let scratch = HNSWScratch()
    let build = try seconds {
        for row in 0..<base.count { try graph.insert(id: UInt64(row), vector: base.vector(at: row), scratch: scratch) }
    }
    var sweepResults: [[String: Double]] = []
    for ef in sweep {
        var (row, answers) = try timed { try graph.search($0, k: k, efSearch: ef, scratch: scratch) }
        row["ef_search"] = Double(ef)
        row["recall_at_1"] = recall(answers, at: 1)
        row["recall_at_10"] = recall(answers, at: min(10, k))
        sweepResults.append(row)
    }
    let report: [String: Any] = ["n": base.count, "dim": base.dimension, "m": m, "ef_construction": efConstruction,
                                 "build_s": build, "insert_per_s": Double(base.count) / build,
                                 "exact": exact, "hnsw": sweepResults]
    let json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: json, as: UTF8.self))
} catch { fail("\(error)") }
