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
    /// Stop the puts early (but after at least one) once this many segment bytes are dirty, or,
    /// when the graph is kept too, ``IndexedVectorStore/maximumBuildDirtyBytes``: each put then
    /// dirties graph rows all over the graph, and small steps would copy it again and again.
    let dirtyLimit: Int?

    /// Returns the updated record and the index of the first put not done.
    func run<Metric: DistanceMetric>(_ metric: Metric) throws -> (IndexRecord, Int) {
        var record = record
        let storage = StoredHNSWStorage(writer, record: record)
        var graph = try HNSWGraph(storage: storage, metric: metric, parameters: record.settings.hnsw)
        let scratch = HNSWScratch()
        let codes = storage.codeScorers(metric)
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
            if let dirtyLimit, index > start,
               writer.dirtyBytes >= (record.coveredSlots == nil ? dirtyLimit : IndexedVectorStore.maximumBuildDirtyBytes) {
                break
            }
            let id = try vector.withUnsafeMutableBufferPointer { try next(index, $0) }
            if try inGraph(id) { try graph.remove(id: id, scratch: scratch) }  // replaced: unlink the old vector
            let slotsBefore = writer.slotLimit
            let slot = try vector.withUnsafeBufferPointer { try writer.put(id: id, vector: $0).slot }
            storage.refresh()
            if let covered = record.coveredSlots {
                if slot < covered {
                    try graph.insert(id: id, vector: vector, scratch: scratch, walkingWith: codes)
                } else if slot == covered && covered == slotsBefore {  // appended to a complete graph
                    try graph.insert(id: id, vector: vector, scratch: scratch, walkingWith: codes)
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
/// covers every slot or the transaction has dirtied ``IndexedVectorStore/maximumBuildDirtyBytes``.
struct BuildStep: MetricGenericWork {
    let writer: VectorWriter
    let record: IndexRecord
    /// Whether a new graph learns a quantizer and keeps codes in its rows and its column.
    let learnsCodes: Bool
    /// Called with (slots covered, slots) every 1,000 slots: a step may link millions.
    let progress: ((Int, Int) -> Void)?

    func run<Metric: DistanceMetric>(_ metric: Metric) throws -> IndexRecord {
        var record = record
        if record.coveredSlots == nil && learnsCodes {
            record.quantizer = ScalarQuantizer(learningFrom: writer)
            record.codeColumn = true
        }
        let storage = StoredHNSWStorage(writer, record: record)
        var graph = try HNSWGraph(storage: storage, metric: metric, parameters: record.settings.hnsw)
        let scratch = HNSWScratch()
        let codes = storage.codeScorers(metric)
        var covered = record.coveredSlots ?? 0
        while covered < writer.slotLimit && writer.dirtyBytes < IndexedVectorStore.maximumBuildDirtyBytes {
            if let id = writer.id(at: covered) {
                try graph.insert(id: id, vector: Array(writer.vector(at: covered)), scratch: scratch, walkingWith: codes)
            }
            covered += 1
            if covered % 1_000 == 0 { progress?(covered, writer.slotLimit) }
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
        let storage = StoredHNSWStorage(reader, record: record)
        let graph = try HNSWGraph(storage: storage, metric: metric, parameters: record.settings.hnsw)
        guard let codes = storage.codeScorers(metric) else {
            return try graph.search(query, k: k, efSearch: efSearch, scratch: scratch, where: isIncluded)
        }
        return try graph.search(query, k: k, efSearch: efSearch, scratch: scratch, where: isIncluded, walkingWith: codes)
    }
}

/// One exact scan of a snapshot, split over `threads` threads by segment: each segment's
/// distances in one batch call, then only the few that could enter the top `k` have their id
/// read and their filter run.
struct ExactSearch: MetricGenericWork {
    let reader: VectorReader
    let query: [Float]
    let k: Int
    let threads: Int
    let isIncluded: ((UInt64) -> Bool)?

    func run<Metric: DistanceMetric>(_ metric: Metric) throws -> [Neighbor] {
        DispatchQueueConcurrency.topK(segments: reader.layout.segmentCount(forSlots: reader.slotLimit), threads: threads,
                                      k: k, direction: metric.direction) { scan(metric, segments: $0) }
    }

    func scan<Metric: DistanceMetric>(_ metric: Metric, segments: Range<Int>) -> [Neighbor] {
        var top = TopK(k: k, direction: metric.direction)
        let distances = UnsafeMutablePointer<Float>.allocate(capacity: reader.layout.slotsPerSegment)
        defer { distances.deallocate() }
        query.withUnsafeBufferPointer { q in
            reader.forEachSegment(inSegments: segments) { vectors, ids, count in
                metric.distances(q, batch: vectors, count: count, into: distances)
                for index in 0..<count where top.mightKeep(distances[index]) {
                    let id = UInt64(littleEndian: ids.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                    guard id != SegmentLayout.freeSlot, isIncluded?(id) ?? true else { continue }
                    top.offer(id: id, distance: distances[index])
                }
            }
        }
        return top.sorted()
    }
}
