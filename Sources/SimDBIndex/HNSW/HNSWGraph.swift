import SimDBCore

/// Approximate nearest-neighbour search over a hierarchical navigable small-world graph
/// (Malkov & Yashunin, 2018), with incremental insert and real delete.
///
/// Each vector is a node on levels `0...L`, `L` drawn once from its id (``HNSWParameters/level(for:)``).
/// A search descends greedily from the top node to level 1, then explores level 0 best-first
/// keeping `efSearch` candidates. Insert links a node to neighbours chosen by the paper's
/// heuristic (a candidate is kept only when it is closer to the new node than to every neighbour
/// already kept), which keeps links spread over directions and clusters connected.
///
/// Delete is real: the slot is freed for reuse, and every node found linking to it (its own
/// neighbours and the nodes a search for its vector visits) is relinked over the union of its
/// and the deleted node's links. No tombstone stays behind; a rare link from a node outside that
/// neighbourhood is skipped while the slot is free and is an ordinary long link once it is reused.
///
/// The algorithm is generic over where the graph lives (``HNSWGraphStorage``) and over the
/// metric. Within this module both are specialised; a caller in another module runs the generic
/// code through witness tables (docs/index.md measures what that costs).
public struct HNSWGraph<Storage: HNSWGraphStorage, Metric: DistanceMetric> {
    /// Where the nodes live.
    public private(set) var storage: Storage
    /// The comparison.
    public let metric: Metric
    /// The graph's shape and the default `efSearch`.
    public let parameters: HNSWParameters

    /// Wraps `storage`, which must be empty or have been built with the same metric and parameters.
    /// - Throws: ``SimDBError`` `.invalidArgument` when a parameter is out of range.
    public init(storage: Storage, metric: Metric, parameters: HNSWParameters) throws {
        try parameters.validate()
        self.storage = storage
        self.metric = metric
        self.parameters = parameters
    }

    // MARK: Search

    /// The `k` vectors closest to `query`, closest first (approximately).
    /// - Parameters:
    ///   - efSearch: candidates kept during the search (raised to `k`); the parameters' by default.
    ///   - scratch: working memory to reuse between searches on one thread.
    ///   - isIncluded: vectors for which this returns `false` are passed through but not returned.
    /// - Throws: ``SimDBError`` `.invalidArgument` when the query's length is wrong.
    public func search(_ query: [Float], k: Int, efSearch: Int? = nil, scratch: HNSWScratch = HNSWScratch(),
                       where isIncluded: ((UInt64) -> Bool)? = nil) throws -> [Neighbor] {
        try checkQuery(query)
        guard k > 0 else { return [] }
        return query.withUnsafeBufferPointer { q in
            walk(q, ef: max(k, efSearch ?? parameters.efSearch), scratch: scratch, where: isIncluded,
                 scorer: VectorScorer(graph: self, query: q))
                .prefix(k).map(neighbor)
        }
    }

    /// ``search(_:k:efSearch:scratch:where:)`` walking level 0 on `scorer`'s cheaper, approximate
    /// scores (codes of the vectors), then ranking the `efSearch` candidates found by their
    /// vectors: the `k` returned are ordered, and their distances given, exactly.
    /// - Parameter makeScorer: makes the scorer for the query (valid during the call).
    public func search<Scorer: HNSWNodeScorer>(
        _ query: [Float], k: Int, efSearch: Int? = nil, scratch: HNSWScratch = HNSWScratch(),
        where isIncluded: ((UInt64) -> Bool)? = nil, walkingWith makeScorer: (UnsafeBufferPointer<Float>) -> Scorer
    ) throws -> [Neighbor] {
        try checkQuery(query)
        guard k > 0 else { return [] }
        return query.withUnsafeBufferPointer { q in
            let found = walk(q, ef: max(k, efSearch ?? parameters.efSearch), scratch: scratch, where: isIncluded,
                             scorer: makeScorer(q))
            return rescored(found, q).prefix(k).map(neighbor)
        }
    }

    private func checkQuery(_ query: [Float]) throws {
        guard query.count == storage.dimension else {
            throw SimDBError(.invalidArgument,
                "query has \(query.count) components; the index holds \(storage.dimension)-d vectors")
        }
    }

    /// Descends to level 0 and walks it with `scorer`: the `ef` candidates kept, closest first
    /// by the scorer.
    private func walk<Scorer: HNSWNodeScorer>(
        _ q: UnsafeBufferPointer<Float>, ef: Int, scratch: HNSWScratch,
        where isIncluded: ((UInt64) -> Bool)?, scorer: Scorer
    ) -> [ScoredNode] {
        guard let entry = storage.entryPoint else { return [] }
        let nearest = descend(q, from: entry, above: 0)
        let accept = isIncluded.map { filter in { (node: HNSWNode) in filter(storage.externalID(of: node)) } }
        let start = ScoredNode(score: scorer.score(nearest.node), node: nearest.node)
        return searchLevel(q, from: [start], ef: ef, level: 0, scratch: scratch, accept: accept, scorer: scorer)
    }

    private func neighbor(_ node: ScoredNode) -> Neighbor {
        Neighbor(id: storage.externalID(of: node.node), distance: value(ofScore: node.score))
    }

    // MARK: Insert

    /// Adds a vector under the caller's `id` and links it into the graph.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a wrong length or an id already present, or
    ///   what the storage throws.
    public mutating func insert(id: UInt64, vector: [Float], scratch: HNSWScratch = HNSWScratch()) throws {
        let onVectors: ((UnsafeBufferPointer<Float>) -> VectorScorer<Storage, Metric>)? = nil
        try insert(id: id, vector: vector, scratch: scratch, walkingWith: onVectors)
    }

    /// ``insert(id:vector:scratch:)`` walking level 0 on `makeScorer`'s approximate scores (codes
    /// of the vectors) when it is given; the candidates found are ranked by their vectors before
    /// the neighbours are chosen, as without it.
    public mutating func insert<Scorer: HNSWNodeScorer>(
        id: UInt64, vector: [Float], scratch: HNSWScratch = HNSWScratch(),
        walkingWith makeScorer: ((UnsafeBufferPointer<Float>) -> Scorer)?
    ) throws {
        guard vector.count == storage.dimension else {
            throw SimDBError(.invalidArgument, "vector has \(vector.count) components, expected \(storage.dimension)")
        }
        let level = parameters.level(for: id)
        let entry = storage.entryPoint
        let node = try vector.withUnsafeBufferPointer { try storage.addNode(externalID: id, vector: $0, level: level) }
        guard let entry else {
            try storage.setEntryPoint(HNSWEntryPoint(node: node, level: level))
            return
        }
        // Search every level first and link afterwards: with a value-type storage, a closure that
        // mutated it during a non-mutating search would force a copy of the whole graph.
        var chosenByLevel: [(level: Int, chosen: [ScoredNode])] = []
        vector.withUnsafeBufferPointer { q in
            forEachLevel(q, from: entry, top: level, scratch: scratch, levelZero: makeScorer?(q)) { current, found in
                chosenByLevel.append((current, selectNeighbors(found.filter { $0.node != node }, limit: parameters.m)))
            }
        }
        for (current, chosen) in chosenByLevel {
            try storage.setNeighbors(of: node, level: current, to: chosen.map(\.node))
            for neighbor in chosen {
                try addLink(from: neighbor.node, to: node, level: current)
            }
        }
        if level > entry.level { try storage.setEntryPoint(HNSWEntryPoint(node: node, level: level)) }
    }

    // MARK: Delete

    /// Removes the vector with the caller's `id`, relinking the nodes that pointed to it.
    /// - Returns: whether the id was present.
    /// - Throws: what the storage throws.
    @discardableResult
    public mutating func remove(id: UInt64, scratch: HNSWScratch = HNSWScratch()) throws -> Bool {
        guard let node = storage.node(for: id) else { return false }
        let top = storage.level(of: node)
        let vector = Array(storage.vector(of: node))
        let ownLinks = (0...top).map { level in Array(storage.neighbors(of: node, level: level)) }

        // The nodes that may link to `node` on each level: its own links and what a search for its
        // vector visits there (links in HNSW are mostly, not always, mutual).
        var suspects = ownLinks.map(Set.init)
        if let entry = storage.entryPoint, entry.node != node {
            vector.withUnsafeBufferPointer { q in
                forEachLevel(q, from: entry, top: top, scratch: scratch) { level, found in
                    suspects[level].formUnion(found.map(\.node))
                }
            }
        }

        try storage.removeNode(node)
        for level in 0...top {
            // `node` is no longer live, so `isOnLevel` leaves it out of both loops.
            for suspect in suspects[level] where isOnLevel(suspect, level) {
                let links = Array(storage.neighbors(of: suspect, level: level))
                guard links.contains(node) else { continue }
                let pool = Set(links).union(ownLinks[level]).filter { $0 != suspect && isOnLevel($0, level) }
                let relinked = selectNeighbors(scored(pool, from: storage.vector(of: suspect)),
                                               limit: parameters.maximumLinks(atLevel: level))
                try storage.setNeighbors(of: suspect, level: level, to: relinked.map(\.node))
            }
        }
        if storage.entryPoint?.node == node { try storage.setEntryPoint(highestNode()) }
        return true
    }

    // MARK: The algorithm's steps

    /// The metric's value turned so that smaller is closer.
    @inline(__always)
    func score(_ query: UnsafeBufferPointer<Float>, _ node: HNSWNode) -> Float {
        let value = metric.distance(query, storage.vector(of: node))
        return metric.direction == .smallerIsCloser ? value : -value
    }

    @inline(__always)
    func value(ofScore score: Float) -> Float { metric.direction == .smallerIsCloser ? score : -score }

    /// Greedy descent from `entry` through the levels above `level`: the node to start `level` from.
    func descend(_ query: UnsafeBufferPointer<Float>, from entry: HNSWEntryPoint, above level: Int) -> ScoredNode {
        var nearest = ScoredNode(score: score(query, entry.node), node: entry.node)
        for upper in stride(from: entry.level, to: level, by: -1) {
            nearest = closest(to: query, from: nearest, level: upper)
        }
        return nearest
    }

    /// The construction search: descends to `top`, then on each level from `top` (or the graph's
    /// top, if lower) down to 0 finds `efConstruction` candidates, closest first, and hands them
    /// to `body`; each level starts from the candidates of the level above.
    /// With `levelZero`, level 0 is walked on its scores and the candidates then ranked by
    /// their vectors.
    func forEachLevel(_ query: UnsafeBufferPointer<Float>, from entry: HNSWEntryPoint, top: Int, scratch: HNSWScratch,
                      _ body: (Int, [ScoredNode]) throws -> Void) rethrows {
        let onVectors: VectorScorer<Storage, Metric>? = nil
        try forEachLevel(query, from: entry, top: top, scratch: scratch, levelZero: onVectors, body)
    }

    func forEachLevel<Scorer: HNSWNodeScorer>(
        _ query: UnsafeBufferPointer<Float>, from entry: HNSWEntryPoint, top: Int, scratch: HNSWScratch,
        levelZero: Scorer?, _ body: (Int, [ScoredNode]) throws -> Void
    ) rethrows {
        var entries = [descend(query, from: entry, above: top)]
        for level in stride(from: min(top, entry.level), through: 0, by: -1) {
            let found: [ScoredNode]
            if level == 0, let scorer = levelZero {
                let starts = entries.map { ScoredNode(score: scorer.score($0.node), node: $0.node) }
                let walked = searchLevel(query, from: starts, ef: parameters.efConstruction, level: 0,
                                         scratch: scratch, accept: nil, scorer: scorer)
                found = rescored(walked, query)
            } else {
                found = searchLevel(query, from: entries, ef: parameters.efConstruction, level: level,
                                    scratch: scratch, accept: nil, scorer: VectorScorer(graph: self, query: query, level: level))
            }
            try body(level, found)
            if !found.isEmpty { entries = found }
        }
    }

    /// `nodes` scored again by their vectors, closest first.
    func rescored(_ nodes: [ScoredNode], _ query: UnsafeBufferPointer<Float>) -> [ScoredNode] {
        for node in nodes { storage.prefetchVector(of: node.node) }
        return nodes.map { ScoredNode(score: score(query, $0.node), node: $0.node) }.sorted()
    }

    /// Whether a link leads to a live node on `level`: a slot freed by a delete may be empty, or
    /// reused by a node that does not reach that level.
    @inline(__always)
    func isOnLevel(_ node: HNSWNode, _ level: Int) -> Bool {
        storage.isLive(node) && (level == 0 || storage.level(of: node) >= level)
    }

    /// Greedy descent on one level: moves to a closer neighbour until none is closer.
    func closest(to query: UnsafeBufferPointer<Float>, from start: ScoredNode, level: Int) -> ScoredNode {
        var current = start
        var moved = true
        while moved {
            moved = false
            for link in storage.neighbors(of: current.node, level: level) {
                let candidate = score(query, link)
                if candidate < current.score, isOnLevel(link, level) {
                    current = ScoredNode(score: candidate, node: link)
                    moved = true
                }
            }
        }
        return current
    }

    /// Best-first search of one level keeping `ef` results, scored by `scorer` (the entries
    /// too); returns them closest first. Nodes that `accept` rejects are explored but not returned.
    func searchLevel<Scorer: HNSWNodeScorer>(
        _ query: UnsafeBufferPointer<Float>, from entries: [ScoredNode], ef: Int, level: Int,
        scratch: HNSWScratch, accept: ((HNSWNode) -> Bool)?, scorer: Scorer
    ) -> [ScoredNode] {
        scratch.beginVisit(slotLimit: storage.slotLimit)
        // The heaps are taken out of the scratch for the loop (no class access per step) and put
        // back: copies of a ScoredHeap share its memory, and only the local one is used meanwhile.
        var candidates = scratch.candidates, results = scratch.results
        candidates.removeAll()
        results.removeAll()
        defer {
            scratch.candidates = candidates
            scratch.results = results
        }
        for entry in entries where scratch.visit(entry.node) {
            candidates.push(entry)
            if accept?(entry.node) ?? true { results.push(entry) }
        }
        while let nearest = candidates.pop() {
            if results.count >= ef, nearest.score > results.unsafeTop.score { break }
            let links = storage.neighbors(of: nearest.node, level: level)
            for link in links where !scratch.isVisited(link) { scorer.prefetch(link) }
            // A stale link (to a slot freed by a delete) is told by its score, NaN (see
            // HNSWNodeScorer). Level 0 needs no other check, which would read the link's
            // graph row, a cache miss the distance alone does not pay; above level 0 the slot may
            // have been reused by a node on a lower level.
            for link in links where scratch.visit(link) {
                let candidate = ScoredNode(score: scorer.score(link), node: link)
                guard results.count < ef || candidate.score < results.unsafeTop.score, !candidate.score.isNaN,
                      level == 0 || isOnLevel(link, level) else {
                    continue
                }
                candidates.push(candidate)
                scorer.willExpand(link)  // most candidates are expanded later
                guard accept?(link) ?? true else { continue }
                if results.count < ef {
                    results.push(candidate)
                } else {
                    results.replaceTop(candidate)
                }
            }
        }
        return Array(results.items).sorted()
    }

    /// The paper's heuristic: walking `candidates` closest first, keep one only when it is closer
    /// to the origin than to every candidate already kept.
    func selectNeighbors(_ candidates: [ScoredNode], limit: Int) -> [ScoredNode] {
        var chosen: [ScoredNode] = []
        chosen.reserveCapacity(limit)
        for candidate in candidates {
            if chosen.count >= limit { break }
            let vector = storage.vector(of: candidate.node)
            let diverse = chosen.allSatisfy { kept in score(vector, kept.node) >= candidate.score }
            if diverse { chosen.append(candidate) }
        }
        return chosen
    }

    /// `nodes` scored from `origin`, closest first.
    func scored(_ nodes: some Sequence<HNSWNode>, from origin: UnsafeBufferPointer<Float>) -> [ScoredNode] {
        nodes.map { ScoredNode(score: score(origin, $0), node: $0) }.sorted()
    }

    /// Links `origin` to `target` on `level`, re-selecting `origin`'s links when it has too many.
    mutating func addLink(from origin: HNSWNode, to target: HNSWNode, level: Int) throws {
        var links = Array(storage.neighbors(of: origin, level: level))
        guard !links.contains(target) else { return }
        let limit = parameters.maximumLinks(atLevel: level)
        if links.count < limit {
            links.append(target)
            try storage.setNeighbors(of: origin, level: level, to: links)
            return
        }
        let pool = links.filter { isOnLevel($0, level) } + [target]
        let candidates = scored(pool, from: storage.vector(of: origin))
        try storage.setNeighbors(of: origin, level: level, to: selectNeighbors(candidates, limit: limit).map(\.node))
    }

    /// The live node on the highest level (the lowest slot among equals), or `nil` when none is live.
    func highestNode() -> HNSWEntryPoint? {
        var best: HNSWEntryPoint?
        for slot in 0..<storage.slotLimit {
            let node = HNSWNode(slot)
            guard storage.isLive(node) else { continue }
            let level = storage.level(of: node)
            if level > best?.level ?? -1 { best = HNSWEntryPoint(node: node, level: level) }
        }
        return best
    }
}

/// Scores nodes for a walk of one level; smaller is closer.
///
/// The graph's own scorer applies the metric to the stored vectors, on every level. A storage
/// that keeps compact codes of them beside the level-0 links can walk level 0 on those instead (``HNSWGraph/search(_:k:efSearch:scratch:where:walkingWith:)``).
public protocol HNSWNodeScorer {
    /// The score of `node`: NaN when the slot holds no node (a stale link left by a delete).
    func score(_ node: HNSWNode) -> Float
    /// Hints that ``score(_:)`` of `node` comes soon (a prefetch); may do nothing.
    func prefetch(_ node: HNSWNode)
    /// Hints that `node` joined the candidates, whose links are read when it is expanded.
    func willExpand(_ node: HNSWNode)
}

/// The metric on the stored vectors: how a graph scores nodes on every level unless a search
/// walks on codes.
struct VectorScorer<Storage: HNSWGraphStorage, Metric: DistanceMetric>: HNSWNodeScorer {
    let graph: HNSWGraph<Storage, Metric>
    let query: UnsafeBufferPointer<Float>
    var level = 0

    @inline(__always)
    func score(_ node: HNSWNode) -> Float { graph.score(query, node) }

    @inline(__always)
    func prefetch(_ node: HNSWNode) { graph.storage.prefetchVector(of: node) }

    @inline(__always)
    func willExpand(_ node: HNSWNode) {
        if level == 0 { graph.storage.prefetchNeighbors(of: node) }
    }
}
