import Dispatch
import Foundation

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
}
