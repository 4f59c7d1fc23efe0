import Foundation
import SimDBCore
import Testing
@testable import SimDBIndex

/// Unit vectors `normalise(c + N(0, σ² I))` around `clusters` centres uniform on the sphere: the
/// shape of face embeddings (people), unlike uniform noise, on which every index's recall collapses.
func clusteredVectors(count: Int, dimension: Int, clusters: Int, sigma: Float = 0.08, seed: UInt64) -> [[Float]] {
    var rng = SplitMix64(seed: seed)
    func gaussian() -> Float {
        let u = Float.random(in: Float.ulpOfOne..<1, using: &rng), v = Float.random(in: 0..<1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
    func normalised(_ x: [Float]) -> [Float] {
        let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return x.map { $0 / norm }
    }
    let centres = (0..<clusters).map { _ in normalised((0..<dimension).map { _ in gaussian() }) }
    return (0..<count).map { _ in
        let centre = centres[Int.random(in: 0..<clusters, using: &rng)]
        return normalised(centre.map { $0 + sigma * gaussian() })
    }
}

@Suite("HNSW")
struct HNSWTests {
    typealias Graph<M: DistanceMetric> = HNSWGraph<InMemoryHNSWStorage, M>

    static func build(_ rows: [[Float]], parameters: HNSWParameters = HNSWParameters()) throws -> Graph<SquaredL2Metric> {
        try build(rows, metric: SquaredL2Metric(), parameters: parameters)
    }

    static func build<M: DistanceMetric>(_ rows: [[Float]], metric: M, parameters: HNSWParameters = HNSWParameters()) throws -> Graph<M> {
        var graph = try Graph(storage: InMemoryHNSWStorage(dimension: rows[0].count, parameters: parameters),
                              metric: metric, parameters: parameters)
        let scratch = HNSWScratch()
        for (row, vector) in rows.enumerated() { try graph.insert(id: UInt64(row), vector: vector, scratch: scratch) }
        return graph
    }

    /// Mean recall@k of the graph against the exact scan over the ids `isLive` keeps.
    static func recall<M>(_ graph: Graph<M>, rows: [[Float]], queries: [[Float]], k: Int, efSearch: Int? = nil,
                       isLive: (UInt64) -> Bool = { _ in true }) throws -> Double {
        var exact = InMemoryVectors(dimension: rows[0].count)
        for (row, vector) in rows.enumerated() where isLive(UInt64(row)) { try exact.append(id: UInt64(row), vector: vector) }
        var found = 0
        let scratch = HNSWScratch()
        for query in queries {
            let truth = Set(try FlatIndex.search(query, in: exact, metric: graph.metric, k: k).map(\.id))
            let approximate = try graph.search(query, k: k, efSearch: efSearch, scratch: scratch)
            #expect(approximate.count == min(k, truth.count))
            found += approximate.filter { truth.contains($0.id) }.count
        }
        return Double(found) / Double(queries.count * k)
    }

    /// Every link points to a slot in range, no node links to itself, no list is over its limit,
    /// and the entry point is the live node on the highest level.
    static func checkStructure<M>(_ graph: Graph<M>) {
        let storage = graph.storage
        var highest = -1
        for slot in 0..<storage.slotLimit where storage.isLive(HNSWNode(slot)) {
            let node = HNSWNode(slot)
            highest = max(highest, storage.level(of: node))
            for level in 0...storage.level(of: node) {
                let links = storage.neighbors(of: node, level: level)
                #expect(links.count <= graph.parameters.maximumLinks(atLevel: level))
                #expect(!links.contains(node))
                #expect(links.allSatisfy { Int($0) < storage.slotLimit })
            }
        }
        #expect(storage.entryPoint?.level ?? -1 == highest)
        if let entry = storage.entryPoint { #expect(storage.isLive(entry.node)) }
    }

    @Test("recall@10 ≥ 0.95 against the exact scan at the default efSearch", arguments: ["l2", "cosine", "ip"])
    func recallOnClusteredData(metric: String) throws {
        try checkRecall(metric: try PluginRegistry().metric(metric))
    }

    func checkRecall<M: DistanceMetric>(metric: M) throws {
        let rows = clusteredVectors(count: 3_000, dimension: 32, clusters: 60, seed: 5)
        let queries = clusteredVectors(count: 100, dimension: 32, clusters: 60, seed: 5 + 1_000)
        let graph = try Self.build(rows, metric: metric)
        Self.checkStructure(graph)
        let recall = try Self.recall(graph, rows: rows, queries: queries, k: 10)
        #expect(recall >= 0.95, "recall@10 \(recall)")
        // A stored vector finds itself first.
        #expect(try graph.search(rows[17], k: 1).first?.id == 17)
    }

    @Test("a larger efSearch does not lower recall; efSearch 1 still answers")
    func efSearchTradesRecall() throws {
        let rows = clusteredVectors(count: 2_000, dimension: 24, clusters: 40, seed: 8)
        let queries = clusteredVectors(count: 60, dimension: 24, clusters: 40, seed: 9)
        let graph = try Self.build(rows, parameters: HNSWParameters(m: 8, efConstruction: 64))
        let low = try Self.recall(graph, rows: rows, queries: queries, k: 10, efSearch: 10)
        let high = try Self.recall(graph, rows: rows, queries: queries, k: 10, efSearch: 200)
        #expect(high >= low)
        #expect(high >= 0.98)
        #expect(try graph.search(queries[0], k: 3, efSearch: 1).count == 3)
    }

    @Test("deletes relink the graph, reuse slots and keep recall; a deleted id is never returned")
    func deletes() throws {
        let rows = clusteredVectors(count: 2_000, dimension: 32, clusters: 40, seed: 21)
        let queries = clusteredVectors(count: 80, dimension: 32, clusters: 40, seed: 22)
        var graph = try Self.build(rows)
        var rng = SplitMix64(seed: 3)
        var removed = Set<UInt64>()
        while removed.count < 600 { removed.insert(UInt64.random(in: 0..<2_000, using: &rng)) }
        // The entry point goes too, so a new one must be chosen.
        removed.insert(graph.storage.externalID(of: graph.storage.entryPoint!.node))
        for id in removed.sorted() { #expect(try graph.remove(id: id)) }
        #expect(try !graph.remove(id: removed.first!))
        #expect(graph.storage.count == 2_000 - removed.count)
        Self.checkStructure(graph)
        let live: (UInt64) -> Bool = { !removed.contains($0) }
        let recall = try Self.recall(graph, rows: rows, queries: queries, k: 10, isLive: live)
        #expect(recall >= 0.95, "recall@10 after deletes \(recall)")
        for query in queries {
            #expect(try graph.search(query, k: 20).allSatisfy { live($0.id) })
        }

        // Re-inserting fills the freed slots instead of growing the graph.
        let slots = graph.storage.slotLimit
        for id in removed.sorted() { try graph.insert(id: id, vector: rows[Int(id)]) }
        #expect(graph.storage.slotLimit == slots)
        Self.checkStructure(graph)
        #expect(try Self.recall(graph, rows: rows, queries: queries, k: 10) >= 0.95)
    }

    @Test("removing every vector leaves an empty graph that accepts new ones")
    func emptiesAndRefills() throws {
        let rows = clusteredVectors(count: 300, dimension: 8, clusters: 5, seed: 1)
        var graph = try Self.build(rows)
        for id in 0..<300 { #expect(try graph.remove(id: UInt64(id))) }
        #expect(graph.storage.entryPoint == nil)
        #expect(try graph.search(rows[0], k: 5).isEmpty)
        try graph.insert(id: 7, vector: rows[7])
        #expect(try graph.search(rows[0], k: 5).map(\.id) == [7])
    }

    @Test("the filter hides vectors without cutting the graph; bad input is refused")
    func filterAndBadInput() throws {
        let rows = clusteredVectors(count: 1_000, dimension: 16, clusters: 10, seed: 2)
        var graph = try Self.build(rows)
        let hits = try graph.search(rows[4], k: 10, where: { $0 % 2 == 1 })
        #expect(hits.count == 10 && hits.allSatisfy { $0.id % 2 == 1 })
        #expect(throws: SimDBError.self) { try graph.search([1, 2], k: 1) }
        #expect(throws: SimDBError.self) { try graph.insert(id: 5_000, vector: [1]) }
        #expect(throws: SimDBError.self) { try graph.insert(id: 4, vector: rows[4]) }
        #expect(throws: SimDBError.self) { try HNSWParameters(m: 1).validate() }
        #expect(throws: SimDBError.self) { try HNSWParameters(efSearch: 0).validate() }
    }

    @Test("the same inserts build the same graph, link for link")
    func deterministic() throws {
        let rows = clusteredVectors(count: 800, dimension: 16, clusters: 8, seed: 13)
        let a = try Self.build(rows), b = try Self.build(rows)
        #expect(a.storage.entryPoint == b.storage.entryPoint)
        for slot in 0..<a.storage.slotLimit {
            let node = HNSWNode(slot)
            #expect(a.storage.level(of: node) == b.storage.level(of: node))
            for level in 0...a.storage.level(of: node) {
                #expect(Array(a.storage.neighbors(of: node, level: level)) == Array(b.storage.neighbors(of: node, level: level)))
            }
        }
    }

    @Test("levels come from the id: about one node in m above level 0, the same every time")
    func levels() {
        let parameters = HNSWParameters(m: 16)
        let levels = (0..<20_000).map { parameters.level(for: UInt64($0)) }
        let above = Double(levels.filter { $0 >= 1 }.count) / 20_000
        #expect(abs(above - 1.0 / 16) < 0.01)
        #expect(levels == (0..<20_000).map { parameters.level(for: UInt64($0)) })
        #expect(levels.max()! <= HNSWParameters.maximumLevel)
    }
}
