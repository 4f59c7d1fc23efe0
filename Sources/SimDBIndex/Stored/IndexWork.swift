import SimDBCore
import SimDBStorage

/// One write transaction's changes: removals, then puts, each applied to the vectors and, for
/// slots the graph covers, to the graph.
struct WriteWork: MetricGenericWork {
    let writer: VectorWriter
    let record: IndexRecord
    let removals: [UInt64]
    /// Puts `start..<end`; `next` writes vector `index` into the buffer and returns its id.
    let start: Int, end: Int
    let next: (Int, UnsafeMutableBufferPointer<Float>) throws -> UInt64
    /// Stop the puts early (but after at least one) once this many segment bytes are dirty.
    let dirtyLimit: Int?

    /// Returns the updated record and the index of the first put not done.
    func run<Metric: DistanceMetric>(_ metric: Metric) throws -> (IndexRecord, Int) {
        var record = record
        let storage = StoredHNSWStorage(writer, parameters: record.settings.hnsw, entryPoint: record.entryPoint)
        var graph = try HNSWGraph(storage: storage, metric: metric, parameters: record.settings.hnsw)
        let scratch = HNSWScratch()
        func inGraph(_ id: UInt64) throws -> Bool {
            guard let covered = record.coveredSlots, let slot = try writer.slot(of: id) else { return false }
            return slot < covered
        }
        for id in removals {
            if try inGraph(id) { try graph.remove(id: id, scratch: scratch) }
            try writer.remove(id: id)
        }
        var vector = [Float](repeating: 0, count: writer.layout.dimension)
        var index = start
        while index < end {
            if let dirtyLimit, index > start, writer.dirtyBytes >= dirtyLimit { break }
            let id = try vector.withUnsafeMutableBufferPointer { try next(index, $0) }
            if try inGraph(id) { try graph.remove(id: id, scratch: scratch) }  // replaced: unlink the old vector
            let slotsBefore = writer.slotLimit
            let slot = try vector.withUnsafeBufferPointer { try writer.put(id: id, vector: $0).slot }
            storage.refresh()
            if let covered = record.coveredSlots {
                if slot < covered {
                    try graph.insert(id: id, vector: vector, scratch: scratch)
                } else if slot == covered && covered == slotsBefore {  // appended to a complete graph
                    try graph.insert(id: id, vector: vector, scratch: scratch)
                    record.coveredSlots = covered + 1
                }
            }
            index += 1
        }
        record.entryPoint = storage.entryPoint
        return (record, index)
    }
}

/// Links the vectors in slots the graph does not cover yet, in slot order, until the graph
/// covers every slot or the transaction has dirtied ``IndexedVectorStore/maximumDirtyBytes``.
struct BuildStep: MetricGenericWork {
    let writer: VectorWriter
    let record: IndexRecord

    func run<Metric: DistanceMetric>(_ metric: Metric) throws -> IndexRecord {
        var record = record
        let storage = StoredHNSWStorage(writer, parameters: record.settings.hnsw, entryPoint: record.entryPoint)
        var graph = try HNSWGraph(storage: storage, metric: metric, parameters: record.settings.hnsw)
        let scratch = HNSWScratch()
        var covered = record.coveredSlots ?? 0
        while covered < writer.slotLimit && writer.dirtyBytes < IndexedVectorStore.maximumDirtyBytes {
            if let id = writer.id(at: covered) {
                try graph.insert(id: id, vector: Array(writer.vector(at: covered)), scratch: scratch)
            }
            covered += 1
        }
        record.coveredSlots = covered
        record.entryPoint = storage.entryPoint
        record.metric = metric.identifier
        return record
    }
}

/// One search of the graph over a snapshot.
struct GraphSearch: MetricGenericWork {
    let reader: VectorReader
    let record: IndexRecord
    let query: [Float]
    let k: Int
    let efSearch: Int?
    let scratch: HNSWScratch
    let isIncluded: ((UInt64) -> Bool)?

    func run<Metric: DistanceMetric>(_ metric: Metric) throws -> [Neighbor] {
        let storage = StoredHNSWStorage(reader, parameters: record.settings.hnsw, entryPoint: record.entryPoint)
        let graph = try HNSWGraph(storage: storage, metric: metric, parameters: record.settings.hnsw)
        return try graph.search(query, k: k, efSearch: efSearch, scratch: scratch, where: isIncluded)
    }
}

/// One exact scan of a snapshot, split over `threads` threads by segment.
struct ExactSearch: MetricGenericWork {
    let reader: VectorReader
    let query: [Float]
    let k: Int
    let threads: Int
    let isIncluded: ((UInt64) -> Bool)?

    func run<Metric: DistanceMetric>(_ metric: Metric) throws -> [Neighbor] {
        let segments = reader.layout.segmentCount(forSlots: reader.slotLimit)
        let parts = max(1, min(threads, segments))
        let filter = isIncluded ?? { _ in true }
        if parts == 1 {
            return try FlatIndex.search(query, in: reader, metric: metric, k: k, where: filter)
        }
        let partials = UnsafeSendableBox([[Neighbor]](repeating: [], count: parts))
        let reader = UnsafeSendableBox(reader), query = query, k = k
        let unsafeFilter = UnsafeSendableBox(filter)
        DispatchQueueConcurrency.perform(parts) { part in
            let range = segments * part / parts ..< segments * (part + 1) / parts
            var top = TopK(k: k, direction: metric.direction)
            query.withUnsafeBufferPointer { q in
                reader.value.forEachVector(inSegments: range) { id, vector in
                    guard unsafeFilter.value(id) else { return }
                    top.offer(id: id, distance: metric.distance(q, vector))
                }
            }
            partials.withLock { $0[part] = top.sorted() }
        }
        var top = TopK(k: k, direction: metric.direction)
        for hit in partials.withLock({ $0 }).joined() { top.offer(hit) }
        return top.sorted()
    }
}
