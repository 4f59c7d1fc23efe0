import Foundation
import SimDBCatalog
import SimDBCore
import SimDBImageIO
import SimDBIndex

extension Store {
    /// Identifies the person in an image: the `k` closest enrolled people and an open-set decision.
    ///
    /// Each person is represented by their closest template. Small stores are scanned (exact);
    /// from the index's threshold on, the HNSW graph answers (approximate) unless
    /// `options.exact` asks for a scan; the result says which (`search`). The decision is a match only when the closest person passes the
    /// threshold; otherwise it is `unknown` (the ranking is still returned).
    /// - Parameters:
    ///   - image: the probe.
    ///   - k: how many people to return, at least 1.
    ///   - threshold: the decision threshold; the encoder's calibrated default when `nil`.
    ///   - options: exact or approximate search, the graph's `efSearch`.
    /// - Throws: ``SimDBError``: `.badImage` / `.imageTooLarge` naming the image, `.invalidArgument`
    ///   for `k < 1`, an `efSearch` out of range, or when no threshold is known.
    ///
    /// With a face detector, the probe is its largest face, or the whole picture when none is
    /// found; the result's `box` and `facesFound` say which.
    public func query(_ image: ImageSource, k: Int = 5, threshold: Float? = nil,
                      options: SearchOptions = SearchOptions()) throws -> QueryResult {
        try audited("query") { entry, _ in
            guard k >= 1 else { throw SimDBError(.invalidArgument, "k must be at least 1, got \(k)") }
            let probe = try pipeline.load(image)
            entry.inputSha256 = probe.sha256
            let framed = try pipeline.framedProbe(probe.image)
            return try identify(framed, of: probe, k: k, threshold: threshold, options: options, entry: &entry)
        }
    }

    /// Identifies every face in an image: one ``QueryResult`` per face the store's detector
    /// finds, largest first, each with its `box` (one audit row each). With no face found, or
    /// no detector, one result for the whole picture, as ``query(_:k:threshold:options:)``.
    /// - Throws: as ``query(_:k:threshold:options:)``.
    public func queryEachFace(_ image: ImageSource, k: Int = 5, threshold: Float? = nil,
                              options: SearchOptions = SearchOptions()) throws -> [QueryResult] {
        var probe: LoadedImage?
        var faces: [(input: Image, framing: Framing)] = []
        let first = try audited("query") { entry, _ in
            guard k >= 1 else { throw SimDBError(.invalidArgument, "k must be at least 1, got \(k)") }
            let loaded = try pipeline.load(image)
            entry.inputSha256 = loaded.sha256
            probe = loaded
            faces = try pipeline.framedFaces(loaded.image)
            return try identify(faces[0], of: loaded, k: k, threshold: threshold, options: options, entry: &entry)
        }
        guard let probe else { return [first] }
        return try [first] + faces.dropFirst().map { face in
            try audited("query") { entry, _ in
                entry.inputSha256 = probe.sha256
                return try identify(face, of: probe, k: k, threshold: threshold, options: options, entry: &entry)
            }
        }
    }

    /// Embeds a framed probe and identifies it; the result says how it was framed.
    private func identify(_ framed: (input: Image, framing: Framing), of probe: LoadedImage, k: Int, threshold: Float?,
                          options: SearchOptions, entry: inout AuditEntry) throws -> QueryResult {
        let vector = try pipeline.embed([probe], inputs: [framed.input]).vector(at: 0)
        var result = try identify(vector, k: k, threshold: threshold, options: options, entry: &entry)
        result.box = framed.framing.box
        result.facesFound = framed.framing.facesFound
        if let box = framed.framing.box {
            entry.detail = (entry.detail.map { $0 + "; " } ?? "") + "face \(box.x),\(box.y) \(box.width)x\(box.height)"
        } else if framed.framing.fellBackToWholePicture {
            entry.detail = (entry.detail.map { $0 + "; " } ?? "") + "no face found, whole picture"
        }
        return result
    }

    /// ``query(_:k:threshold:options:)`` for a probe already embedded by this store's encoder
    /// (a service that encodes elsewhere, or a benchmark of the search alone). The audit row
    /// records the SHA-256 of the vector's bytes as its input.
    /// - Throws: ``SimDBError`` `.invalidArgument` for a vector of the wrong length or with a
    ///   non-finite value, and as ``query(_:k:threshold:options:)``.
    public func query(embedding: [Float], k: Int = 5, threshold: Float? = nil,
                      options: SearchOptions = SearchOptions()) throws -> QueryResult {
        try audited("query") { entry, _ in
            guard k >= 1 else { throw SimDBError(.invalidArgument, "k must be at least 1, got \(k)") }
            guard embedding.count == info.dimension else {
                throw SimDBError(.invalidArgument,
                    "the embedding has \(embedding.count) components; \(info.encoder) makes \(info.dimension)")
            }
            guard embedding.allSatisfy(\.isFinite) else {
                throw SimDBError(.invalidArgument, "the embedding has a non-finite component")
            }
            entry.inputSha256 = embedding.withUnsafeBytes { ImageSource.sha256($0) }
            return try identify(embedding, k: k, threshold: threshold, options: options, entry: &entry)
        }
    }

    /// Ranks the people closest to `vector` and decides, recording both in `entry`.
    private func identify(_ vector: [Float], k: Int, threshold: Float?, options: SearchOptions,
                          entry: inout AuditEntry) throws -> QueryResult {
        let threshold = try resolvedThreshold(threshold)
        // A scan ranks every person, so it needs every template's owner; the graph returns a
        // few hundred candidates, whose owners alone are looked up.
        let (hits, method) = try index.searchGroups(vector, k: k, options: options,
                                                    allGroups: { try catalog.templateOwners() },
                                                    groupsOf: { try catalog.templateOwners(of: $0) })
        var results: [PersonMatch] = []
        for (index, hit) in hits.enumerated() {
            let name = try catalog.person(hit.group)?.displayName
            results.append(PersonMatch(rank: index + 1, id: hit.group, name: name, distance: hit.best.distance,
                                       template: hit.best.id, templates: hit.vectorCount))
        }
        let best = results.first
        let match = best.map { metric.direction.accepts($0.distance, threshold: threshold) } ?? false
        let decision = Decision(match: match, id: match ? best?.id : nil, distance: best?.distance,
                                threshold: threshold)
        entry.topMatch = best?.id
        entry.distance = best.map { Double($0.distance) }
        entry.decision = match ? "match" : "unknown"
        entry.threshold = Double(threshold)
        entry.detail = "search \(method.rawValue)"
        return QueryResult(results: results, decision: decision, metric: info.metric, encoder: info.encoder,
                           search: method)
    }

    /// Verifies a claim: is the person in `image` the enrolled person `personId`?
    ///
    /// Compares the probe with each of the person's templates and decides on the closest.
    /// - Throws: ``SimDBError`` `.notFound` when `personId` is not enrolled, and as ``query(_:k:threshold:)``.
    public func verify(_ image: ImageSource, claimedId personId: String, threshold: Float? = nil) throws -> VerifyResult {
        try audited("verify", personId: personId) { entry, _ in
            try Validation.personId(personId)
            let probe = try pipeline.load(image)
            entry.inputSha256 = probe.sha256
            let templateIds = try catalog.templates(of: personId).compactMap(\.id).map { UInt64($0) }
            guard !templateIds.isEmpty else { throw SimDBError(.notFound, "no person with id '\(personId)'") }
            let framed = try pipeline.framedProbe(probe.image)
            let vector = try pipeline.embed([probe], inputs: [framed.input]).vector(at: 0)
            let threshold = try resolvedThreshold(threshold)
            let direction = metric.direction
            let best = try vectors.read { reader in
                try vector.withUnsafeBufferPointer { query -> Float? in
                    var best: Float?
                    // A template whose vector is gone was removed since the catalog was read.
                    for id in templateIds {
                        guard let stored = try reader.vector(id) else { continue }
                        let value = metric.distance(query, stored)
                        if best.map({ direction.isCloser(value, than: $0) }) ?? true { best = value }
                    }
                    return best
                }
            }
            guard let best else { throw SimDBError(.notFound, "no person with id '\(personId)'") }
            return record(VerifyResult(match: direction.accepts(best, threshold: threshold), distance: best,
                                       threshold: threshold, id: personId, metric: info.metric,
                                       framing: pipeline.detector == nil ? [] : [framed.framing]), in: &entry)
        }
    }

    /// Verifies that two images show the same person, with the store's encoder and metric.
    /// - Throws: as ``query(_:k:threshold:)``.
    public func verify(_ first: ImageSource, _ second: ImageSource, threshold: Float? = nil) throws -> VerifyResult {
        try audited("verify") { entry, _ in
            let images = try [first, second].map { try pipeline.load($0) }
            entry.inputSha256 = Self.combinedHash(images.map(\.sha256))
            let framed = try images.map { try pipeline.framedProbe($0.image) }
            let batch = try pipeline.embed(images, inputs: framed.map(\.input))
            let threshold = try resolvedThreshold(threshold)
            let value = batch.withVector(at: 0) { a in batch.withVector(at: 1) { b in metric.distance(a, b) } }
            return record(VerifyResult(match: metric.direction.accepts(value, threshold: threshold), distance: value,
                                       threshold: threshold, id: nil, metric: info.metric,
                                       framing: pipeline.detector == nil ? [] : framed.map(\.framing)), in: &entry)
        }
    }

    /// The embeddings of decoded images, each framed as a probe (its largest face, or the whole
    /// picture), fitted to the encoder's input.
    /// - Throws: what the detector or encoder throws, for example `.badImage` for a blank image.
    public func embed(_ images: [Image]) throws -> EmbeddingBatch {
        try pipeline.embed(images)
    }

    private func resolvedThreshold(_ threshold: Float?) throws -> Float {
        if let threshold {
            guard threshold.isFinite else { throw SimDBError(.invalidArgument, "threshold must be a finite number") }
            return threshold
        }
        guard let threshold = defaultThreshold else {
            throw SimDBError(.invalidArgument,
                "encoder \(info.encoder) has no default threshold for metric \(info.metric); pass a threshold")
        }
        return threshold
    }

    private func record(_ result: VerifyResult, in entry: inout AuditEntry) -> VerifyResult {
        entry.distance = Double(result.distance)
        entry.decision = result.match ? "match" : "no-match"
        entry.threshold = Double(result.threshold)
        entry.topMatch = result.match ? result.id : nil
        return result
    }
}
