import Foundation
import SimDBCore
import SimDBStorage

/// A ``VectorStore`` with its index: every write changes the vectors and the HNSW graph over
/// them in one LMDB transaction, so the two are never out of step, and a crash at any instant
/// leaves both as of the last commit.
///
/// Below ``IndexSettings/exactBelow`` vectors the store keeps no graph and searches scan (exact);
/// the write that reaches the threshold builds the graph, and from then on searches use it
/// unless asked for an exact scan. A build too large for one transaction (see
/// ``maximumBuildDirtyBytes``) commits in steps; until the graph covers every vector, searches scan.
///
/// Thread safety: `Sendable`. Searches run concurrently; writes are serialised by the store.
public final class IndexedVectorStore: Sendable {
    /// The vectors.
    public let store: VectorStore
    /// The store's metric: the graph is built for it.
    public let metric: any DistanceMetric
    /// Working memory for searches, reused across them.
    let scratchPool = ScratchPool()
    /// The index record of the last snapshot read, so a search does not decode it again.
    private let recordCache = UnsafeSendableBox<(snapshot: Int, record: IndexRecord)?>(nil)

    /// How many bytes of segments one write transaction copies before a bulk write commits and
    /// goes on in a new one: the memory a bulk write holds in dirty pages. Small enough that the
    /// pages freed by one step's commit are reused by the next (storing 1M vectors: median
    /// 643,000 vectors/s over six runs, against 513,000 with 192 MiB steps, alternated); a bulk
    /// write into a store with a graph steps at ``maximumBuildDirtyBytes`` instead, as a build does.
    public static let maximumDirtyBytes = 32 << 20

    /// The same bound for a graph build, larger: linking a vector changes the rows of about `2m`
    /// random nodes, so a build step soon holds the whole graph dirty, and every commit leaves the
    /// previous copy behind as free pages in the middle of the file (where the kernel's
    /// fault-around then maps them into searching processes). A graph of up to 1 GiB (about
    /// 3.5 million 128-d vectors at `m` 16) is therefore built in one transaction, written once.
    public static let maximumBuildDirtyBytes = 1 << 30

    /// Whether graphs this instance builds keep codes (always, but for tests that make graphs
    /// as simdb did before codes, to cover stores from then).
    let buildsCodes: Bool

    /// Wraps `store`, whose vectors are compared with `metric`.
    public convenience init(store: VectorStore, metric: any DistanceMetric) {
        self.init(store: store, metric: metric, buildsCodes: true)
    }

    init(store: VectorStore, metric: any DistanceMetric, buildsCodes: Bool) {
        self.store = store
        self.metric = metric
        self.buildsCodes = buildsCodes
    }

    // MARK: Settings and state

    /// The store's index settings (the defaults when none were ever written).
    public func settings() throws -> IndexSettings {
        try store.read { try record(in: $0.record(IndexRecord.name)).settings }
    }

    /// What the index holds now.
    public func status() throws -> IndexStatus {
        try store.read { reader in
            let record = try record(in: reader.record(IndexRecord.name))
            let graph = record.coveredSlots == nil ? nil : countGraphNodes(reader, record)
            return IndexStatus(settings: record.settings, count: try reader.count(), slots: reader.slotLimit,
                               freeSlots: try reader.freeSlotCount(),
                               graphComplete: isComplete(record, slotLimit: reader.slotLimit),
                               graphNodes: graph?.nodes, codes: record.quantizer != nil,
                               codeColumn: record.keepsCodeColumn,
                               nodesOutsideCodeRange: graph?.outsideCodeRange ?? 0, metric: record.metric)
        }
    }

    /// Changes the settings. A change of `m`, `efConstruction` or the seed drops the graph and
    /// builds it again (in steps, as ``rebuild(progress:)``); `efSearch` and the threshold apply
    /// at once; disabling drops the graph.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a value out of range, or from the storage.
    public func updateSettings(_ settings: IndexSettings, progress: ((Int, Int) -> Void)? = nil) throws {
        try settings.validate()
        let shapeChanged = try store.write { writer -> Bool in
            var record = try record(in: writer.record(IndexRecord.name))
            var shape = record.settings.hnsw, newShape = settings.hnsw
            shape.efSearch = 0
            newShape.efSearch = 0
            let changed = shape != newShape || !settings.enabled
            record.settings = settings
            if changed { try drop(&record, writer) }
            try writer.setRecord(IndexRecord.name, record.encoded())
            return changed
        }
        if shapeChanged || settings.enabled { try finishBuild(progress: progress) }
    }

    /// Drops the graph and builds it again from every stored vector, committing in steps.
    /// - Parameter progress: called with (vectors linked, vectors to link) after each step.
    public func rebuild(progress: ((Int, Int) -> Void)? = nil) throws {
        try store.write { writer in
            var record = try record(in: writer.record(IndexRecord.name))
            try drop(&record, writer)
            try writer.setRecord(IndexRecord.name, record.encoded())
        }
        try finishBuild(force: true, progress: progress)
    }

    // MARK: Writes

    /// Stores one vector per id (replacing vectors already stored under those ids) and links
    /// them into the graph, in one write transaction: when anything fails, nothing is stored.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the counts or the dimension differ, or
    ///   from the storage.
    public func put(ids: [UInt64], vectors batch: EmbeddingBatch) throws {
        try store.checkBatch(ids: ids, batch)
        guard !ids.isEmpty else { return }
        let (_, buildPending) = try store.write { writer in
            try apply(writer, removals: [], count: ids.count, dirtyLimit: nil) { index, buffer in
                batch.withVector(at: index) { _ = buffer.initialize(from: $0) }
                return ids[index]
            }
        }
        if buildPending { try finishBuild() }
    }

    /// Removes the vectors stored under `ids` (absent ids are ignored) and repairs the graph
    /// around them, in one write transaction.
    /// - Throws: ``SimDBError`` from the storage (then nothing is removed).
    public func remove(ids: [UInt64]) throws {
        guard !ids.isEmpty else { return }
        _ = try store.write { writer in
            try apply(writer, removals: ids, count: 0, dirtyLimit: nil) { _, _ in 0 }
        }
    }

    /// Stores many vectors, committing a transaction whenever about ``maximumDirtyBytes`` of
    /// segments have changed, or every `batchSize` vectors: each step is atomic, so a crash
    /// keeps the steps committed before it (the graph always matching their vectors).
    /// - Parameters:
    ///   - count: how many vectors `next` yields.
    ///   - next: writes vector `index` into the buffer and returns its id.
    ///   - progress: called with (stored, count) after each step.
    /// - Throws: what `next` throws, or from the storage; steps committed before stay.
    public func bulkPut(count: Int, batchSize: Int = 1 << 20,
                        next: (Int, UnsafeMutableBufferPointer<Float>) throws -> UInt64,
                        progress: ((Int, Int) -> Void)? = nil) throws {
        var done = 0, buildPending = false
        while done < count {
            (done, buildPending) = try store.write { writer in
                try withoutActuallyEscaping(next) { next in
                    try apply(writer, removals: [], from: done, count: min(count, done + batchSize),
                              dirtyLimit: Self.maximumDirtyBytes, next: next)
                }
            }
            progress?(done, count)
        }
        if buildPending { try finishBuild() }
    }

    // MARK: Building

    /// Links every vector the graph does not cover yet, when the settings call for a graph,
    /// committing in steps of about ``maximumBuildDirtyBytes``.
    func finishBuild(force: Bool = false, progress: ((Int, Int) -> Void)? = nil) throws {
        while true {
            let (finished, linked, total) = try store.write { writer -> (Bool, Int, Int) in
                var record = try record(in: writer.record(IndexRecord.name))
                guard try needsBuild(record, writer, force: force) else { return (true, 0, 0) }
                record = try BuildStep(writer: writer, record: record, learnsCodes: buildsCodes,
                                       progress: progress).run(with: metric)
                try writer.setRecord(IndexRecord.name, record.encoded())
                let covered = record.coveredSlots ?? 0
                return (covered >= writer.slotLimit, covered, writer.slotLimit)
            }
            if total > 0 { progress?(linked, total) }
            if finished { return }
        }
    }

    // MARK: Helpers

    /// Whether the settings call for linking vectors the graph does not cover yet: a graph is
    /// wanted (it exists, the store reached the threshold, or a rebuild `force`s it) and either
    /// there is none yet or it misses slots.
    private func needsBuild(_ record: IndexRecord, _ writer: VectorWriter, force: Bool = false) throws -> Bool {
        guard record.settings.enabled else { return false }
        guard let covered = record.coveredSlots else {
            return try force || writer.count() >= record.settings.exactBelow
        }
        return covered < writer.slotLimit
    }

    /// Runs removals then puts `start..<end` in `writer`'s transaction and saves the record.
    /// - Returns: the index of the first put not done (puts stop early past `dirtyLimit`), and
    ///   whether the graph now needs a build step (``finishBuild(force:progress:)``).
    @discardableResult
    private func apply(_ writer: VectorWriter, removals: [UInt64], from start: Int = 0, count end: Int, dirtyLimit: Int?,
                       next: @escaping (Int, UnsafeMutableBufferPointer<Float>) throws -> UInt64) throws
        -> (done: Int, buildPending: Bool)
    {
        let record = try record(in: writer.record(IndexRecord.name))
        let (updated, done) = try WriteWork(writer: writer, record: record, removals: removals, start: start, end: end,
                                            next: next, dirtyLimit: dirtyLimit).run(with: metric)
        if updated != record { try writer.setRecord(IndexRecord.name, updated.encoded()) }
        return (done, try needsBuild(updated, writer))
    }

    func record(in bytes: [UInt8]?) throws -> IndexRecord {
        guard let bytes else {
            return IndexRecord(settings: IndexSettings(), metric: metric.identifier)
        }
        let record = try IndexRecord.decode(bytes, path: store.path)
        if record.coveredSlots != nil && record.metric != metric.identifier {
            throw SimDBError(.encoderMismatch,
                "\(store.path): the index was built for metric \(record.metric), not \(metric.identifier)")
        }
        return record
    }

    /// The index record of `reader`'s snapshot, decoded once per snapshot.
    func record(of reader: VectorReader) throws -> IndexRecord {
        let snapshot = reader.snapshotID
        if let cached = recordCache.withLock({ $0 }), cached.snapshot == snapshot { return cached.record }
        let record = try record(in: reader.record(IndexRecord.name))
        recordCache.withLock { $0 = (snapshot, record) }
        return record
    }

    func isComplete(_ record: IndexRecord, slotLimit: Int) -> Bool {
        guard let covered = record.coveredSlots else { return false }
        return covered >= slotLimit
    }

    private func drop(_ record: inout IndexRecord, _ writer: VectorWriter) throws {
        try writer.removeIndexData()
        record.coveredSlots = nil
        record.entryPoint = nil
        record.quantizer = nil
        record.codeColumn = nil
        record.metric = metric.identifier
    }

    /// The graph's nodes, and those whose code was clamped.
    private func countGraphNodes(_ reader: VectorReader, _ record: IndexRecord) -> (nodes: Int, outsideCodeRange: Int) {
        let storage = StoredHNSWStorage(reader, record: record)
        var nodes = 0, outside = 0
        for slot in 0..<reader.slotLimit where storage.isLive(HNSWNode(slot)) {
            nodes += 1
            if record.quantizer != nil, storage.code(of: HNSWNode(slot))?.clamped == true { outside += 1 }
        }
        return (nodes, outside)
    }
}

/// What ``IndexedVectorStore/status()`` reports.
public struct IndexStatus: Codable, Equatable, Sendable {
    /// The settings in force.
    public var settings: IndexSettings
    /// Stored vectors.
    public var count: Int
    /// Slots in use or free (the high-water mark).
    public var slots: Int
    /// Empty slots, reused before new ones.
    public var freeSlots: Int
    /// Whether the graph covers every vector (searches use it only then).
    public var graphComplete: Bool
    /// Nodes in the graph, or `nil` when there is none.
    public var graphNodes: Int?
    /// Whether the graph keeps 8-bit codes of the vectors beside its links, which searches walk
    /// on before ranking their candidates by the vectors. Graphs built before simdb kept codes
    /// do not (they are walked on the vectors); `simdb index rebuild` adds them.
    public var codes: Bool
    /// Whether the graph also keeps the codes in a column, which exact scans read first (for
    /// `l2` and `ip`), computing exact distances only where a code's bound allows a top-`k` hit.
    /// Graphs built before simdb kept one do not (exact scans read every vector); a rebuild adds it.
    public var codeColumn: Bool
    /// Nodes with a component outside the codes' learned range, scored on their vectors during
    /// searches (slower, as exact); many of them suggest a rebuild, which learns the range again.
    public var nodesOutsideCodeRange: Int
    /// The metric the graph is built for.
    public var metric: String
}

/// A pool of search working memory, so concurrent searches each get one and none is allocated
/// per query.
final class ScratchPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [HNSWScratch] = []

    func withScratch<T>(_ body: (HNSWScratch) throws -> T) rethrows -> T {
        let scratch = lock.withLock { free.popLast() } ?? HNSWScratch()
        defer { lock.withLock { free.append(scratch) } }
        return try body(scratch)
    }
}
