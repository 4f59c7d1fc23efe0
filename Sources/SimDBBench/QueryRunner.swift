import Dispatch
import Foundation
import SimDBCore
import SimDBIndex

/// Runs queries on a fixed number of threads, each taking the next query when it is free, and
/// times every query.
struct QueryRunner {
    let threads: Int

    /// Runs the queries `rounds` times; the round with the median QPS.
    func medianRound(_ queries: [[Float]], rounds: Int,
                     _ search: @escaping @Sendable ([Float]) throws -> [Neighbor]) throws
        -> (qps: Double, latencies: [Double], answers: [[UInt64]])
    {
        var results: [(qps: Double, latencies: [Double], answers: [[UInt64]])] = []
        for _ in 0..<max(1, rounds) { results.append(try run(queries, search)) }
        results.sort { $0.qps < $1.qps }
        return results[results.count / 2]
    }

    /// Returns QPS over the wall time, each query's latency in seconds, and the answers' ids.
    func run(_ queries: [[Float]], _ search: @escaping @Sendable ([Float]) throws -> [Neighbor]) throws
        -> (qps: Double, latencies: [Double], answers: [[UInt64]])
    {
        let state = State(count: queries.count)
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let row = state.next() {
                let begin = DispatchTime.now().uptimeNanoseconds
                let outcome = Result { try search(queries[row]).map(\.id) }
                let latency = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
                state.record(row, latency: latency, outcome: outcome)
            }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if let error = state.error { throw error }
        return (Double(queries.count) / wall, state.latencies, state.answers)
    }

    /// The queue of query rows and what came back, shared by the threads under a lock.
    private final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var cursor = 0
        private let count: Int
        var latencies: [Double]
        var answers: [[UInt64]]
        var error: (any Error)?

        init(count: Int) {
            self.count = count
            latencies = Array(repeating: 0, count: count)
            answers = Array(repeating: [], count: count)
        }

        func next() -> Int? {
            lock.withLock {
                guard cursor < count, error == nil else { return nil }
                cursor += 1
                return cursor - 1
            }
        }

        func record(_ row: Int, latency: Double, outcome: Result<[UInt64], any Error>) {
            lock.withLock {
                latencies[row] = latency
                switch outcome {
                case .success(let ids): answers[row] = ids
                case .failure(let failure): error = error ?? failure
                }
            }
        }
    }
}

/// The process's resident memory, from `/proc/self` (Linux).
enum MemoryUse {
    /// Hands memory the allocator keeps after frees back to the system (`malloc_trim`), so that
    /// pages freed after a build do not count as resident during the searches.
    static func returnFreedMemory() {
        // glibc's malloc_trim, looked up at run time (its header is not part of the Glibc module).
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        typealias Trim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Resets the peak (`VmHWM`) to the current resident size, so the next reading covers only
    /// what follows (writes `5` to `/proc/self/clear_refs`; a no-op where that is missing).
    static func resetPeak() {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return }
        try? handle.write(contentsOf: Data("5".utf8))
        try? handle.close()
    }

    /// The peak resident bytes (`VmHWM`), or 0 where `/proc` is missing.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}

/// The speed of one phase of queries: what ``QueryTiming/measure(_:threads:rounds:search:)`` reports.
public struct QueryTiming: Codable, Sendable {
    /// Queries per second over the phase's wall time.
    public var qps: Double
    /// Median latency of one query, in milliseconds.
    public var p50Milliseconds: Double
    /// 99th-percentile latency of one query, in milliseconds.
    public var p99Milliseconds: Double

    enum CodingKeys: String, CodingKey {
        case qps, p50Milliseconds = "p50_ms", p99Milliseconds = "p99_ms"
    }

    /// Runs every query in `queries` on `threads` threads, `rounds` times, and returns the round
    /// with the median QPS (its latencies with it).
    /// - Throws: the first error `search` throws.
    public static func measure(_ queries: [[Float]], threads: Int = 1, rounds: Int = 3,
                               search: @escaping @Sendable ([Float]) throws -> Void) throws -> QueryTiming {
        let round = try QueryRunner(threads: max(1, threads)).medianRound(queries, rounds: rounds) { query in
            try search(query)
            return []
        }
        return QueryTiming(round.latencies, qps: round.qps)
    }

    /// The timing of one round: its QPS and its latencies' percentiles.
    init(_ latencies: [Double], qps: Double) {
        self.qps = qps
        p50Milliseconds = Self.percentile(latencies, 0.5) * 1e3
        p99Milliseconds = Self.percentile(latencies, 0.99) * 1e3
    }

    /// The nearest-rank percentile `p` of `values` (not empty).
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }
}
