/// What `simdb bench` measured; encoded as the `--json` output (snake_case fields, docs/cli.md).
public struct BenchmarkReport: Codable, Sendable {
    /// One search phase: exact, or HNSW at one `efSearch`.
    public struct Search: Codable, Sendable {
        /// `efSearch` (HNSW rows only).
        public var efSearch: Int?
        /// Queries per second over the phase's wall time, at the benchmark's thread count.
        public var qps: Double
        /// Median latency of one query, in milliseconds.
        public var p50Milliseconds: Double
        /// 99th-percentile latency of one query, in milliseconds.
        public var p99Milliseconds: Double
        /// Share of queries whose true nearest neighbour came first.
        public var recallAt1: Double
        /// Share of the true 10 nearest neighbours found in the top 10 (top `k` when `k` < 10).
        public var recallAt10: Double

        enum CodingKeys: String, CodingKey {
            case efSearch = "ef_search", qps, p50Milliseconds = "p50_ms", p99Milliseconds = "p99_ms"
            case recallAt1 = "recall_at_1", recallAt10 = "recall_at_10"
        }
    }

    /// Base vectors stored.
    public var n: Int
    /// Their dimension.
    public var dim: Int
    /// Queries searched per phase.
    public var queries: Int
    /// Threads issuing queries at once.
    public var threads: Int
    /// Neighbours per query.
    public var k: Int
    /// The metric's identifier.
    public var metric: String
    /// HNSW links per node.
    public var m: Int
    /// HNSW candidates per insert.
    public var efConstruction: Int
    /// Vectors stored per second, without an index, in transactions of up to ~32 MiB; `nil`
    /// (absent from the JSON) when the run reused a kept store.
    public var insertPerSecond: Double?
    /// Seconds to store every vector without an index; `nil` for a reused store.
    public var insertSeconds: Double?
    /// Linking every stored vector into the graph; `nil` for a reused store.
    public var indexSeconds: Double?
    /// Inserting every vector and building the index; `nil` for a reused store.
    public var buildSeconds: Double?
    /// Peak resident memory during the search phases.
    public var peakRSSBytes: Int
    /// The vector file's size.
    public var storeBytes: Int
    /// `n × dim × 4`.
    public var rawVectorBytes: Int
    /// Bytes of LMDB pages holding the vectors and their id map.
    public var vectorPageBytes: Int
    /// Bytes of LMDB pages holding the graph.
    public var indexPageBytes: Int
    /// The exact scan.
    public var exact: Search
    /// HNSW search, one entry per `efSearch` measured.
    public var hnsw: [Search]

    enum CodingKeys: String, CodingKey {
        case n, dim, queries, threads, k, metric, m, exact, hnsw
        case efConstruction = "ef_construction", insertPerSecond = "insert_per_s", insertSeconds = "insert_s"
        case indexSeconds = "index_s", buildSeconds = "build_s", peakRSSBytes = "peak_rss_bytes"
        case storeBytes = "store_bytes", rawVectorBytes = "raw_vector_bytes", vectorPageBytes = "vector_page_bytes"
        case indexPageBytes = "index_page_bytes"
    }
}
