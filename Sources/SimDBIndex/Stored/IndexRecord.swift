import Foundation
import SimDBCore

/// How a store indexes its vectors: kept as JSON in the vector store's `meta` database under
/// `index`, and changed in the same transactions as the vectors and the graph.
public struct IndexSettings: Codable, Equatable, Sendable {
    /// Whether the store keeps an HNSW graph once it holds ``exactBelow`` vectors or more.
    public var enabled: Bool
    /// Below this many vectors a search scans them all (exact, and as fast at that size); from
    /// it on, the graph is built and searches use it.
    public var exactBelow: Int
    /// The graph's parameters (`m` and `efConstruction` are fixed once it is built; `efSearch`
    /// is the default for queries that give none).
    public var hnsw: HNSWParameters

    /// The defaults: HNSW from 10,000 vectors, with ``HNSWParameters``' defaults.
    public init(enabled: Bool = true, exactBelow: Int = 10_000, hnsw: HNSWParameters = HNSWParameters()) {
        self.enabled = enabled
        self.exactBelow = exactBelow
        self.hnsw = hnsw
    }

    /// Checks the values.
    /// - Throws: ``SimDBError`` `.invalidArgument` naming the first value out of range.
    public func validate() throws {
        guard exactBelow >= 0 else {
            throw SimDBError(.invalidArgument, "the exact-search threshold must not be negative (got \(exactBelow))")
        }
        try hnsw.validate()
    }
}

/// The `index` record: settings, and the state of the graph.
struct IndexRecord: Codable, Equatable {
    static let name = "index"
    static let version = 1

    var version = IndexRecord.version
    var settings: IndexSettings
    /// The metric the graph was built with (a graph is only valid for its metric).
    var metric: String
    /// The graph holds every live slot below this one (so it is complete when it reaches the
    /// store's slot count); `nil` when there is no graph.
    var coveredSlots: Int?
    /// The graph's top, when it has nodes.
    var entryPoint: HNSWEntryPoint?
    /// The quantizer of the codes in the graph's rows; `nil` when there is no graph, or for a
    /// graph built before simdb kept codes (it is walked on the vectors).
    var quantizer: ScalarQuantizer?
    /// Whether the graph also keeps every node's code in a column, for exact scans
    /// (``CodeBoundedScan``); `nil` (no) for graphs built before simdb kept one.
    var codeColumn: Bool?

    /// Whether the graph keeps codes in a column (it has codes, and its record says so).
    var keepsCodeColumn: Bool { quantizer != nil && codeColumn == true }

    static func decode(_ bytes: [UInt8], path: String) throws -> IndexRecord {
        let record: IndexRecord
        do {
            record = try JSONDecoder().decode(IndexRecord.self, from: Data(bytes))
        } catch {
            throw SimDBError(.corruptStore, "\(path): the index record is damaged (\(error))")
        }
        guard record.version == version else {
            throw SimDBError(.incompatibleStore,
                "\(path): index record version \(record.version) is unknown to this simdb; run `simdb index rebuild`")
        }
        return record
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }
}
