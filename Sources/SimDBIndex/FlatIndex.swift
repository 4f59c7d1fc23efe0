import SimDBCore

/// Exact k-nearest-neighbour search by scanning every stored vector.
///
/// The flat index is simdb's ground truth: approximate indexes measure their recall against it.
/// It keeps no state of its own; it scans a ``VectorSource`` (zero-copy pages inside a storage
/// read transaction) with a metric, so a scan allocates nothing per vector. Generic over the
/// metric so the kernel is specialised and inlined, not called through an existential.
public enum FlatIndex {
    /// The `k` vectors closest to `query`, closest first.
    /// - Parameters:
    ///   - query: a vector of `source.dimension` values.
    ///   - source: the vectors to scan.
    ///   - metric: the comparison; its direction decides what "closest" means.
    ///   - k: how many hits to return (fewer when the source holds fewer).
    ///   - isIncluded: vectors for which this returns `false` are skipped.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the query's length is wrong, or what the
    ///   source throws.
    public static func search<M: DistanceMetric>(
        _ query: [Float], in source: some VectorSource, metric: M, k: Int,
        where isIncluded: (UInt64) -> Bool = { _ in true }
    ) throws -> [Neighbor] {
        try checkDimension(query, source)
        var top = TopK(k: k, direction: metric.direction)
        try query.withUnsafeBufferPointer { q in
            try source.forEachVector { id, vector in
                guard isIncluded(id) else { return }
                top.offer(id: id, distance: metric.distance(q, vector))
            }
        }
        return top.sorted()
    }

    /// The `k` groups whose closest vector is closest to `query`, closest first.
    ///
    /// This is identification over people: each person (group) is represented by their best
    /// template, and people are ranked by it.
    /// - Parameters:
    ///   - query: a vector of `source.dimension` values.
    ///   - source: the vectors to scan.
    ///   - metric: the comparison.
    ///   - k: how many groups to return.
    ///   - groupOf: the group of a vector id, or `nil` to skip that vector.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the query's length is wrong, or what the
    ///   source throws.
    public static func searchGroups<M: DistanceMetric, Group: Hashable & Sendable>(
        _ query: [Float], in source: some VectorSource, metric: M, k: Int,
        groupOf: (UInt64) -> Group?
    ) throws -> [GroupNeighbor<Group>] {
        try checkDimension(query, source)
        var best: [Group: (hit: Neighbor, count: Int)] = [:]
        let direction = metric.direction
        try query.withUnsafeBufferPointer { q in
            try source.forEachVector { id, vector in
                guard let group = groupOf(id) else { return }
                keepBest(Neighbor(id: id, distance: metric.distance(q, vector)), of: group, in: &best, direction: direction)
            }
        }
        return rankGroups(best, k: k, direction: direction)
    }

    /// Counts `hit` for `group` and keeps it as the group's best when it is closer (or as close
    /// with a smaller id, so the choice is deterministic).
    static func keepBest<Group: Hashable>(_ hit: Neighbor, of group: Group,
                                          in best: inout [Group: (hit: Neighbor, count: Int)],
                                          direction: MetricDirection) {
        guard let current = best[group] else {
            best[group] = (hit, 1)
            return
        }
        let closer = direction.isCloser(hit.distance, than: current.hit.distance)
            || (hit.distance == current.hit.distance && hit.id < current.hit.id)
        best[group] = (closer ? hit : current.hit, current.count + 1)
    }

    /// The `k` groups whose best hit is closest, closest first; the best hit's id breaks ties.
    static func rankGroups<Group: Hashable & Sendable>(_ best: [Group: (hit: Neighbor, count: Int)], k: Int,
                                                        direction: MetricDirection) -> [GroupNeighbor<Group>] {
        var top = TopK(k: k, direction: direction)
        var groupOfBest: [UInt64: (Group, Int)] = [:]
        groupOfBest.reserveCapacity(best.count)
        for (group, entry) in best {
            top.offer(entry.hit)
            groupOfBest[entry.hit.id] = (group, entry.count)
        }
        return top.sorted().compactMap { hit in
            groupOfBest[hit.id].map { GroupNeighbor(group: $0.0, best: hit, vectorCount: $0.1) }
        }
    }

    private static func checkDimension(_ query: [Float], _ source: some VectorSource) throws {
        guard query.count == source.dimension else {
            throw SimDBError(.invalidArgument,
                "query has \(query.count) components; the index holds \(source.dimension)-d vectors")
        }
    }
}
