import Foundation
import Logging
import SimDBCatalog
import SimDBCore

extension Store {
    /// Enrols one person from one or more images.
    ///
    /// Every image is read, decoded and encoded before anything is written, so a bad image leaves
    /// the store exactly as it was. The write then follows the store's protocol (intent in SQLite,
    /// vectors in LMDB, commit in SQLite), so a crash at any instant leaves either the whole
    /// enrolment or none of it. Adding to an existing person adds templates and merges metadata.
    /// - Parameters:
    ///   - images: the person's images, at least one.
    ///   - personId: the person's id: 1 to 256 characters, no control characters, no surrounding spaces.
    ///   - name: a display name to set.
    ///   - metadata: entries to merge into the person's metadata.
    /// - Returns: the person and the new template ids.
    /// - Throws: ``SimDBError``: `.invalidArgument` for a bad id, name or metadata; `.badImage` or
    ///   `.imageTooLarge` naming the image; `.storage` when a store file cannot be written.
    @discardableResult
    public func add(_ images: [ImageSource], to personId: String, name: String? = nil,
                    metadata: [String: String] = [:]) throws -> AddResult {
        let results = try add([Enrollment(personId: personId, images: images, name: name, metadata: metadata)])
        guard let result = results.first else { throw SimDBError(.internal, "add returned no result") }
        return result
    }

    /// Enrols several people, for bulk loads.
    ///
    /// First every image of every enrolment is read, decoded and encoded: any bad input stops the
    /// whole call before anything is written. Then people are written in groups of up to
    /// ``writeGroup`` with the store's protocol: one SQLite transaction for the group's intents,
    /// one LMDB transaction for all their vectors (and the index), one SQLite transaction that
    /// commits them with one audit row per person. A crash keeps whole groups.
    /// - Parameters:
    ///   - enrollments: who to enrol, with their images.
    ///   - progress: called after each image is encoded and each group is written.
    /// - Returns: one result per enrolment, in order.
    /// - Throws: as ``add(_:to:name:metadata:)``.
    @discardableResult
    public func add(_ enrollments: [Enrollment], progress: ((AddProgress) -> Void)? = nil) throws -> [AddResult] {
        let imageCount = enrollments.reduce(0) { $0 + $1.images.count }
        var encoded = 0
        var prepared: [PreparedEnrollment] = []
        var skippedAll: [Int: AddResult] = [:]  // enrolments with no image left, by position
        for (position, enrollment) in enrollments.enumerated() {
            // A refusal here is audited (one row) and nothing has been written.
            // Success is audited when the person is written, below.
            let item = try audited("add", personId: enrollment.personId, writesOwnAudit: true) { entry, _ in
                try Validation.enrollment(enrollment)
                let loaded = try enrollment.images.map { try pipeline.load($0) }
                entry.inputSha256 = Self.combinedHash(loaded.map(\.sha256))
                var kept: [LoadedImage] = [], inputs: [Image] = [], skipped: [String] = []
                for image in loaded {
                    do {
                        inputs.append(try pipeline.framedForEnrolment(image, largestFace: enrollment.largestFace))
                        kept.append(image)
                    } catch let error as SimDBError where error.code == .noFace && enrollment.skipImagesWithoutFace {
                        skipped.append(image.name)
                    }
                }
                let batch = kept.isEmpty ? nil : try pipeline.embed(kept, inputs: inputs)
                return (kept: kept, batch: batch, skipped: skipped, decoded: loaded.count)
            }
            encoded += item.decoded
            progress?(AddProgress(stage: .encoding, done: encoded, total: imageCount))
            if let batch = item.batch {
                prepared.append(PreparedEnrollment(enrollment: enrollment, loaded: item.kept, batch: batch,
                                                   skipped: item.skipped))
            } else {
                var entry = AuditEntry(time: Date(), action: "add", actor: actor, personId: enrollment.personId)
                entry.markRefused(by: SimDBError(.noFace, "no face found in any of \(item.skipped.count) images"))
                _ = try? catalog.appendAudit(entry)
                skippedAll[position] = AddResult(id: enrollment.personId, created: false, templates: [],
                                                 skipped: item.skipped)
            }
        }
        let written = try exclusively {
            var results: [AddResult] = []
            var start = 0
            while start < prepared.count {
                // One person per group when ids repeat within it, so each intent sees the last.
                var end = start, seen = Set<String>()
                while end < prepared.count, end - start < Self.writeGroup,
                      seen.insert(prepared[end].enrollment.personId).inserted {
                    end += 1
                }
                results += try write(prepared[start..<end])
                start = end
                progress?(AddProgress(stage: .writing, done: start, total: prepared.count))
            }
            return results
        }
        // One result per enrolment, in order.
        var results: [AddResult] = []
        var writtenResults = written.makeIterator()
        for position in enrollments.indices {
            if let skipped = skippedAll[position] { results.append(skipped) } else if let next = writtenResults.next() {
                results.append(next)
            }
        }
        return results
    }

    /// The most people one atomic write of ``add(_:progress:)`` holds.
    public static let writeGroup = 1_000

    /// An enrolment whose images are decoded and encoded, ready to write.
    struct PreparedEnrollment {
        let enrollment: Enrollment
        let loaded: [LoadedImage]
        let batch: EmbeddingBatch
        /// Images left out: no face found in them.
        let skipped: [String]
    }

    /// Writes a group of prepared enrolments (distinct people) with the store's protocol; the
    /// caller holds the writer lock.
    private func write(_ group: ArraySlice<PreparedEnrollment>) throws -> [AddResult] {
        let clock = ContinuousClock(), start = clock.now
        let created = try group.map { try catalog.person($0.enrollment.personId) == nil }
        let begun = try catalog.beginAdds(group.map { item in
            AddDraft(personId: item.enrollment.personId, displayName: item.enrollment.name,
                     metadata: item.enrollment.metadata,
                     templates: item.loaded.map { TemplateDraft(sourceFile: $0.name, imageSha256: $0.sha256) })
        })
        let vectorIds = begun.flatMap { $0.templateIds.map { UInt64($0) } }
        let intents = begun.map(\.intent)
        do {
            let dimension = info.dimension
            var values: [Float] = []
            values.reserveCapacity(vectorIds.count * dimension)
            for item in group { values += item.batch.values }
            try index.put(ids: vectorIds, vectors: EmbeddingBatch(dimension: dimension, values: values))
            let milliseconds = (clock.now - start).milliseconds
            let audits = zip(group, zip(begun, created)).map { item, outcome in
                var entry = AuditEntry(time: Date(), action: "add", actor: actor, personId: item.enrollment.personId)
                entry.inputSha256 = Self.combinedHash(item.loaded.map(\.sha256))
                let count = outcome.0.templateIds.count
                entry.detail = "\(count) template\(count == 1 ? "" : "s")" + (outcome.1 ? ", new person" : "")
                entry.durationMs = milliseconds
                return entry
            }
            try catalog.finish(intents: intents, audits: audits)
        } catch {
            // Undo what reached the stores, so a reported failure has no effect. Should the undo
            // fail too, the vectors decide: recovery completes an add whose vectors are all in
            // LMDB and undoes it otherwise.
            try? index.remove(ids: vectorIds)
            try? catalog.finish(intents: intents, undo: true, audits: group.map { item in
                var entry = AuditEntry(time: Date(), action: "add", actor: actor, personId: item.enrollment.personId)
                entry.markRefused(by: error)
                return entry
            })
            throw error
        }
        logger.debug("added people", metadata: ["people": "\(group.count)", "templates": "\(vectorIds.count)"])
        return zip(group, zip(begun, created)).map { item, outcome in
            AddResult(id: item.enrollment.personId, created: outcome.1, templates: outcome.0.templateIds.map { UInt64($0) },
                      skipped: item.skipped)
        }
    }

    /// Removes a person: their templates, vectors and record. The audit log keeps the event.
    /// - Parameter personId: the person's id.
    /// - Returns: how many templates were removed.
    /// - Throws: ``SimDBError`` `.notFound` when the person is not enrolled.
    @discardableResult
    public func remove(_ personId: String) throws -> RemoveResult {
        try audited("remove", personId: personId, writesOwnAudit: true) { entry, elapsed in
            try Validation.personId(personId)
            return try exclusively {
                guard let (intent, ids) = try catalog.beginRemove(personId: personId) else {
                    throw SimDBError(.notFound, "no person with id '\(personId)'")
                }
                let vectorIds = ids.map { UInt64($0) }
                do {
                    try index.remove(ids: vectorIds)
                    entry.detail = "\(ids.count) template\(ids.count == 1 ? "" : "s")"
                    entry.durationMs = elapsed()
                    try catalog.finish(intent: intent, audit: entry)
                } catch {
                    // The LMDB delete is atomic: if every vector is still there, nothing happened and
                    // the person is restored. Otherwise the remove can only go forward: recovery
                    // completes it at the next open or write.
                    let intact = (try? vectors.read { reader in try vectorIds.allSatisfy { try reader.vector($0) != nil } })
                    if intact == true { _ = try? catalog.finish(intent: intent, undo: true, audit: nil) }
                    throw error
                }
                logger.debug("removed person", metadata: ["person": "\(personId)", "templates": "\(ids.count)"])
                return RemoveResult(id: personId, templates: ids.count)
            }
        }
    }

    /// Runs a write holding the writer lock, after finishing whatever a dead writer left.
    func exclusively<T>(_ body: () throws -> T) throws -> T {
        try writerLock.withLock {
            if try catalog.hasIncompleteIntents() { try recover() }
            return try body()
        }
    }

    /// Finishes or undoes every write a crash interrupted; the caller holds the writer lock.
    ///
    /// An add whose vectors all reached LMDB is completed; any other add is undone; a remove is
    /// always completed. Each appends a `recovered` audit row. Idempotent.
    func recover() throws {
        try vectors.publishLatestCommit()  // a writer that died mid-commit may hide its last one from reads
        for (intent, ids) in try catalog.incompleteIntents() {
            guard let intentId = intent.id else { continue }
            let vectorIds = ids.map { UInt64($0) }
            var entry = AuditEntry(time: Date(), action: "recover", actor: actor, personId: intent.personId,
                                   status: .recovered)
            switch intent.kind {
            case .add:
                let complete = try !ids.isEmpty && vectors.read { reader in
                    try vectorIds.allSatisfy { try reader.vector($0) != nil }
                }
                if complete {
                    entry.detail = "add of \(ids.count) templates completed"
                    try catalog.finish(intent: intentId, audit: entry)
                } else {
                    try index.remove(ids: vectorIds)
                    entry.detail = "add of \(ids.count) templates undone"
                    try catalog.finish(intent: intentId, undo: true, audit: entry)
                }
            case .remove:
                try index.remove(ids: vectorIds)
                entry.detail = "remove of \(ids.count) templates completed"
                try catalog.finish(intent: intentId, audit: entry)
            }
            logger.notice("recovered an interrupted write",
                          metadata: ["person": "\(intent.personId)", "outcome": "\(entry.detail ?? "")"])
        }
    }

    static func combinedHash(_ hashes: [String]) -> String {
        hashes.count == 1 ? hashes[0] : ImageSource.sha256(Array(hashes.joined(separator: "\n").utf8))
    }
}
