import Foundation
import SimDBCore
import SimDBTestSupport
import Testing
@testable import SimDB

@Suite("simdb compact")
struct CompactCommandTests {
    @Test("compact: JSON fields; refused while another process holds the store; kill -9 at any instant leaves it whole")
    func compactCommand() throws {
        let directory = try TemporaryDirectory()
        let store = directory.path("store")
        let rows = clusteredRows(2_000, dimension: 128, clusters: 50, seed: 9)
        let vectors = try directory.write(VecsFile.fvecsBytes(rows), to: "in.fvecs")
        let ids = try directory.write(Array((0..<2_000).map { "person-\($0 / 20)\n" }.joined().utf8), to: "ids.txt")
        #expect(try CLI.run(["import-vectors", vectors, "--ids", ids], store: store).status == 0)
        do {
            let opened = try Store(path: store, options: Store.Options(create: false))
            for person in stride(from: 0, to: 100, by: 3) { try opened.remove("person-\(person)") }
        }
        let people = 100 - 34, templates = people * 20
        let probe = (0..<128).map { Float($0 % 7) / 7 }
        let answer = try Store(path: store, options: Store.Options(create: false)).query(embedding: probe, k: 5).results.map(\.id)

        let compacted = try CLI.run(["compact", "--json"], store: store)
        #expect(compacted.status == 0, "\(compacted.stderr)")
        let fields = try #require(try compacted.json() as? [String: Any])
        #expect(Set(fields.keys) == ["path", "vector_bytes_before", "vector_bytes_after", "catalog_bytes_before", "catalog_bytes_after"])
        let before = try #require(fields["vector_bytes_before"] as? Int), after = try #require(fields["vector_bytes_after"] as? Int)
        #expect(after < before, "removing a third of the people freed nothing: \(before) -> \(after) bytes")

        // Another process (this one) holds the store open: compact refuses and changes nothing.
        do {
            let held = try Store(path: store, options: Store.Options(create: false))
            let refused = try CLI.run(["compact"], store: store)
            #expect(refused.status == 7 && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("in use by another process"))
            #expect(try held.people().count == people)
        }

        // kill -9 while the compacted copy is being written or renamed into place.
        let compacting = store + "/" + Store.vectorsFileName + ".compacting"
        let window = try CLI.runAndKill(["compact", "--store", store], begins: { FileManager.default.fileExists(atPath: compacting) },
                                        ends: { !FileManager.default.fileExists(atPath: compacting) })
        var rng = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
        var duringCopy = 0, afterRename = 0
        func inode() throws -> Int { try FileManager.default.attributesOfItem(atPath: store + "/vectors.mdb")[.systemFileNumber] as? Int ?? 0 }
        for round in 0..<20 {
            unlink(compacting)  // so that the next run's copy is what starts the clock
            let before = try inode()
            try CLI.runAndKill(["compact", "--store", store], begins: { FileManager.default.fileExists(atPath: compacting) },
                               killAfter: Double.random(in: 0...(window * 2), using: &rng))
            if FileManager.default.fileExists(atPath: compacting) { duringCopy += 1 } else if try inode() != before { afterRename += 1 }
            let reopened = try Store(path: store, options: Store.Options(create: false))
            let check = try reopened.check()
            #expect(check.consistent && check.templates == templates && check.vectors == templates,
                    "round \(round): \(check.problems)")
            #expect(try reopened.people().count == people)
            #expect(try reopened.query(embedding: probe, k: 5).results.map(\.id) == answer, "round \(round)")
        }
        print(String(format: "kill -9 during simdb compact (%.1f ms copy-and-rename): ", window * 1000)
              + "\(duringCopy) kills before the rename, \(afterRename) after it; store whole after each")
        #expect(duringCopy > 0, "no kill landed before the rename")
        #expect(try CLI.run(["compact"], store: store).status == 0)
    }
}
