import Foundation
import SimDBCore
import SimDBStorage
import Testing
@testable import SimDBIndex

@Suite("8-bit codes")
struct ScalarQuantizerTests {
    static func learned(_ rows: [[Float]]) -> ScalarQuantizer {
        ScalarQuantizer(dimension: rows[0].count) { body in
            for row in rows { row.withUnsafeBufferPointer(body) }
        }
    }

    static func encode(_ quantizer: ScalarQuantizer, _ vector: [Float]) -> (code: [UInt8], clamped: Bool) {
        var code = [UInt8](repeating: 0, count: vector.count)
        let clamped = vector.withUnsafeBufferPointer { v in code.withUnsafeMutableBufferPointer { quantizer.encode(v, into: $0.baseAddress!) } }
        return (code, clamped)
    }

    @Test("a code decodes to within half a step of its vector; outside the range it is clamped and says so")
    func codesDecodeWithinHalfAStep() {
        let rows = clusteredVectors(count: 500, dimension: 24, clusters: 10, seed: 5)
        let quantizer = Self.learned(rows)
        var decoded = [Float](repeating: 0, count: 24)
        for row in rows {
            let (code, clamped) = Self.encode(quantizer, row)
            #expect(!clamped)
            code.withUnsafeBufferPointer { c in decoded.withUnsafeMutableBufferPointer { quantizer.decode(c.baseAddress!, into: $0.baseAddress!) } }
            for i in 0..<24 { #expect(abs(decoded[i] - row[i]) <= quantizer.step[i] * 0.5001) }
        }
        var outside = rows[0]
        outside[3] = 50
        outside[7] = -50
        let (code, clamped) = Self.encode(quantizer, outside)
        #expect(clamped && code[3] == 255 && code[7] == 0)
    }

    @Test("with no vectors to learn from, the range is [-1, 1] widened")
    func noVectorsLearnTheUnitRange() {
        let quantizer = ScalarQuantizer(dimension: 4) { _ in }
        #expect(quantizer.minimum.allSatisfy { $0 < -1 } && quantizer.step.allSatisfy { $0 > 0 })
        #expect(!Self.encode(quantizer, [-1, 1, 0, 0.5]).clamped)
        // A constant component gets a usable step.
        let constant = Self.learned([[2, 0], [2, 1]])
        #expect(constant.step[0] > 0 && !Self.encode(constant, [2, 0.5]).clamped)
    }

    @Test("the index record keeps the quantizer exactly, so codes written before a commit match codes checked after")
    func recordRoundTripIsExact() throws {
        let rows = clusteredVectors(count: 200, dimension: 33, clusters: 7, seed: 2)
        var record = IndexRecord(settings: IndexSettings(), metric: "l2")
        record.quantizer = Self.learned(rows)
        let decoded = try IndexRecord.decode(record.encoded(), path: "test")
        #expect(decoded == record)
        // A record written before codes existed has none.
        var legacy = try JSONSerialization.jsonObject(with: Data(record.encoded())) as! [String: Any]
        legacy.removeValue(forKey: "quantizer")
        let old = try IndexRecord.decode(Array(JSONSerialization.data(withJSONObject: legacy)), path: "test")
        #expect(old.quantizer == nil)
    }

    @Test("scores on codes track the metric: squared L2, inner product and cosine", arguments: ["l2", "ip", "cosine"])
    func codeScoresTrackTheMetric(_ name: String) throws {
        let metric = try PluginRegistry.shared.metric(name)
        let rows = clusteredVectors(count: 2_000, dimension: 32, clusters: 40, seed: 11)
        try IndexedVectorStoreTests.withStore(metric: metric) { index, _ in
            try index.updateSettings(IndexSettings(exactBelow: 0, hnsw: HNSWParameters(m: 8, efConstruction: 48)))
            try index.put(ids: (1...2_000).map(UInt64.init), vectors: IndexedVectorStoreTests.batch(rows[...]))
            try index.store.read { reader in
                let record = try index.record(of: reader)
                let quantizer = try #require(record.quantizer)
                let storage = StoredHNSWStorage(reader, record: record)
                let query = rows[17].map { $0 + 0.01 }
                try query.withUnsafeBufferPointer { q in
                    let scorer = try scorerFor(metric, storage: storage, quantizer: quantizer, query: q)
                    // A code is within half a step of its vector in every component, so ‖x − x̂‖ ≤ e.
                    let e = 0.5 * quantizer.step.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    func norm(_ v: [Float]) -> Float { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
                    for slot in stride(from: 0, to: 2_000, by: 7) {
                        let x = Array(reader.vector(at: slot))
                        let exact = metric.distance(q, reader.vector(at: slot))
                        let approximate = scorer.score(HNSWNode(slot))
                        let error = abs((metric.direction == .smallerIsCloser ? exact : -exact) - approximate)
                        let bound: Float = switch name {
                        case "l2": e * (2 * norm(zip(query, x).map { $0 - $1 }) + e)  // ‖q−x‖² − ‖q−x̂‖²
                        case "ip": norm(query) * e
                        default: 2 * e / (norm(x) - e)  // 1 − cos moves by at most the unit vectors' gap
                        }
                        #expect(error <= bound * 1.001 + 1e-6, "\(name): slot \(slot) off by \(error), bound \(bound)")
                    }
                }
            }
        }
    }

    /// The scorer for a metric known only at run time, as the stored search makes it.
    func scorerFor(_ metric: any DistanceMetric, storage: StoredHNSWStorage, quantizer: ScalarQuantizer,
                   query: UnsafeBufferPointer<Float>) throws -> any CodeScoring {
        switch metric {
        case let metric as SquaredL2Metric: return CodeScorer(storage: storage, quantizer: quantizer, metric: metric, query: query)
        case let metric as InnerProductMetric: return CodeScorer(storage: storage, quantizer: quantizer, metric: metric, query: query)
        case let metric as CosineMetric: return CodeScorer(storage: storage, quantizer: quantizer, metric: metric, query: query)
        default: throw SimDBError(.invalidArgument, "no scorer for \(metric.identifier)")
        }
    }
}

/// A code scorer of any metric, for the test above.
protocol CodeScoring {
    func score(_ node: HNSWNode) -> Float
}

extension CodeScorer: CodeScoring {}
