import Foundation
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

/// Bad input through the command line: one line on standard error naming the file or value, a
/// documented non-zero exit status, and the store's people, templates and vectors unchanged.
@Suite("simdb refuses bad input and changes nothing")
struct BadInputTests {
    let directory: TemporaryDirectory
    var store: String { directory.path("store") }
    let good: String

    init() throws {
        directory = try TemporaryDirectory()
        good = try directory.write(try SyntheticFaces.png(person: 0, index: 0), to: "good.png")
        for person in 0..<2 {
            let file = try directory.write(try SyntheticFaces.png(person: person, index: 1), to: "enrol-\(person).png")
            // Synthetic pictures are not faces: the store frames whole pictures.
            let result = try CLI.run(["add", file, "--id", "p\(person)", "--no-detect"], store: store)
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    /// People, templates and every vector's bytes, read through the library.
    func snapshot() throws -> [String] {
        let opened = try Store(path: store)
        var lines = try opened.catalog.people().map { "\($0.person.id):\($0.templateCount)" }
        try opened.vectors.read { reader in
            try reader.forEachVector { id, vector in lines.append("\(id):\(vector.map(\.bitPattern))") }
        }
        return lines
    }

    func expectRefused(_ arguments: [String], status: Int32, mentioning needle: String?,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try snapshot()
        let result = try CLI.run(arguments, store: store)
        #expect(result.status == status, "\(arguments): exit \(result.status), stderr \(result.stderr)",
                sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(arguments): stderr is not one line: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(lines.first?.hasPrefix("simdb: error: ") == true, sourceLocation: sourceLocation)
        if let needle {
            #expect(result.stderr.contains(needle), "\(arguments): '\(result.stderr)' does not name \(needle)",
                    sourceLocation: sourceLocation)
        }
        #expect(try snapshot() == before, "\(arguments) changed the store", sourceLocation: sourceLocation)
    }

    @Test("Corrupt, truncated, empty, non-image, huge, missing and directory inputs")
    func badImages() throws {
        let png = try SyntheticFaces.png(person: 5, index: 0)
        var corrupt = png
        for i in stride(from: 40, to: corrupt.count - 20, by: 7) { corrupt[i] ^= 0x5A }
        var hugePGM = Array("P5\n60000 60000\n255\n".utf8)
        hugePGM += [UInt8](repeating: 0, count: 64)
        var hugePNG = png
        // Width and height in the IHDR chunk, big-endian at bytes 16...23: 60000 × 60000.
        hugePNG.replaceSubrange(16..<24, with: [0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60])
        let files: [(String, [UInt8])] = [
            ("empty.png", []),
            ("notes.png", Array("these are not pixels".utf8)),
            ("truncated.png", Array(png.prefix(png.count / 2))),
            ("corrupt.png", corrupt),
            ("huge.pgm", hugePGM),
            ("huge.png", hugePNG),
            ("short.pgm", Array("P5\n92 112\n255\n".utf8) + [UInt8](repeating: 7, count: 100)),
        ]
        for (name, bytes) in files {
            let path = try directory.write(bytes, to: name)
            try expectRefused(["add", good, path, "--id", "newcomer"], status: 3, mentioning: name)
            try expectRefused(["add", path, "--id", "p0"], status: 3, mentioning: name)
            try expectRefused(["query", path], status: 3, mentioning: name)
            try expectRefused(["verify", path, "--id", "p0"], status: 3, mentioning: name)
        }
        try expectRefused(["add", directory.path("missing.png"), "--id", "x"], status: 3, mentioning: "missing.png")
        try expectRefused(["query", directory.url.path], status: 3, mentioning: directory.url.path)
        try expectRefused(["add", "--from", directory.path("no-such-folder")], status: 3, mentioning: "no-such-folder")
    }

    @Test("Unknown ids, wrong flags and mismatched encoders")
    func badArguments() throws {
        try expectRefused(["remove", "--id", "nobody"], status: 4, mentioning: "nobody")
        try expectRefused(["verify", good, "--id", "nobody"], status: 4, mentioning: "nobody")
        try expectRefused(["query", good, "--k", "0"], status: 2, mentioning: "--k")
        try expectRefused(["query", good, "--frobnicate"], status: 2, mentioning: "frobnicate")
        try expectRefused(["query"], status: 2, mentioning: nil)
        try expectRefused(["add", good], status: 2, mentioning: "--id")
        try expectRefused(["add", good, "--id", "x", "--meta", "novalue"], status: 2, mentioning: "novalue")
        try expectRefused(["add", good, "--id", " spaced"], status: 2, mentioning: "white space")
        try expectRefused(["audit", "--since", "yesterday-ish"], status: 2, mentioning: "yesterday-ish")
        try expectRefused(["query", good, "--metric", "cosine"], status: 5, mentioning: "cosine")
        try expectRefused(["query", good, "--encoder", "nope/1"], status: 4, mentioning: "nope/1")
        try expectRefused(["frobnicate"], status: 2, mentioning: "frobnicate")
    }

    @Test("Each refusal leaves an audit row saying so")
    func refusalsAreAudited() throws {
        let empty = try directory.write([], to: "empty.png")
        _ = try CLI.run(["add", empty, "--id", "p9"], store: store)
        _ = try CLI.run(["remove", "--id", "ghost"], store: store)
        let rows = try #require(try CLI.run(["audit", "--json"], store: store).json() as? [[String: Any]])
        let refused = rows.filter { $0["status"] as? String == "refused" }
        #expect(refused.map { $0["action"] as? String } == ["add", "remove"])
        #expect((refused.first?["detail"] as? String)?.contains("empty.png") == true)
    }

    @Test("Hostile ids, names and metadata: refused with one line and nothing written, or stored verbatim and harmless")
    func hostileTextIsRefusedOrStoredVerbatim() throws {
        let long = String(repeating: "a", count: 10_000)
        let tooMany = (0...64).flatMap { ["--meta", "k\($0)=v"] }
        try expectRefused(["add", good, "--id", ""], status: 2, mentioning: "person id is empty")
        try expectRefused(["add", good, "--id", long], status: 2, mentioning: "longer than 256 characters")
        try expectRefused(["add", good, "--id", "bell\u{7}id"], status: 2, mentioning: "control characters")
        try expectRefused(["add", good, "--id", "line\nbreak"], status: 2, mentioning: "control characters")
        try expectRefused(["add", good, "--id", "x", "--name", "esc\u{1B}[2Jape"], status: 2, mentioning: "control characters")
        try expectRefused(["add", good, "--id", "x", "--meta", "note=" + long], status: 2, mentioning: "longer than 4096")
        try expectRefused(["add", good, "--id", "x"] + tooMany, status: 2, mentioning: "more than 64 metadata entries")
        try expectRefused(["remove", "--id", long], status: 2, mentioning: "longer than 256 characters")
        try expectRefused(["verify", good, "--id", long], status: 2, mentioning: "longer than 256 characters")
        // The refusals are audited without the hostile ids.
        let audit = try #require(try CLI.run(["audit", "--json"], store: store).json() as? [[String: Any]])
        #expect(audit.filter { $0["status"] as? String == "refused" }.count >= 9)
        #expect(audit.allSatisfy { (($0["person_id"] as? String)?.count ?? 0) <= 256 && ($0["person_id"] as? String)?.contains("\u{7}") != true })

        // SQL, paths and JSON are just text: parameterised statements store them as given.
        let hostile = ["'; DROP TABLE people; --", "../../etc/passwd", "Robert\"); DELETE FROM templates;--", "ünïcødé 人"]
        for id in hostile {
            let added = try CLI.run(["add", good, "--id", id, "--meta", "json={\"a\": [1, {\"b\": null}]}"], store: store)
            #expect(added.status == 0, "\(id): \(added.stderr)")
        }
        let listed = try #require(try CLI.run(["list", "--json"], store: store).json() as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["id"] as? String }) == Set(["p0", "p1"] + hostile))
        #expect(listed.allSatisfy { ($0["metadata"] as? [String: String])?["json"].map { $0 == "{\"a\": [1, {\"b\": null}]}" } ?? true })
        #expect(try CLI.run(["check"], store: store).status == 0)
        for id in hostile { #expect(try CLI.run(["remove", "--id", id], store: store).status == 0) }
        let after = try CLI.run(["check", "--json"], store: store).json() as? [String: Any]
        #expect(after?["consistent"] as? Bool == true && after?["people"] as? Int == 2)
    }
}
