import Foundation
import SimDBCore
import SimDBStorage
import Testing
@testable import SimDBIndex

@Suite("Indexed vector store")
struct IndexedVectorStoreTests {
    static func withStore<T>(dimension: Int = 32, metric: any DistanceMetric = SquaredL2Metric(),
                             _ body: (IndexedVectorStore, String) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("vectors.mdb").path
        let store = try VectorStore(path: path, dimension: dimension, encoderIdentifier: "test/1")
        return try body(IndexedVectorStore(store: store, metric: metric), path)
    }

    static func batch(_ rows: ArraySlice<[Float]>) -> EmbeddingBatch {
        EmbeddingBatch(dimension: rows.first!.count, values: rows.flatMap { $0 })
    }

    /// Mean recall@k of the store's default search against its exact scan.
    static func recall(_ index: IndexedVectorStore, queries: [[Float]], k: Int = 10) throws -> Double {
        var found = 0, total = 0
        for query in queries {
            let truth = Set(try index.search(query, k: k, options: SearchOptions(exact: true)).hits.map(\.id))
            let (hits, method) = try index.search(query, k: k)
            #expect(method == .hnsw)
            found += hits.filter { truth.contains($0.id) }.count
            total += truth.count
        }
        return Double(found) / Double(total)
    }

    @Test func graphIsBuiltAtTheThresholdAndKeptInStepWithWrites() throws {
        let rows = clusteredVectors(count: 3_000, dimension: 32, clusters: 60, seed: 7)
        let queries = clusteredVectors(count: 100, dimension: 32, clusters: 60, seed: 7).map { $0.map { $0 + 0.01 } }
        try Self.withStore { index, _ in
            try index.updateSettings(IndexSettings(exactBelow: 1_000))
            try index.put(ids: Array(1...500), vectors: Self.batch(rows[0..<500]))
            #expect(try index.status().graphNodes == nil)
            #expect(try index.search(queries[0], k: 5).method == .exact)
            // Crossing the threshold builds the graph; later writes keep it complete.
            try index.put(ids: Array(501...1_500), vectors: Self.batch(rows[500..<1_500]))
            var status = try index.status()
            #expect(status.graphComplete && status.graphNodes == 1_500)
            for start in stride(from: 1_500, to: 3_000, by: 250) {
                try index.put(ids: (start + 1...start + 250).map(UInt64.init), vectors: Self.batch(rows[start..<start + 250]))
            }
            status = try index.status()
            #expect(status.graphComplete && status.graphNodes == 3_000 && status.count == 3_000)
            #expect(try Self.recall(index, queries: queries) >= 0.95)

            // Real deletes: the graph shrinks with the store, and removed ids never come back.
            let removed = Set((1...3_000).filter { $0 % 5 == 0 }.map(UInt64.init))
            try index.remove(ids: Array(removed))
            status = try index.status()
            #expect(status.graphNodes == 2_400 && status.count == 2_400 && status.freeSlots == 600)
            for query in queries {
                #expect(try index.search(query, k: 10).hits.allSatisfy { !removed.contains($0.id) })
            }
            #expect(try Self.recall(index, queries: queries) >= 0.95)
            // Slots are reused by new vectors, which join the graph.
            try index.put(ids: (10_001...10_300).map(UInt64.init), vectors: Self.batch(rows[0..<300]))
            status = try index.status()
            #expect(status.freeSlots == 300 && status.graphNodes == 2_700 && status.slots == 3_000)
            let nearest = try index.search(rows[0], k: 1).hits.first
            #expect(nearest?.id == 1 || nearest?.id == 10_001)
        }
    }

    @Test func theGraphSurvivesReopeningAndMatchesARebuild() throws {
        let rows = clusteredVectors(count: 1_200, dimension: 16, clusters: 30, seed: 3)
        let queries = Array(clusteredVectors(count: 50, dimension: 16, clusters: 30, seed: 3))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("v.mdb").path
        var first: [[UInt64]] = []
        do {
            let index = IndexedVectorStore(store: try VectorStore(path: path, dimension: 16, encoderIdentifier: "t/1"),
                                           metric: CosineMetric())
            try index.updateSettings(IndexSettings(exactBelow: 0))
            try index.put(ids: (1...1_200).map(UInt64.init), vectors: Self.batch(rows[...]))
            first = try queries.map { try index.search($0, k: 10).hits.map(\.id) }
        }
        let index = IndexedVectorStore(store: try VectorStore(path: path, dimension: 16, encoderIdentifier: "t/1"),
                                       metric: CosineMetric())
        #expect(try queries.map { try index.search($0, k: 10).hits.map(\.id) } == first)
        // A rebuild inserts in slot order, as the original inserts did: the same graph.
        try index.rebuild()
        #expect(try queries.map { try index.search($0, k: 10).hits.map(\.id) } == first)
        #expect(try Self.recall(index, queries: queries) >= 0.95)
        // Another metric cannot use this graph.
        let other = IndexedVectorStore(store: index.store, metric: SquaredL2Metric())
        #expect(throws: SimDBError.self) { try other.search(queries[0], k: 3) }
    }

    @Test func vectorsOutsideTheCodesRangeAreFlaggedAndStillFound() throws {
        let rows = clusteredVectors(count: 1_500, dimension: 16, clusters: 30, seed: 21)
        // Later vectors far from the ones the codes' range was learned on.
        let drifted = clusteredVectors(count: 300, dimension: 16, clusters: 6, seed: 22).map { $0.map { $0 * 3 + 2 } }
        try Self.withStore(dimension: 16) { index, _ in
            try index.updateSettings(IndexSettings(exactBelow: 1_000))
            try index.put(ids: (1...1_500).map(UInt64.init), vectors: Self.batch(rows[...]))
            try index.put(ids: (5_001...5_300).map(UInt64.init), vectors: Self.batch(drifted[...]))
            var status = try index.status()
            #expect(status.codes && status.graphNodes == 1_800 && status.nodesOutsideCodeRange == 300)
            #expect(try index.check().isEmpty)
            for (offset, vector) in drifted.enumerated().filter({ $0.offset % 10 == 0 }) {
                #expect(try index.search(vector, k: 1).hits.first?.id == UInt64(5_001 + offset))
            }
            #expect(try Self.recall(index, queries: Array(drifted.prefix(40)) + Array(rows.prefix(40))) >= 0.95)
            // A rebuild learns the range again.
            try index.rebuild()
            status = try index.status()
            #expect(status.codes && status.graphNodes == 1_800 && status.nodesOutsideCodeRange == 0)
            #expect(try Self.recall(index, queries: Array(drifted.prefix(40)) + Array(rows.prefix(40))) >= 0.95)
        }
    }

    @Test func graphsBuiltWithoutCodesStillServeAndARebuildAddsThem() throws {
        let rows = clusteredVectors(count: 1_500, dimension: 16, clusters: 30, seed: 8)
        let queries = Array(clusteredVectors(count: 60, dimension: 16, clusters: 30, seed: 8).map { $0.map { $0 + 0.01 } })
        try Self.withStore(dimension: 16) { current, _ in
            let legacy = IndexedVectorStore(store: current.store, metric: current.metric, buildsCodes: false)
            try legacy.updateSettings(IndexSettings(exactBelow: 500))
            try legacy.put(ids: (1...1_500).map(UInt64.init), vectors: Self.batch(rows[...]))
            var status = try current.status()
            #expect(!status.codes && status.graphNodes == 1_500 && status.nodesOutsideCodeRange == 0)
            // Today's code reads it, keeps it in step with writes and checks it.
            try current.put(ids: [9_001], vectors: Self.batch(rows[0..<1]))
            try current.remove(ids: [2, 3])
            #expect(try current.check().isEmpty && Self.recall(current, queries: queries) >= 0.95)
            try current.rebuild()
            status = try current.status()
            #expect(status.codes && status.graphNodes == 1_499)
            #expect(try current.check().isEmpty && Self.recall(current, queries: queries) >= 0.95)
        }
    }

    @Test func theCheckFindsACodeThatDoesNotMatchItsVector() throws {
        let rows = clusteredVectors(count: 600, dimension: 16, clusters: 10, seed: 4)
        try Self.withStore(dimension: 16) { index, _ in
            try index.updateSettings(IndexSettings(exactBelow: 0))
            try index.put(ids: (1...600).map(UInt64.init), vectors: Self.batch(rows[...]))
            #expect(try index.check().isEmpty)
            try index.store.write { writer in
                let record = try index.record(in: writer.record(IndexRecord.name))
                let geometry = GraphGeometry(parameters: record.settings.hnsw, codeBytes: 16)
                let segment = try writer.mutableGraphSegment(0, byteCount: geometry.segmentBytes)
                let byte = segment.advanced(by: 5 * geometry.rowBytes + geometry.codeOffset + 2).assumingMemoryBound(to: UInt8.self)
                byte.pointee = byte.pointee &+ 40
            }
            // The column keeps the code the row had.
            #expect(try index.check() == ["node 5's column entry does not match its row", "node 5's code does not match its vector"])
        }
    }

    @Test func bulkPutCommitsInStepsAndSearchesGroups() throws {
        let rows = clusteredVectors(count: 2_000, dimension: 8, clusters: 20, seed: 11)
        try Self.withStore(dimension: 8) { index, _ in
            try index.updateSettings(IndexSettings(exactBelow: 100))
            var steps: [Int] = []
            try index.bulkPut(count: rows.count, batchSize: 700, next: { row, buffer in
                _ = buffer.initialize(from: rows[row])
                return UInt64(row)
            }, progress: { done, _ in steps.append(done) })
            #expect(steps == [700, 1_400, 2_000])
            let status = try index.status()
            #expect(status.graphComplete && status.graphNodes == 2_000)
            // Groups: vector id / 100 is its person; the best five people, one entry each.
            let all = Dictionary(uniqueKeysWithValues: (0..<2_000).map { (UInt64($0), UInt64($0) / 100) })
            let lookups = UnsafeSendableBox(0)
            let (groups, method) = try index.searchGroups(rows[5], k: 5, allGroups: { all }, groupsOf: { ids in
                lookups.withLock { $0 += ids.count }
                return all.filter { ids.contains($0.key) }
            })
            #expect(lookups.withLock { $0 } <= 64, "the graph path looks up its candidates only")
            #expect(method == .hnsw && groups.count == 5 && Set(groups.map(\.group)).count == 5)
            #expect(groups.first?.group == 0 && groups.first?.best.id == 5)
            let exact = try index.searchGroups(rows[5], k: 5, options: SearchOptions(exact: true),
                                               allGroups: { all }, groupsOf: { _ in [:] })
            #expect(exact.method == .exact && exact.groups.first?.best.id == 5)
        }
    }

    @Test func parallelExactScanMatchesTheSingleThreadedOne() throws {
        let rows = clusteredVectors(count: 5_000, dimension: 8, clusters: 20, seed: 5)
        try Self.withStore(dimension: 8) { index, _ in
            try index.updateSettings(IndexSettings(enabled: false))
            try index.put(ids: (0..<5_000).map(UInt64.init), vectors: Self.batch(rows[...]))
            for query in rows.prefix(20) {
                let one = try index.search(query, k: 10, options: SearchOptions(exact: true, threads: 1))
                let four = try index.search(query, k: 10, options: SearchOptions(exact: true, threads: 4))
                #expect(one.hits == four.hits && one.method == .exact)
            }
        }
    }
}
