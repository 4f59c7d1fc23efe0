/// What `simdb bench` measured; encoded as the `--json` output (snake_case fields, docs/cli.md).
public struct BenchmarkReport: Codable, Sendable {
    /// One search phase: exact, or HNSW at one `efSearch`.
    public struct Search: Codable, Sendable {
        /// `efSearch` (HNSW rows only).
        public var efSearch: Int?
        /// Queries per second over the phase's wall time, at the benchmark's thread count.
        public var qps: Double
        /// Median and 99th-percentile latency of one query, in milliseconds.
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        /// Share of the true nearest neighbour found first / of the true 10 found in the top 10.
        public var recallAt1: Double
        public var recallAt10: Double

        enum CodingKeys: String, CodingKey {
            case efSearch = "ef_search", qps, p50Milliseconds = "p50_ms", p99Milliseconds = "p99_ms"
            case recallAt1 = "recall_at_1", recallAt10 = "recall_at_10"
        }
    }

    public var n: Int
    public var dim: Int
    public var queries: Int
    public var threads: Int
    public var k: Int
    public var metric: String
    public var m: Int
    public var efConstruction: Int
    /// Vectors stored per second, without an index, in transactions of up to ~192 MiB.
    public var insertPerSecond: Double
    public var insertSeconds: Double
    /// Linking every stored vector into the graph.
    public var indexSeconds: Double
    /// Inserting every vector and building the index.
    public var buildSeconds: Double
    /// Peak resident memory during the search phases.
    public var peakRSSBytes: Int
    /// The vector file's size.
    public var storeBytes: Int
    /// `n × dim × 4`.
    public var rawVectorBytes: Int
    /// Pages holding the vectors and their id map, and the graph.
    public var vectorPageBytes: Int
    public var indexPageBytes: Int
    public var exact: Search
    public var hnsw: [Search]

    enum CodingKeys: String, CodingKey {
        case n, dim, queries, threads, k, metric, m, exact, hnsw
        case efConstruction = "ef_construction", insertPerSecond = "insert_per_s", insertSeconds = "insert_s"
        case indexSeconds = "index_s", buildSeconds = "build_s", peakRSSBytes = "peak_rss_bytes"
        case storeBytes = "store_bytes", rawVectorBytes = "raw_vector_bytes", vectorPageBytes = "vector_page_bytes"
        case indexPageBytes = "index_page_bytes"
    }
}
