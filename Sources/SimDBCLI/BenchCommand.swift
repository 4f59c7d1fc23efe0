import ArgumentParser
import Foundation
import SimDB
import SimDBBench

/// `simdb bench`: insert, build and search speed, recall, memory and size on benchmark vectors.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure inserts, the index build, and exact and HNSW search on benchmark vectors.",
        discussion: """
            Builds a throw-away store (no images, no catalog) from generated clustered vectors \
            (--n, --dim, --seed: x = normalise(c + N(0, 0.08² I)) around 1000 centres on the unit \
            sphere) or from ANN-benchmarks files (--base, --queries, --truth). It stores every \
            vector without an index (insert rate), builds the HNSW graph (build time = both), \
            then runs every query with --threads threads at once, one query per thread at a time: \
            exact, then HNSW at each --ef-search, each phase --rounds times, reporting the round \
            with the median QPS. Recall is against --truth, or against the exact scan. Use a \
            release build ('swift build -c release'). Peers on the same files: \
            benchmarks/ann_peers.py. With --keep DIR --reuse, only the searches run again, on the \
            store an earlier run kept. With --identify STORE --queries PROBES.fvecs, it times \
            identification over a real store instead (search, catalog lookups, audit row per query).
            """
    )

    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("Base vectors (.fvecs), stored under ids 0...n-1.", valueName: "file"))
    var base: String?
    @Option(name: .long, help: ArgumentHelp("Query vectors (.fvecs).", valueName: "file"))
    var queries: String?
    @Option(name: .long, help: ArgumentHelp("True neighbours of each query (.ivecs, base row numbers, closest first).", valueName: "file"))
    var truth: String?

    @Option(name: .long, help: "Generated base vectors (without --base).")
    var n = 100_000
    @Option(name: .long, help: "Dimension of generated vectors.")
    var dim = 128
    @Option(name: .long, help: "Generated queries.")
    var nq = 1_000
    @Option(name: .long, help: "Seed of generated vectors.")
    var seed: UInt64 = 1

    @Option(name: .long, help: ArgumentHelp("l2, cosine or ip.", valueName: "id"))
    var metric = "l2"
    @Option(name: .long, help: "HNSW links per node (2m on level 0).")
    var m = 16
    @Option(name: .customLong("ef-construction"), help: "HNSW candidates per insert.")
    var efConstruction = 200
    @Option(name: .customLong("ef-search"), help: ArgumentHelp("efSearch values to measure, comma-separated.", valueName: "list"))
    var efSearch = "16,32,64,128"
    @Option(name: .long, help: "Threads issuing queries at once.")
    var threads = 1
    @Option(name: .long, help: "Neighbours per query.")
    var k = 10
    @Option(name: .long, help: "Rounds of each search phase (the median-QPS round is reported).")
    var rounds = 3
    @Option(name: .customLong("exact-queries"), help: ArgumentHelp("Queries timed on the exact scan (default: all).", valueName: "n"))
    var exactQueries: Int?
    @Option(name: .long, help: ArgumentHelp("Build the store in this empty directory and keep it.", valueName: "dir"))
    var keep: String?
    @Option(name: .long, help: ArgumentHelp(
        "Measure identification over the simdb store in this directory instead: each --queries vector is an embedded probe.",
        discussion: "Times Store.query by embedding (search, catalog lookups, audit row) at each --ef-search; the store is not changed except for its audit log.",
        valueName: "store"))
    var identify: String?
    @Flag(name: .long, help: "Measure searches on the store --keep left from an earlier run with the same vectors and settings, without building it again.")
    var reuse = false
    @Flag(name: .customLong("exact-only"), help: "Measure inserts and the exact scan only: no graph, no HNSW rows, and a scan of every vector (no code column).")
    var exactOnly = false

    func validate() throws {
        if identify != nil {
            guard queries != nil, base == nil, truth == nil, keep == nil else {
                throw ValidationError("--identify takes --queries (embedded probes), not --base, --truth or --keep")
            }
        } else if (base == nil) != (queries == nil) {
            throw ValidationError("--base and --queries go together")
        }
        if truth != nil && base == nil { throw ValidationError("--truth needs --base and --queries") }
        guard n >= 1, dim >= 1, dim <= 1 << 20, nq >= 1 else { throw ValidationError("--n, --dim and --nq must be positive") }
        guard threads >= 1, k >= 1, rounds >= 1 else { throw ValidationError("--threads, --k and --rounds must be at least 1") }
        guard let sweep = parsedSweep, !sweep.isEmpty, sweep.allSatisfy({ (1...10_000).contains($0) }) else {
            throw ValidationError("--ef-search must be a comma-separated list of values in 1...10000")
        }
        if reuse && keep == nil { throw ValidationError("--reuse needs --keep DIR, the store an earlier run kept") }
        if let exactQueries, exactQueries < 1 { throw ValidationError("--exact-queries must be at least 1") }
    }

    var parsedSweep: [Int]? {
        let values = efSearch.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return values.contains(nil) ? nil : values.compactMap { $0 }
    }

    func run() throws {
        if let identify, let queries { return try runIdentification(store: identify, queries: queries) }
        var benchmark = Benchmark()
        benchmark.metric = try PluginRegistry.shared.metric(metric)
        benchmark.parameters = HNSWParameters(m: m, efConstruction: efConstruction)
        benchmark.efSearchSweep = parsedSweep ?? []
        benchmark.threads = threads
        benchmark.k = k
        benchmark.rounds = rounds
        benchmark.exactQueries = exactQueries
        benchmark.directory = keep
        benchmark.buildsIndex = !exactOnly
        benchmark.reusesStore = reuse
        let bars = ProgressBars()
        // Handed over, not kept: the benchmark frees the base vectors once they are stored.
        let report = try benchmark.run(try loadData()) { stage, done, total in bars.update(stage, done, total) }
        if output.json {
            try JSONOutput.print(report)
            return
        }
        print("\(report.n) × \(report.dim)-d, \(report.queries) queries, k \(report.k), metric \(report.metric), "
              + "M \(report.m), efConstruction \(report.efConstruction), \(report.threads) thread(s)")
        if let insertPerSecond = report.insertPerSecond, let insertSeconds = report.insertSeconds,
           let indexSeconds = report.indexSeconds, let buildSeconds = report.buildSeconds {
            print(String(format: "insert (no index): %.0f vectors/s (%.2f s); index %.2f s; build %.2f s",
                         insertPerSecond, insertSeconds, indexSeconds, buildSeconds))
        } else {
            print("reused the kept store: inserts and the build not measured")
        }
        print(String(format: "store %.1f MiB (vectors %.1f MiB raw, graph %.1f MiB); peak RSS while searching %.1f MiB",
                     Self.mebibytes(report.storeBytes), Self.mebibytes(report.rawVectorBytes),
                     Self.mebibytes(report.indexPageBytes), Self.mebibytes(report.peakRSSBytes)))
        print("search        QPS      p50 ms   p99 ms   recall@1  recall@10")
        for (name, row) in [("exact", report.exact)] + report.hnsw.map({ ("ef \($0.efSearch ?? 0)", $0) }) {
            print(name.padding(toLength: 9, withPad: " ", startingAt: 0)
                  + String(format: " %9.0f %9.3f %8.3f %9.3f %10.3f", row.qps, row.p50Milliseconds,
                           row.p99Milliseconds, row.recallAt1, row.recallAt10))
        }
    }

    private func loadData() throws -> BenchmarkData {
        if let base, let queries {
            return try BenchmarkData.files(base: base, queries: queries, truth: truth)
        }
        return BenchmarkData.clustered(count: n, queries: nq, dimension: dim, seed: seed)
    }

    static func mebibytes(_ bytes: Int) -> Double { Double(bytes) / 1_048_576 }
}

/// One progress bar per stage, on standard error when it is a terminal.
final class ProgressBars: @unchecked Sendable {
    private let lock = NSLock()
    private var bars: [String: ProgressBar] = [:]

    func update(_ stage: String, _ done: Int, _ total: Int) {
        lock.withLock {
            var bar = bars[stage] ?? ProgressBar(label: stage.padding(toLength: 6, withPad: " ", startingAt: 0))
            bar.update(done, of: total)
            bars[stage] = bar
        }
    }
}
