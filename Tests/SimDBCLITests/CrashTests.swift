import Foundation
import SimDBCore
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

/// `kill -9` during bulk adds: after each kill the store reopens consistent (every person complete,
/// one vector per template, no intent left) and the next command works.
@Suite("simdb survives kill -9")
struct CrashTests {
    @Test("Killing add --from at random moments leaves whole people only")
    func killDuringBulkAdd() throws {
        let directory = try TemporaryDirectory()
        let people = 30, pictures = 3
        _ = try writePeopleFolder(in: directory, people: people, pictures: pictures)
        let store = directory.path("store")
        var rng = SplitMix64(seed: 2026)
        var killed = 0, killedMidWrite = 0, templatesBefore = 0
        for round in 0..<8 {
            if try CLI.runAndKill(["add", "--from", directory.path("people"), "--store", store],
                                  after: Double.random(in: 0.02...0.5, using: &rng)) {
                killed += 1
            }

            let reopened = try Store(path: store)
            #expect(try reopened.catalog.hasIncompleteIntents() == false, "round \(round): intents left")
            let summaries = try reopened.people()
            for summary in summaries {
                #expect(summary.templateCount % pictures == 0,
                        "round \(round): \(summary.person.id) has \(summary.templateCount) templates")
            }
            let templates = summaries.reduce(0) { $0 + $1.templateCount }
            let added = templates - templatesBefore
            if added > 0 && added < people * pictures { killedMidWrite += 1 }
            templatesBefore = templates
            #expect(try reopened.vectors.count() == templates, "round \(round): vectors differ from templates")
            let owners = try reopened.catalog.templateOwners()
            let missing = try reopened.vectors.read { reader in
                try owners.keys.filter { try reader.vector($0) == nil }
            }
            #expect(missing.isEmpty, "round \(round): templates \(missing) have no vector")
        }
        print("kill -9 during add --from: \(killed) of 8 runs killed, \(killedMidWrite) of them while writing people; "
              + "store consistent after each")
        // The store still works after all that.
        let query = try CLI.run(["query", directory.path("people/p4/0.png"), "--store", store, "--json"])
        #expect(query.status == 0, "\(query.stderr)")
    }

    @Test("Killing simdb while it creates a store leaves no store or a whole one: a new directory, or an existing empty one",
          arguments: [false, true])
    func killDuringCreation(inExistingDirectory: Bool) throws {
        let directory = try TemporaryDirectory()
        let image = try directory.write(try SyntheticFaces.png(person: 0, index: 0), to: "face.png")
        func prepare(_ name: String) throws -> String {
            if inExistingDirectory { try FileManager.default.createDirectory(atPath: directory.path(name), withIntermediateDirectories: false) }
            return directory.path(name)
        }
        func created(_ name: String) -> Bool { FileManager.default.fileExists(atPath: directory.path(name) + "/catalog.sqlite") }
        // How long creation takes: from the staging folder's appearance to the catalog's.
        let window = try CLI.runAndKill(["add", image, "--id", "a", "--no-detect", "--store", try prepare("timed")],
                                        begins: { try !partials(of: "timed", in: directory).isEmpty },
                                        ends: { created("timed") })
        try #require(window > 0)
        var rng = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
        var absent = 0, empty = 0, enrolled = 0, leftovers: [Int] = []
        for round in 0..<30 {
            let name = "store-\(round)"
            _ = try CLI.runAndKill(["add", image, "--id", "a", "--no-detect", "--store", try prepare(name)],
                                   begins: { try !partials(of: name, in: directory).isEmpty },
                                   killAfter: Double.random(in: 0...(window * 2), using: &rng))
            if try !partials(of: name, in: directory).isEmpty { leftovers.append(round) }
            guard created(name) else { absent += 1; continue }
            let opened = try Store(path: directory.path(name), options: .init(create: false))
            let check = try opened.check()
            #expect(check.consistent, "round \(round): \(check.problems)")
            if try opened.people().isEmpty { empty += 1 } else { enrolled += 1 }
        }
        print(String(format: "kill -9 while creating a store%@ (%.1f ms): ", inExistingDirectory ? " in an empty directory" : "", window * 1000)
              + "\(absent) not created (\(leftovers.count) leaving a staging folder), \(empty) whole and empty, \(enrolled) enrolled")
        // The window is timed once; on a loaded machine creation may take longer, so require
        // only that some kills landed inside it.
        #expect(!leftovers.isEmpty, "no kill landed while the store was being created")
        // The next creation there removes the staging folders of dead processes.
        for round in leftovers {
            let result = try CLI.run(["add", image, "--id", "a", "--no-detect", "--store", directory.path("store-\(round)")])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try partials(of: "store-\(round)", in: directory).isEmpty)
        }
        // A store made in the working directory leaves it in place.
        let here = try prepare("here")
        if !inExistingDirectory { try FileManager.default.createDirectory(atPath: here, withIntermediateDirectories: false) }
        #expect(try CLI.run(["add", image, "--id", "a", "--no-detect", "--store", "."], in: URL(fileURLWithPath: here)).status == 0)
        #expect(try CLI.run(["list", "--store", "."], in: URL(fileURLWithPath: here)).stdout.contains("a\t1 template"))
    }

    /// Staging folders of store `name`: beside it, or inside it when it existed.
    func partials(of name: String, in directory: TemporaryDirectory) throws -> [String] {
        let beside = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.hasPrefix(".\(name).partial-") }
        let inside = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path(name))) ?? []).filter { $0.hasPrefix(".partial-") }
        return beside + inside
    }

    @Test("50 kills -9 of a worker adding, removing and querying at random: nothing acknowledged lost, nothing torn")
    func fiftyKillsOfARandomWorkload() throws {
        let seed = UInt64(Date().timeIntervalSince1970)  // a new workload each run; the seed is in any failure
        let crashtest = CLI.binary.deletingLastPathComponent().appendingPathComponent("simdb-crashtest")
        let result = try CLI.run(["--kills", "50", "--seed", "\(seed)"], executable: crashtest)
        #expect(result.status == 0, "seed \(seed): \(result.stderr)")
        #expect(result.stdout.hasPrefix("50 kills in "), "\(result.stdout)")
        print("simdb-crashtest --kills 50 --seed \(seed): \(result.stdout)")
    }
}
