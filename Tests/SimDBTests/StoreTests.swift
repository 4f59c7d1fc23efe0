import Foundation
import SimDBCatalog
import SimDBCore
import SimDBImageIO
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

@Suite("Store")
struct StoreTests {
    let directory: TemporaryDirectory
    var storePath: String { directory.path("store") }

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// Synthetic pictures are not faces: these tests of the store's mechanics use the pixel
    /// baseline (DefaultModelTests covers the default face model on real faces).
    static let pixels = "pixels/1"

    func face(_ person: Int, _ index: Int) throws -> ImageSource {
        .bytes(try SyntheticFaces.png(person: person, index: index), name: "p\(person)-\(index).png")
    }

    /// People, templates and every vector's bytes: what bad input must leave untouched.
    func snapshot(_ store: Store) throws -> [String] {
        var lines = try store.catalog.people().map { "\($0.person.id):\($0.templateCount)" }
        try store.vectors.read { reader in
            try reader.forEachVector { id, vector in lines.append("\(id):\(vector.map(\.bitPattern))") }
        }
        return lines
    }

    @Test("The README's library example: open, add, query, verify")
    func libraryTour() throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
        for person in 0..<5 {
            try store.add([try face(person, 0), try face(person, 1)], to: "person-\(person)", name: "Person \(person)")
        }
        let answer = try store.query(try face(3, 7), k: 3)
        #expect(answer.results.count == 3)
        #expect(answer.results.first?.id == "person-3")
        #expect(answer.results.first?.name == "Person 3")
        #expect(answer.results.map(\.rank) == [1, 2, 3])
        #expect(answer.decision.match)
        #expect(answer.decision.id == "person-3")
        #expect(try store.verify(try face(2, 5), claimedId: "person-2").match)
        #expect(try !store.verify(try face(2, 5), claimedId: "person-4").match)
        #expect(try store.verify(try face(1, 3), try face(1, 4)).match)
        #expect(try !store.verify(try face(1, 3), try face(0, 4)).match)
        let stats = try store.statistics()
        #expect((stats.people, stats.templates, stats.vectors) == (5, 10, 10))
        #expect(stats.encoder == "pixels/1" && stats.metric == "l2" && stats.dimension == 1024)
    }

    @Test("An unenrolled person is unknown, yet the ranking is returned")
    func openSet() throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
        for person in 0..<4 { try store.add([try face(person, 0)], to: "p\(person)") }
        let answer = try store.query(try face(42, 0), k: 5)
        #expect(answer.results.count == 4)
        #expect(!answer.decision.match)
        #expect(answer.decision.id == nil)
        #expect(answer.decision.distance == answer.results.first?.distance)
        // A threshold that accepts everything turns it into a match.
        #expect(try store.query(try face(42, 0), threshold: 10).decision.match)
    }

    @Test("A probe's embedding identifies as its image does; a wrong length or a NaN is refused and audited")
    func queryByEmbedding() throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
        for person in 0..<4 { try store.add([try face(person, 0), try face(person, 1)], to: "p\(person)") }
        let bytes = try SyntheticFaces.png(person: 2, index: 4)
        let embedding = try store.embed([try ImageDecoder().decode(bytes, name: "probe.png")]).vector(at: 0)
        let byImage = try store.query(.bytes(bytes, name: "probe.png"), k: 3)
        let byEmbedding = try store.query(embedding: embedding, k: 3)
        #expect(byEmbedding.results == byImage.results && byEmbedding.decision == byImage.decision)
        #expect(byEmbedding.results.first?.id == "p2")
        let before = try snapshot(store)
        #expect(throws: SimDBError.self) { try store.query(embedding: Array(embedding.dropLast())) }
        var poisoned = embedding
        poisoned[3] = .nan
        #expect(throws: SimDBError.self) { try store.query(embedding: poisoned) }
        #expect(try snapshot(store) == before)
        let queries = try store.catalog.audit().filter { $0.action == "query" }
        #expect(queries.map(\.status) == [.ok, .ok, .refused, .refused])
        #expect(queries[1].inputSha256 != nil && queries[1].inputSha256 != queries[0].inputSha256)
    }

    @Test("An empty store answers unknown with no results")
    func emptyStore() throws {
        let answer = try Store(path: storePath, options: Store.Options(encoder: Self.pixels)).query(try face(0, 0))
        #expect(answer.results.isEmpty)
        #expect(!answer.decision.match && answer.decision.distance == nil)
    }

    @Test("Remove deletes templates, vectors and the person; the audit keeps the event")
    func remove() throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
        try store.add([try face(0, 0), try face(0, 1)], to: "alice", metadata: ["team": "red"])
        try store.add([try face(1, 0)], to: "bob")
        #expect(try store.remove("alice").templates == 2)
        #expect(try store.people().map(\.person.id) == ["bob"])
        #expect(try store.vectors.count() == 1)
        let error = #expect(throws: SimDBError.self) { try store.remove("alice") }
        #expect(error?.code == .notFound)
        let audit = try store.catalog.audit(AuditFilter(personId: "alice"))
        #expect(audit.map(\.action) == ["add", "remove", "remove"])
        #expect(audit.map(\.status) == [.ok, .ok, .refused])
    }

    @Test("Adding to an existing person adds templates and merges metadata")
    func addToExisting() throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
        #expect(try store.add([try face(0, 0)], to: "alice", metadata: ["a": "1"]).created)
        let second = try store.add([try face(0, 1), try face(0, 2)], to: "alice", name: "Alice", metadata: ["b": "2"])
        #expect(!second.created && second.templates.count == 2)
        let person = try #require(try store.person("alice"))
        #expect(person.metadata == ["a": "1", "b": "2"])
        #expect(person.displayName == "Alice")
        #expect(try store.people().first?.templateCount == 3)
    }

    @Test("Every operation appends an audit row, reads included")
    func auditEveryOperation() throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels, actor: "auditor"))
        try store.add([try face(0, 0)], to: "alice")
        _ = try store.query(try face(0, 1))
        _ = try store.verify(try face(0, 1), claimedId: "alice")
        _ = try store.people()
        _ = try store.statistics()
        _ = try store.audit()
        try store.remove("alice")
        let rows = try store.catalog.audit()
        #expect(rows.map(\.action) == ["add", "query", "verify", "list", "info", "audit", "remove"])
        #expect(rows.allSatisfy { $0.actor == "auditor" && $0.status == .ok })
        let query = rows[1]
        #expect(query.topMatch == "alice" && query.decision == "match")
        #expect(query.inputSha256?.count == 64)
        #expect(query.threshold != nil && query.distance != nil)
    }

    @Test("Bad input leaves people, templates and vectors exactly as they were")
    func badInputChangesNothing() throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
        try store.add([try face(0, 0), try face(0, 1)], to: "alice")
        let before = try snapshot(store)
        let good = try face(1, 0)
        var truncated = try SyntheticFaces.png(person: 1, index: 1)
        truncated.removeLast(truncated.count / 2)
        let bad: [ImageSource] = [
            .bytes([], name: "empty.png"), .bytes(Array("hello".utf8), name: "text.png"),
            .bytes(truncated, name: "truncated.png"), .file(directory.path("missing.png")), .file(directory.path("")),
        ]
        for image in bad {
            let error = #expect(throws: SimDBError.self) { try store.add([good, image], to: "bob") }
            #expect(error?.code == .badImage)
            #expect(error?.message.contains(image.name) == true)
            #expect(try snapshot(store) == before)
        }
        for id in ["", " padded", "tab\tid", String(repeating: "x", count: 300)] {
            #expect(throws: SimDBError.self) { try store.add([good], to: id) }
        }
        #expect(throws: SimDBError.self) { try store.add([good], to: "bob", metadata: ["": "x"]) }
        #expect(throws: SimDBError.self) { try store.add([], to: "bob") }
        #expect(try snapshot(store) == before)
        let refusals = try store.catalog.audit(AuditFilter(action: "add")).filter { $0.status == .refused }
        #expect(refusals.count == bad.count + 6)
    }

    @Test("A bulk add with one bad image writes nobody")
    func bulkAddIsValidatedFirst() throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
        let enrollments = [
            Enrollment(personId: "a", images: [try face(0, 0)]),
            Enrollment(personId: "b", images: [try face(1, 0), .bytes([1, 2, 3], name: "junk.pgm")]),
        ]
        #expect(throws: SimDBError.self) { try store.add(enrollments) }
        #expect(try store.people().isEmpty)
        #expect(try store.vectors.count() == 0)
    }

    @Test("The store's encoder and metric are enforced on reopen")
    func encoderIdentity() throws {
        _ = try Store(path: storePath)  // the default encoder
        _ = try Store(path: storePath, options: Store.Options(encoder: "siamese-face", metric: "l2"))
        let encoder = #expect(throws: SimDBError.self) { try Store(path: storePath, options: Store.Options(encoder: Self.pixels)) }
        #expect(encoder?.code == .encoderMismatch)
        let metric = #expect(throws: SimDBError.self) { try Store(path: storePath, options: Store.Options(metric: "cosine")) }
        #expect(metric?.code == .encoderMismatch)
        #expect(metric?.message.contains("l2") == true && metric?.message.contains("cosine") == true)
        let unknown = #expect(throws: SimDBError.self) { try Store(path: storePath, options: Store.Options(encoder: "nope/1")) }
        #expect(unknown?.code == .notFound)
    }

    @Test("A store created with cosine uses it and its threshold", arguments: ["cosine", "ip"])
    func otherMetrics(metric: String) throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels, metric: metric))
        try store.add([try face(0, 0)], to: "a")
        try store.add([try face(1, 0)], to: "b")
        let answer = try store.query(try face(1, 3))
        #expect(answer.metric == metric)
        #expect(answer.results.first?.id == "b")
        #expect(answer.decision.match)
    }

    @Test("A directory that is not a store, or a file, is refused")
    func notAStore() throws {
        let folder = directory.path("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = try directory.write([1], to: "folder/notes.txt")
        #expect(throws: SimDBError.self) { try Store(path: folder) }
        let file = try directory.write([1], to: "plain-file")
        #expect(throws: SimDBError.self) { try Store(path: file) }
        #expect(throws: SimDBError.self) { try Store(path: directory.path("absent"), options: Store.Options(create: false)) }
    }

    @Test("Recovery completes an add whose vectors reached LMDB and undoes one whose did not")
    func recovery() throws {
        do {
            let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
            try store.add([try face(0, 0)], to: "kept")
            // A crash after step B: intent and vectors written, commit missing.
            let (_, doneIds) = try store.catalog.beginAdd(personId: "finished", displayName: nil, metadata: [:],
                                                          templates: [TemplateDraft(sourceFile: "f", imageSha256: "ff")])
            try store.vectors.put(ids: doneIds.map { UInt64($0) },
                                  vectors: try store.embed([SyntheticFaces.image(person: 1, index: 0)]))
            // A crash after step A: intent only.
            _ = try store.catalog.beginAdd(personId: "lost", displayName: nil, metadata: [:],
                                           templates: [TemplateDraft(sourceFile: "l", imageSha256: "ll")])
            // A crash in the middle of a remove.
            let removal = try #require(try store.catalog.beginRemove(personId: "kept"))
            #expect(removal.templateIds.count == 1)
            #expect(try store.people().isEmpty)
        }
        let reopened = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
        #expect(try reopened.people().map(\.person.id) == ["finished"])
        #expect(try reopened.vectors.count() == 1)
        #expect(try reopened.catalog.hasIncompleteIntents() == false)
        let recovered = try reopened.catalog.audit(AuditFilter(action: "recover"))
        #expect(recovered.count == 3 && recovered.allSatisfy { $0.status == .recovered })
        #expect(try reopened.query(try face(1, 2)).decision.id == "finished")
    }

    @Test("Concurrent queries from many tasks agree with a single-threaded answer")
    func concurrentQueries() async throws {
        let store = try Store(path: storePath, options: Store.Options(encoder: Self.pixels))
        for person in 0..<6 { try store.add([try face(person, 0)], to: "p\(person)") }
        let probes = try (0..<6).map { try face($0, 9) }
        let expected = try probes.map { try store.query($0).decision.id }
        let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for round in 0..<24 {
                let index = round % probes.count
                group.addTask { (index, try store.query(probes[index]).decision.id) }
            }
            return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
        #expect(answers.count == 24)
        for (index, answer) in answers { #expect(answer == expected[index]) }
    }
}
