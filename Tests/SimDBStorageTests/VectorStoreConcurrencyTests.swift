import Foundation
import SimDBCore
import SimDBStorage
import Testing

@Suite struct VectorStoreConcurrencyTests {
    /// Readers on several threads while one writer adds batches (and grows the map from 1 MiB):
    /// no errors, each reader sees counts that never decrease, and every vector it sees is whole.
    @Test func readersSeeMonotonicCountsWhileAWriterAdds() throws {
        try withTemporaryDirectory { dir in
            let dimension = 64, batches = 40, batchSize = 100
            let store = try VectorStore(path: dir.appendingPathComponent("v").path, dimension: dimension,
                                        encoderIdentifier: "test/1", initialMapSize: 1 << 20)
            let failures = FailureLog()
            let done = Atomic(false)
            runOnThreads(5) { thread in
                if thread == 0 {
                    defer { done.set(true) }
                    do {
                        for batch in 0 ..< batches {
                            let ids = (0 ..< batchSize).map { UInt64(batch * batchSize + $0) }
                            try store.put(ids: ids, vectors: testBatch(ids: ids, dimension: dimension))
                        }
                    } catch {
                        failures.record("writer: \(error)")
                    }
                    return
                }
                var last = 0
                var reads = 0
                while !done.get() || reads < 3 {
                    reads += 1
                    do {
                        let (count, scanned, intact) = try store.read { reader in
                            var scanned = 0, intact = true
                            try reader.forEachVector { id, vector in
                                scanned += 1
                                if bits(vector) != bits(testVector(id: id, dimension: dimension)) { intact = false }
                            }
                            return (try reader.count(), scanned, intact)
                        }
                        if count < last { failures.record("reader \(thread): count went from \(last) to \(count)") }
                        if scanned != count { failures.record("reader \(thread): scanned \(scanned) of \(count)") }
                        if !intact { failures.record("reader \(thread): a vector differed") }
                        last = count
                        // Nested reads on this thread must work while the writer runs.
                        let nested = try store.read { _ in try store.count() }
                        if nested < last { failures.record("reader \(thread): nested count \(nested) < \(last)") }
                    } catch {
                        failures.record("reader \(thread): \(error)")
                        return
                    }
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all.prefix(5))")
            #expect(try store.count() == batches * batchSize)
            #expect(store.mapSize > 1 << 20)
        }
    }

    /// Tasks (which may hop threads between calls) reading and writing one store.
    @Test func tasksShareAStore() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-storage-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try VectorStore(path: dir.appendingPathComponent("v").path, dimension: 8, encoderIdentifier: "test/1")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0 ..< 8 {
                group.addTask {
                    let ids = (0 ..< 50).map { UInt64(task * 1_000 + $0) }
                    try store.put(ids: ids, vectors: testBatch(ids: ids, dimension: 8))
                    await Task.yield()
                    let found = try store.read { reader in try ids.filter { try reader.contains($0) }.count }
                    #expect(found == ids.count)
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.count() == 400)
    }
}

/// A flag shared between threads.
final class Atomic<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}
