import Dispatch
import Foundation
import SimDBCore

/// A value handed to the threads of one parallel loop, which the loop's owner keeps alive and
/// does not change meanwhile (or changes only under ``withLock(_:)``).
final class UnsafeSendableBox<Value>: @unchecked Sendable {
    let lock = NSLock()
    var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { try body(&value) }
    }
}

enum DispatchQueueConcurrency {
    /// Runs `body(0..<count)` on up to `count` threads and waits for all of them.
    static func perform(_ count: Int, _ body: @Sendable (Int) -> Void) {
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }

    /// The `k` best hits of `scan` over segments `0..<segments`: with `threads` above 1, the
    /// segments are split into that many contiguous ranges (at most one per segment), scanned at
    /// once, and their partial top-`k` lists merged. `scan` must only read shared state.
    static func topK(segments: Int, threads: Int, k: Int, direction: MetricDirection,
                     scan: (Range<Int>) -> [Neighbor]) -> [Neighbor] {
        let parts = max(1, min(threads, segments))
        if parts == 1 { return scan(0..<segments) }
        return withoutActuallyEscaping(scan) { scan in
            let work = UnsafeSendableBox(scan)
            let partials = UnsafeSendableBox([[Neighbor]](repeating: [], count: parts))
            perform(parts) { part in
                let hits = work.value(segments * part / parts ..< segments * (part + 1) / parts)
                partials.withLock { $0[part] = hits }
            }
            var top = TopK(k: k, direction: direction)
            for hit in partials.withLock({ $0 }).joined() { top.offer(hit) }
            return top.sorted()
        }
    }
}
