import Foundation
import SimDBCore
import SimDBIndex
import SimDBStorage

/// `simdb bench`: builds a store from benchmark vectors and measures inserts, the index build,
/// and exact and HNSW search (QPS, latency percentiles, recall against the true neighbours), the
/// peak resident memory while searching and the store's size on disk.
public struct Benchmark: Sendable {
    /// The store's metric: `l2`, `cosine` or `ip`.
    public var metric: any DistanceMetric = SquaredL2Metric()
    /// The graph's shape; its `efSearch` is ignored in favour of ``efSearchSweep``.
    public var parameters = HNSWParameters()
    /// The `efSearch` values measured.
    public var efSearchSweep = [16, 32, 64, 128]
    /// Threads issuing queries at once (each query runs on one thread).
    public var threads = 1
    /// Neighbours per query.
    public var k = 10
    /// Times each search phase runs; the round with the median QPS is reported.
    public var rounds = 3
    /// Queries timed on the exact scan (it is slow on large stores); all when `nil`.
    public var exactQueries: Int?
    /// Where the store is built; a temporary directory, removed afterwards, when `nil`.
    public var directory: String?
    /// Build the graph and measure HNSW search; without it, only inserts and the exact scan.
    public var buildsIndex = true
    /// Measure searches on the store an earlier run left in ``directory`` (built from the same
    /// base vectors with the same settings) instead of building one: inserts and the build are
    /// not measured. Lets searches be re-measured, alternating with a peer, without rebuilding.
    public var reusesStore = false

    /// A benchmark with the defaults above; set the properties to change them.
    public init() {}

    /// What a stage reports while it runs: (stage, done, total).
    public typealias Progress = @Sendable (String, Int, Int) -> Void

    /// Runs the benchmark on `data`.
    /// - Throws: ``SimDBError`` from the store, or `.invalidArgument` for bad settings.
    ///
    /// `data` is consumed: the base vectors are released once stored, so the memory measured
    /// while searching is the store's, not the input's.
    public func run(_ data: consuming BenchmarkData, progress: Progress? = nil) throws -> BenchmarkReport {
        try parameters.validate()
        guard threads >= 1, k >= 1, rounds >= 1, !efSearchSweep.isEmpty,
              efSearchSweep.allSatisfy({ (1...10_000).contains($0) }) else {
            throw SimDBError(.invalidArgument, "threads, k and rounds must be at least 1, and efSearch 1...10000")
        }
        let root = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("simdb-bench-\(UUID().uuidString)").path
        let path = URL(fileURLWithPath: root).appendingPathComponent("vectors.mdb").path
        let count = data.base.count, dimension = data.base.dimension
        let index: IndexedVectorStore
        var build: (insert: Double, index: Double)?
        if reusesStore {
            guard directory != nil else { throw SimDBError(.invalidArgument, "reusing a store needs its directory") }
            index = try reopen(path, count: count, dimension: dimension)
            data.base = EmbeddingBatch(dimension: dimension, values: [])
        } else {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            guard !FileManager.default.fileExists(atPath: path) else {
                throw SimDBError(.invalidArgument, "\(path) exists; give an empty directory")
            }
            index = IndexedVectorStore(
                store: try VectorStore(path: path, dimension: dimension, encoderIdentifier: Self.encoderIdentifier), metric: metric)
            build = try self.build(index, from: &data, progress: progress)
        }
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: root) } }

        let depth = max(k, 10)
        let truth = try data.truth ?? groundTruth(data.queries, index: index, depth: depth, progress: progress)
        MemoryUse.returnFreedMemory()
        MemoryUse.resetPeak()
        let exactCount = min(data.queries.count, exactQueries ?? data.queries.count)
        let exact = try measure(queries: data.queries, count: exactCount, truth: truth) { query in
            try index.search(query, k: k, options: SearchOptions(exact: true)).hits
        }
        progress?("exact", 1, 1)
        var hnsw: [BenchmarkReport.Search] = []
        for (step, ef) in (buildsIndex ? efSearchSweep : []).enumerated() {
            var row = try measure(queries: data.queries, count: data.queries.count, truth: truth) { query in
                let (hits, method) = try index.search(query, k: k, options: SearchOptions(efSearch: ef))
                guard method == .hnsw else { throw SimDBError(.internal, "the benchmark store searched without its graph") }
                return hits
            }
            row.efSearch = ef
            hnsw.append(row)
            progress?("hnsw", step + 1, efSearchSweep.count)
        }
        let peak = MemoryUse.peakResidentBytes()
        let pages = try index.store.read { try $0.pageBytes() }
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return BenchmarkReport(
            n: count, dim: dimension, queries: data.queries.count, threads: threads, k: k, metric: metric.identifier,
            m: parameters.m, efConstruction: parameters.efConstruction,
            insertPerSecond: build.map { Double(count) / $0.insert }, insertSeconds: build?.insert,
            indexSeconds: build?.index, buildSeconds: build.map { $0.insert + $0.index }, peakRSSBytes: peak, storeBytes: fileBytes,
            rawVectorBytes: count * dimension * 4, vectorPageBytes: pages.vectors, indexPageBytes: pages.index,
            exact: exact, hnsw: hnsw)
    }

    /// Stores the base vectors without an index, then builds it (unless ``buildsIndex`` is off);
    /// the seconds each took. The base vectors are released once stored.
    private func build(_ index: IndexedVectorStore, from data: inout BenchmarkData,
                       progress: Progress?) throws -> (insert: Double, index: Double) {
        let count = data.base.count, dimension = data.base.dimension
        var settings = IndexSettings(enabled: false, exactBelow: 0, hnsw: parameters)
        try index.updateSettings(settings)
        let insertSeconds = try Self.seconds {
            try data.base.values.withUnsafeBufferPointer { values in
                try index.bulkPut(count: count, next: { row, buffer in
                    _ = buffer.initialize(from: values[row * dimension ..< (row + 1) * dimension])
                    return UInt64(row)
                }, progress: { done, total in progress?("insert", done, total) })
            }
        }
        data.base = EmbeddingBatch(dimension: dimension, values: [])
        settings.enabled = buildsIndex
        let indexSeconds = try Self.seconds {
            if buildsIndex { try index.updateSettings(settings) { done, total in progress?("index", done, total) } }
        }
        return (insertSeconds, indexSeconds)
    }

    /// The store an earlier run kept at `path`, checked against the base vectors and settings.
    private func reopen(_ path: String, count: Int, dimension: Int) throws -> IndexedVectorStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SimDBError(.invalidArgument, "\(path) does not exist: build it first with --keep")
        }
        let index = IndexedVectorStore(store: try VectorStore(path: path, dimension: dimension, encoderIdentifier: Self.encoderIdentifier), metric: metric)
        let status = try index.status()
        var kept = status.settings.hnsw, wanted = parameters
        kept.efSearch = 0
        wanted.efSearch = 0
        guard status.count == count, kept == wanted, status.settings.enabled == buildsIndex,
              !buildsIndex || status.graphComplete else {
            throw SimDBError(.invalidArgument, "the store in \(path) was not built from these vectors with these settings"
                             + " (\(status.count) vectors, M \(status.settings.hnsw.m), efConstruction"
                             + " \(status.settings.hnsw.efConstruction))")
        }
        return index
    }

    /// The true neighbours by exact search, with every core.
    private func groundTruth(_ queries: EmbeddingBatch, index: IndexedVectorStore, depth: Int,
                             progress: Progress?) throws -> [[Int32]] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var rows: [[Int32]] = []
        for row in 0..<queries.count {
            let hits = try index.search(queries.vector(at: row), k: depth,
                                        options: SearchOptions(exact: true, threads: cores)).hits
            rows.append(hits.map { Int32($0.id) })
            if row % 100 == 99 { progress?("truth", row + 1, queries.count) }
        }
        return rows
    }

    /// Runs `count` queries on ``threads`` threads, ``rounds`` times; the median-QPS round.
    private func measure(queries: EmbeddingBatch, count: Int, truth: [[Int32]],
                         search: @escaping @Sendable ([Float]) throws -> [Neighbor]) throws -> BenchmarkReport.Search {
        let rows = (0..<count).map { queries.vector(at: $0) }
        let median = try QueryRunner(threads: threads).medianRound(rows, rounds: rounds, search)
        let timing = QueryTiming(median.latencies, qps: median.qps)
        func recall(_ depth: Int) -> Double {
            var found = 0
            for (row, answer) in median.answers.enumerated() {
                let expected = Set(truth[row].prefix(depth).map { UInt64($0) })
                found += answer.prefix(depth).filter { expected.contains($0) }.count
            }
            return Double(found) / Double(max(1, median.answers.count * depth))
        }
        return BenchmarkReport.Search(efSearch: nil, qps: timing.qps, p50Milliseconds: timing.p50Milliseconds,
                                      p99Milliseconds: timing.p99Milliseconds, recallAt1: recall(1),
                                      recallAt10: recall(min(10, k)))
    }

    /// The encoder identifier of benchmark stores (their vectors come from no encoder).
    static let encoderIdentifier = "bench/1"

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
