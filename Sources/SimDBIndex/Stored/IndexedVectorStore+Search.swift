import SimDBCore
import SimDBStorage

/// How to run one search.
public struct SearchOptions: Sendable, Equatable {
    /// Scan every vector even when the graph could answer.
    public var exact: Bool
    /// Candidates the graph search keeps (at least `k`); the index's default when `nil`.
    public var efSearch: Int?
    /// Threads an exact scan may use (large stores only: one segment is the smallest share).
    public var threads: Int

    /// Creates options: the store's choice of method, its default `efSearch`, one thread.
    public init(exact: Bool = false, efSearch: Int? = nil, threads: Int = 1) {
        self.exact = exact
        self.efSearch = efSearch
        self.threads = threads
    }
}

/// How a search was answered.
public enum SearchMethod: String, Codable, Sendable {
    /// Every vector was compared: the result is exact.
    case exact
    /// The HNSW graph was searched: the result is approximate.
    case hnsw
}

extension IndexedVectorStore {
    /// The `k` stored vectors closest to `query`, closest first, and how they were found.
    ///
    /// The graph answers when it covers every vector, the store holds at least the settings'
    /// `exactBelow` vectors and `options.exact` is off; otherwise every vector is scanned.
    /// - Parameters:
    ///   - isIncluded: vectors for which this returns `false` are not returned.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a wrong query length, `k < 1` or an
    ///   `efSearch` out of range, or from the storage.
    public func search(_ query: [Float], k: Int, options: SearchOptions = SearchOptions(),
                       where isIncluded: ((UInt64) -> Bool)? = nil) throws -> (hits: [Neighbor], method: SearchMethod) {
        guard query.count == store.dimension else {
            throw SimDBError(.invalidArgument,
                "query has \(query.count) components; the store holds \(store.dimension)-d vectors")
        }
        guard k >= 1 else { throw SimDBError(.invalidArgument, "k must be at least 1, got \(k)") }
        if let ef = options.efSearch, !(1...10_000).contains(ef) {
            throw SimDBError(.invalidArgument, "efSearch must be between 1 and 10000 (got \(ef))")
        }
        return try store.read { reader in
            let record = try record(of: reader)
            if try usesGraph(reader, record, options) {
                let hits = try scratchPool.withScratch { scratch in
                    try GraphSearch(reader: reader, record: record, query: query, k: k, efSearch: options.efSearch,
                                    scratch: scratch, isIncluded: isIncluded).run(with: metric)
                }
                return (hits, .hnsw)
            }
            if let quantizer = record.quantizer, record.keepsCodeColumn, isComplete(record, slotLimit: reader.slotLimit),
               CodeBoundedScan.supports(metric) {
                let storage = StoredHNSWStorage(reader, record: record)
                let hits = CodeBoundedScan(storage: storage, quantizer: quantizer, query: query, k: k,
                                           threads: options.threads, isIncluded: isIncluded).run(with: metric)
                return (hits, .exact)
            }
            let hits = try ExactSearch(reader: reader, query: query, k: k, threads: options.threads,
                                       isIncluded: isIncluded).run(with: metric)
            return (hits, .exact)
        }
    }

    /// Whether a search of `reader`'s snapshot with `options` uses the graph.
    func usesGraph(_ reader: VectorReader, _ record: IndexRecord, _ options: SearchOptions) throws -> Bool {
        guard !options.exact, isComplete(record, slotLimit: reader.slotLimit) else { return false }
        return try reader.count() >= record.settings.exactBelow
    }

    /// The `k` groups (people) whose closest vector is closest to `query`, closest first.
    ///
    /// With the graph, the search keeps `max(efSearch, 4k)` candidates and groups them, so a
    /// person with many templates does not crowd out the others; only the candidates' groups
    /// are looked up. A scan ranks every group, so it asks for all of them.
    /// - Parameters:
    ///   - allGroups: the group of every vector that may be returned (for a scan).
    ///   - groupsOf: the groups of some vectors (for the graph's candidates); a vector left out
    ///     is not returned.
    public func searchGroups<Group: Hashable & Sendable>(
        _ query: [Float], k: Int, options: SearchOptions = SearchOptions(),
        allGroups: () throws -> [UInt64: Group], groupsOf: ([UInt64]) throws -> [UInt64: Group]
    ) throws -> (groups: [GroupNeighbor<Group>], method: SearchMethod) {
        let (graph, settings) = try store.read { reader in
            let record = try record(of: reader)
            return (try usesGraph(reader, record, options), record.settings)
        }
        guard graph else {
            let owners = try allGroups()
            let groups = try store.read { reader in
                try FlatIndex.searchGroups(query, in: reader, metric: metric, k: k) { owners[$0] }
            }
            return (groups, .exact)
        }
        let candidates = min(10_000, max(options.efSearch ?? settings.hnsw.efSearch, 4 * k))
        var graphOptions = options
        graphOptions.efSearch = candidates
        let (hits, method) = try search(query, k: candidates, options: graphOptions)
        let owners = try groupsOf(hits.map(\.id))
        var best: [Group: (hit: Neighbor, count: Int)] = [:]
        for hit in hits {
            guard let group = owners[hit.id] else { continue }
            FlatIndex.keepBest(hit, of: group, in: &best, direction: metric.direction)
        }
        return (FlatIndex.rankGroups(best, k: k, direction: metric.direction), method)
    }
}
