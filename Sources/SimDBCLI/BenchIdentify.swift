import ArgumentParser
import Foundation
import SimDB
import SimDBBench
import SimDBCore

/// `simdb bench --identify STORE`: the speed of identification over a real store.
extension BenchCommand {
    /// What `--identify --json` prints (docs/cli.md).
    struct IdentificationReport: Encodable {
        struct Phase: Encodable {
            var efSearch: Int
            var search: String
            var timing: QueryTiming

            enum CodingKeys: String, CodingKey { case efSearch = "ef_search", search }

            func encode(to encoder: any Swift.Encoder) throws {
                try timing.encode(to: encoder)
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(efSearch, forKey: .efSearch)
                try container.encode(search, forKey: .search)
            }
        }

        var store: String
        var people: Int
        var templates: Int
        var queries: Int
        var k: Int
        var threads: Int
        var identify: [Phase]
    }

    /// Runs `Store.query(embedding:)` for every `--queries` vector, at each `--ef-search`: the
    /// search (graph or scan), the catalog lookups of the candidates' owners and names, and the
    /// audit row, everything a query does after encoding its image.
    func runIdentification(store path: String, queries: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SimDBError(.notFound, "no store at \(path)")
        }
        let store = try Store(path: path)
        let probes = try VecsFile.readFvecs(path: queries)
        let rows = (0..<probes.count).map { probes.vector(at: $0) }
        let statistics = try store.statistics()
        var phases: [IdentificationReport.Phase] = []
        let bars = ProgressBars()
        // The decision does not change the work; a store whose encoder has no default threshold
        // still gets one, so that it can be timed.
        let threshold: Float? = statistics.defaultThreshold == nil ? 0 : nil
        guard let first = rows.first else { throw SimDBError(.invalidArgument, "\(queries) holds no vectors") }
        for (step, ef) in (parsedSweep ?? []).enumerated() {
            let options = SearchOptions(efSearch: ef)
            let method = try store.query(embedding: first, k: k, threshold: threshold, options: options).search
            let timing = try QueryTiming.measure(rows, threads: threads, rounds: rounds) { [k] probe in
                _ = try store.query(embedding: probe, k: k, threshold: threshold, options: options)
            }
            phases.append(.init(efSearch: ef, search: method.rawValue, timing: timing))
            bars.update("identify", step + 1, parsedSweep?.count ?? 0)
        }
        let report = IdentificationReport(store: path, people: statistics.people, templates: statistics.templates,
                                          queries: rows.count, k: k, threads: threads, identify: phases)
        if output.json {
            try JSONOutput.print(report)
            return
        }
        print("identification over \(report.templates) templates of \(report.people) people, \(report.queries) "
              + "embedded probes, k \(k), \(threads) thread(s): search, catalog lookups and audit row per query")
        print("ef-search  search        QPS    p50 ms   p99 ms")
        for phase in phases {
            print(String(format: "%9d  ", phase.efSearch) + phase.search.padding(toLength: 6, withPad: " ", startingAt: 0)
                  + String(format: " %10.0f %9.3f %8.3f", phase.timing.qps, phase.timing.p50Milliseconds,
                           phase.timing.p99Milliseconds))
        }
    }
}
