import Foundation
import SimDBCore
import SimDBStorage
import Testing
@testable import SimDBIndex

@Suite("Exact scan on the code column")
struct CodeBoundedScanTests {
    /// The plain scan of every vector, on the same snapshot: what the code scan must return.
    static func plainScan(_ index: IndexedVectorStore, _ query: [Float], k: Int, threads: Int = 1,
                          where isIncluded: ((UInt64) -> Bool)? = nil) throws -> [Neighbor] {
        try index.store.read { reader in
            try ExactSearch(reader: reader, query: query, k: k, threads: threads, isIncluded: isIncluded).run(with: index.metric)
        }
    }

    @Test("returns exactly what scanning every vector returns: ties, deletes, clamped codes, filters, threads",
          arguments: ["l2", "ip", "cosine"])
    func matchesThePlainScan(_ name: String) throws {
        let metric = try PluginRegistry.shared.metric(name)
        let rows = clusteredVectors(count: 4_000, dimension: 24, clusters: 50, seed: 31)
        let drifted = clusteredVectors(count: 200, dimension: 24, clusters: 5, seed: 32).map { $0.map { $0 * 2 + 0.5 } }
        try IndexedVectorStoreTests.withStore(dimension: 24, metric: metric) { index, _ in
            try index.updateSettings(IndexSettings(exactBelow: 0, hnsw: HNSWParameters(m: 8, efConstruction: 40)))
            try index.put(ids: (1...4_000).map(UInt64.init), vectors: IndexedVectorStoreTests.batch(rows[...]))
            // Clamped codes, equal vectors under several ids (ties), deletes and reused slots.
            try index.put(ids: (20_001...20_200).map(UInt64.init), vectors: IndexedVectorStoreTests.batch(drifted[...]))
            try index.put(ids: [30_001, 30_002, 30_003], vectors: IndexedVectorStoreTests.batch(Array(repeating: rows[9], count: 3)[...]))
            try index.remove(ids: (1...4_000).filter { $0 % 7 == 0 }.map(UInt64.init))
            try index.put(ids: (40_001...40_100).map(UInt64.init), vectors: IndexedVectorStoreTests.batch(rows[100..<200]))
            let status = try index.status()
            #expect(status.codes && status.nodesOutsideCodeRange > 0)
            #expect(try index.check().isEmpty)
            let keepsColumn = try index.store.read { reader in try index.record(of: reader).codeColumn }
            #expect(keepsColumn == true)

            let queries = Array(rows[0..<20]) + rows[20..<40].map { $0.map { $0 + 0.02 } } + Array(drifted[0..<10]) + [rows[9]]
            for (number, query) in queries.enumerated() {
                for k in [1, 10, 60] {
                    let (hits, method) = try index.search(query, k: k, options: SearchOptions(exact: true))
                    #expect(method == .exact)
                    let truth = try Self.plainScan(index, query, k: k)
                    #expect(hits == truth, "\(name): query \(number), k \(k)")
                }
                let even: (UInt64) -> Bool = { $0 % 2 == 0 }
                let filtered = try index.search(query, k: 10, options: SearchOptions(exact: true), where: even).hits
                let filteredTruth = try Self.plainScan(index, query, k: 10, where: even)
                #expect(filtered == filteredTruth)
                let parallel = try index.search(query, k: 10, options: SearchOptions(exact: true, threads: 3)).hits
                let parallelTruth = try Self.plainScan(index, query, k: 10)
                #expect(parallel == parallelTruth)
            }
        }
    }

    @Test("the check finds a column entry that disagrees with its row")
    func theCheckComparesTheColumnWithTheRows() throws {
        let rows = clusteredVectors(count: 600, dimension: 16, clusters: 10, seed: 4)
        try IndexedVectorStoreTests.withStore(dimension: 16) { index, _ in
            try index.updateSettings(IndexSettings(exactBelow: 0))
            try index.put(ids: (1...600).map(UInt64.init), vectors: IndexedVectorStoreTests.batch(rows[...]))
            try index.remove(ids: [9])
            #expect(try index.check().isEmpty)
            try index.store.write { writer in
                let record = try index.record(in: writer.record(IndexRecord.name))
                let geometry = GraphGeometry(parameters: record.settings.hnsw, codeBytes: 16)
                let column = try writer.mutableColumnSegment(0, byteCount: geometry.columnSegmentBytes)
                let states = column.assumingMemoryBound(to: UInt8.self)
                let code = states + geometry.columnSlots + 5 * 16 + 3
                code.pointee = code.pointee &+ 1
                states[8] = StoredHNSWStorage.ColumnState.coded  // slot 8 held id 9, now removed
            }
            #expect(try index.check() == ["node 5's column entry does not match its row",
                                          "slot 8 is not a graph node but its column entry says it is"])
        }
    }
}
