import SimDBCore
import Testing
@testable import SimDBIndex

func randomVectors(count: Int, dimension: Int, seed: UInt64) throws -> (InMemoryVectors, [[Float]]) {
    var rng = SplitMix64(seed: seed)
    var source = InMemoryVectors(dimension: dimension)
    var rows: [[Float]] = []
    for id in 0..<count {
        let row = (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) }
        rows.append(row)
        try source.append(id: UInt64(id * 3 + 1), vector: row)
    }
    return (source, rows)
}

@Suite("Exact search")
struct FlatIndexTests {
    @Test("Matches a sort of all distances", arguments: ["l2", "cosine", "ip"])
    func matchesBruteForce(metricId: String) throws {
        let metric = try PluginRegistry().metric(metricId)
        let (source, rows) = try randomVectors(count: 500, dimension: 37, seed: 11)
        var rng = SplitMix64(seed: 99)
        for _ in 0..<10 {
            let query = (0..<37).map { _ in Float.random(in: -1...1, using: &rng) }
            let hits = try FlatIndex.search(query, in: source, metric: metric, k: 10)
            let expected = rows.enumerated()
                .map { (id: UInt64($0.offset * 3 + 1), distance: metric.distance(query, $0.element)) }
                .sorted { metric.direction.isCloser($0.distance, than: $1.distance) }
                .prefix(10)
            #expect(hits.map(\.id) == expected.map(\.id))
            #expect(hits.map(\.distance) == expected.map(\.distance))
        }
    }

    @Test("k larger than the collection returns everything; filters skip vectors")
    func kAndFilter() throws {
        let (source, _) = try randomVectors(count: 5, dimension: 4, seed: 3)
        let query: [Float] = [0, 0, 0, 0]
        #expect(try FlatIndex.search(query, in: source, metric: SquaredL2Metric(), k: 50).count == 5)
        let filtered = try FlatIndex.search(query, in: source, metric: SquaredL2Metric(), k: 50) { $0 != 1 }
        #expect(filtered.count == 4)
        #expect(!filtered.contains { $0.id == 1 })
        #expect(try FlatIndex.search(query, in: source, metric: SquaredL2Metric(), k: 0).isEmpty)
    }

    @Test("A query of the wrong length is refused")
    func wrongDimension() throws {
        let (source, _) = try randomVectors(count: 3, dimension: 4, seed: 3)
        let error = #expect(throws: SimDBError.self) {
            try FlatIndex.search([1, 2], in: source, metric: SquaredL2Metric(), k: 1)
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test("Groups are ranked by their closest vector")
    func groups() throws {
        var source = InMemoryVectors(dimension: 1)
        // Person a: 0.0 and 5.0; person b: 1.0; person c: 0.5 and 0.6.
        for (id, value) in [(1, 0.0), (2, 5.0), (3, 1.0), (4, 0.5), (5, 0.6)] as [(UInt64, Float)] {
            try source.append(id: id, vector: [value])
        }
        let owner: [UInt64: String] = [1: "a", 2: "a", 3: "b", 4: "c", 5: "c"]
        let hits = try FlatIndex.searchGroups([0.45], in: source, metric: SquaredL2Metric(), k: 2) { owner[$0] }
        #expect(hits.map(\.group) == ["c", "a"])
        #expect(hits[0].best.id == 4)
        #expect(hits[0].vectorCount == 2)
        let all = try FlatIndex.searchGroups([0.45], in: source, metric: SquaredL2Metric(), k: 10) { owner[$0] }
        #expect(all.map(\.group) == ["c", "a", "b"])
        // Vectors without a group (not committed) are ignored.
        let some = try FlatIndex.searchGroups([0.45], in: source, metric: SquaredL2Metric(), k: 10) {
            $0 == 4 ? nil : owner[$0]
        }
        #expect(some.first?.best.id == 5)
    }

    @Test("Larger-is-closer metrics rank the largest first")
    func similarityDirection() throws {
        var source = InMemoryVectors(dimension: 2)
        try source.append(id: 1, vector: [1, 0])
        try source.append(id: 2, vector: [3, 0])
        try source.append(id: 3, vector: [-1, 0])
        let hits = try FlatIndex.search([1, 0], in: source, metric: InnerProductMetric(), k: 3)
        #expect(hits.map(\.id) == [2, 1, 3])
    }

    @Test("TopK keeps the k best with deterministic ties")
    func topK() {
        var top = TopK(k: 3, direction: .smallerIsCloser)
        for (id, distance) in [(5, 1.0), (1, 1.0), (2, 0.5), (9, 3.0), (4, 1.0), (7, Float.nan)] as [(UInt64, Float)] {
            top.offer(id: id, distance: distance)
        }
        #expect(top.sorted().map(\.id) == [2, 1, 4])
    }

    @Test("Out-of-order appends are refused")
    func appendOrder() throws {
        var source = InMemoryVectors(dimension: 1)
        try source.append(id: 5, vector: [0])
        #expect(throws: SimDBError.self) { try source.append(id: 5, vector: [0]) }
        #expect(throws: SimDBError.self) { try source.append(id: 6, vector: [0, 1]) }
    }
}
