import Foundation
import SimDBImageIO
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

/// Writes synthetic face PNGs made by the project itself (no third-party images).
func writeFaces(_ people: Range<Int>, pictures: Range<Int>, into directory: TemporaryDirectory) throws -> [String: [String]] {
    var files: [String: [String]] = [:]
    for person in people {
        for index in pictures {
            files["p\(person)", default: []].append(
                try directory.write(try SyntheticFaces.png(person: person, index: index), to: "p\(person)-\(index).png"))
        }
    }
    return files
}

@Suite("simdb command line")
struct CLITests {
    let directory: TemporaryDirectory
    var store: String { directory.path("store") }

    init() throws {
        directory = try TemporaryDirectory()
    }

    @Test("--help lists every command, each with its own help")
    func help() throws {
        let root = try CLI.run(["--help"])
        #expect(root.status == 0)
        for command in ["add", "query", "verify", "remove", "list", "info", "audit"] {
            #expect(root.stdout.contains(command), "--help does not list \(command)")
            let sub = try CLI.run([command, "--help"])
            #expect(sub.status == 0)
            #expect(sub.stdout.contains("--json"), "\(command) --help does not offer --json")
            #expect(sub.stdout.contains("--store"))
        }
    }

    @Test("add, query, verify, list, info, remove and audit work end to end with JSON")
    func tour() throws {
        let faces = try writeFaces(0..<4, pictures: 0..<3, into: directory)
        let add = try CLI.run(["add"] + faces["p1"]! + ["--id", "p1", "--name", "Person One", "--meta", "team=red", "--json", "--no-detect"],
                              store: store)
        #expect(add.status == 0, "\(add.stderr)")
        let added = try #require(try add.json() as? [String: Any])
        #expect(added["templates_added"] as? Int == 3)
        for person in [0, 2, 3] {
            let result = try CLI.run(["add", faces["p\(person)"]![0], "--id", "p\(person)"], store: store)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("added 1 template to p\(person) (new person)"))
        }
        let probe = try directory.write(try SyntheticFaces.png(person: 1, index: 7), to: "probe.png")
        let query = try CLI.run(["query", probe, "--k", "3", "--json"], store: store)
        #expect(query.status == 0, "\(query.stderr)")
        let answer = try #require(try query.json() as? [String: Any])
        let results = try #require(answer["results"] as? [[String: Any]])
        #expect(results.count == 3)
        #expect(results.first?["id"] as? String == "p1")
        #expect(results.first?["rank"] as? Int == 1)
        #expect(results.first?["distance"] is Double)
        let decision = try #require(answer["decision"] as? [String: Any])
        #expect(decision["match"] as? Bool == true)
        #expect(decision["id"] as? String == "p1")
        #expect(decision["threshold"] is Double && decision["distance"] is Double)

        let verify = try #require(try CLI.run(["verify", probe, "--id", "p1", "--json"], store: store).json() as? [String: Any])
        #expect(verify["match"] as? Bool == true)
        #expect(verify["distance"] is Double && verify["threshold"] is Double)
        let pair = try CLI.run(["verify", probe, faces["p2"]![0]], store: store)
        #expect(pair.status == 0 && pair.stdout.hasPrefix("no-match"))

        let info = try #require(try CLI.run(["info", "--json"], store: store).json() as? [String: Any])
        #expect(info["people"] as? Int == 4)
        #expect(info["templates"] as? Int == 6)
        #expect(info["encoder"] as? String == Store.defaultEncoder)
        #expect(info["dimension"] as? Int == 128)
        #expect(info["metric"] as? String == "l2")

        let list = try #require(try CLI.run(["list", "--json"], store: store).json() as? [[String: Any]])
        #expect(list.map { $0["id"] as? String } == ["p0", "p1", "p2", "p3"])
        #expect((list[1]["metadata"] as? [String: String]) == ["team": "red"])
        #expect(list[1]["name"] as? String == "Person One")
        #expect(list[1]["templates"] as? Int == 3)

        let remove = try CLI.run(["remove", "--id", "p1", "--json"], store: store)
        #expect(remove.status == 0)
        #expect((try remove.json() as? [String: Any])?["templates"] as? Int == 3)
        let after = try #require(try CLI.run(["query", probe, "--json"], store: store).json() as? [String: Any])
        #expect((after["results"] as? [[String: Any]])?.contains { $0["id"] as? String == "p1" } == false)

        let audit = try #require(try CLI.run(["audit", "--json"], store: store).json() as? [[String: Any]])
        let actions = audit.compactMap { $0["action"] as? String }
        #expect(actions == ["add", "add", "add", "add", "query", "verify", "verify", "info", "list", "remove", "query"])
        for row in audit {
            for field in ["id", "time", "action", "actor", "person_id", "input_sha256", "status", "top_match",
                          "distance", "decision", "threshold", "duration_ms", "detail"] {
                #expect(row.keys.contains(field), "audit row lacks \(field)")
            }
        }
        let removals = try #require(try CLI.run(["audit", "--action", "remove", "--id", "p1", "--since", "1h", "--json"],
                                                store: store).json() as? [[String: Any]])
        #expect(removals.count == 1)
        #expect(try CLI.run(["audit", "--limit", "2", "--json"], store: store).json() as? [[String: Any]] != nil)
    }

    @Test("add --from enrols one person per sub-folder")
    func addFromFolders() throws {
        let root = directory.path("people")
        for person in 0..<3 {
            let folder = "people/person-\(person)"
            try FileManager.default.createDirectory(atPath: directory.path(folder), withIntermediateDirectories: true)
            for index in 0..<2 {
                _ = try directory.write(try SyntheticFaces.png(person: person, index: index), to: "\(folder)/\(index).png")
            }
        }
        // A person folder may be a link to a folder elsewhere; hidden files are skipped.
        let elsewhere = directory.path("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        _ = try directory.write(try SyntheticFaces.png(person: 3, index: 0), to: "elsewhere/0.png")
        _ = try directory.write([1, 2, 3], to: "elsewhere/.DS_Store")
        try FileManager.default.createSymbolicLink(atPath: directory.path("people/linked"), withDestinationPath: elsewhere)
        let result = try CLI.run(["add", "--from", root, "--json", "--no-detect"], store: store)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try result.json() as? [String: Any])
        #expect(report["templates_added"] as? Int == 7)
        let ids = (report["people"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(ids == ["linked", "person-0", "person-1", "person-2"])
        let info = try #require(try CLI.run(["info", "--json"], store: store).json() as? [String: Any])
        #expect(info["people"] as? Int == 4)
    }

    @Test("--store, then $SIMDB_STORE, then ./simdb-store")
    func storeLocation() throws {
        let faces = try writeFaces(0..<1, pictures: 0..<1, into: directory)
        #expect(try CLI.run(["add", faces["p0"]![0], "--id", "x", "--no-detect", "--store", directory.path("explicit")]).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path("explicit/catalog.sqlite")))
        #expect(try CLI.run(["info"], store: directory.path("from-env")).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path("from-env/vectors.mdb")))
        #expect(try CLI.run(["info"], store: nil, in: directory.url).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path("simdb-store/catalog.sqlite")))
    }
}
