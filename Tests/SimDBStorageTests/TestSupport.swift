import Foundation
import SimDBCore
import SimDBStorage

/// Runs `body` with a fresh directory under the system temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("simdb-storage-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// A deterministic vector for `id`: distinct per id and per component.
func testVector(id: UInt64, dimension: Int) -> [Float] {
    (0 ..< dimension).map { Float(id) * 0.5 + Float($0) * 0.001 - 3 }
}

/// A batch of ``testVector(id:dimension:)`` rows for `ids`.
func testBatch(ids: [UInt64], dimension: Int) -> EmbeddingBatch {
    EmbeddingBatch(dimension: dimension, values: ids.flatMap { testVector(id: $0, dimension: dimension) })
}

/// Runs `body(index)` on `count` new threads and waits for all of them.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0 ..< count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.start()
    }
    group.wait()
}

/// Thread-safe list of failures seen on other threads.
final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []

    func record(_ message: String) {
        lock.withLock { entries.append(message) }
    }

    var all: [String] { lock.withLock { entries } }
}

/// Bit patterns, so that equality is exact (including NaN payloads and signed zeros).
func bits(_ values: some Sequence<Float>) -> [UInt32] {
    values.map(\.bitPattern)
}
