import Foundation
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

@Suite("Readers in other processes while a store enrols")
struct ConcurrencyTests {
    /// What one reader process saw, between when it was started and when it ended.
    struct Observation {
        var start: Duration, end: Duration
        var people: [String: Int]
        var failure: String?
    }

    @Test("list and query processes see only whole people, every one acknowledged before they began, none not yet begun")
    func readersSeeStatesTheyCouldHaveSeen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("store")
        @Sendable func face(_ person: Int, _ index: Int) throws -> ImageSource {
            .bytes(try SyntheticFaces.png(person: person, index: index), name: "p\(person)-\(index).png")
        }
        let store = try Store(path: path, options: Store.Options(encoder: "pixels/1"))
        try store.add([try face(0, 0), try face(0, 1)], to: "p0")
        let probe = try directory.write(try SyntheticFaces.png(person: 3, index: 9), to: "probe.png")
        let people = 30
        let clock = ContinuousClock(), origin = clock.now
        let begun = Locked([Duration](repeating: .zero, count: people))
        let acknowledged = Locked([Duration](repeating: .zero, count: people))
        let writing = Locked(true), writerFailure = Locked<String?>(nil)
        let observations = Locked<[Observation]>([])

        let group = DispatchGroup()
        group.enter()
        Thread {
            defer { writing.withLock { $0 = false }; group.leave() }
            for person in 1..<people {
                begun.withLock { $0[person] = clock.now - origin }
                do {
                    try store.add([try face(person, 0), try face(person, 1)], to: "p\(person)")
                } catch {
                    writerFailure.withLock { $0 = "\(error)" }
                    return
                }
                acknowledged.withLock { $0[person] = clock.now - origin }
                Thread.sleep(forTimeInterval: 0.03)
            }
        }.start()
        for reader in 0..<3 {
            group.enter()
            Thread {
                defer { group.leave() }
                while writing.withLock({ $0 }) {
                    let arguments = reader == 0 ? ["list", "--json"] : ["query", probe, "--k", "40", "--json"]
                    let start = clock.now - origin
                    var observation = Observation(start: start, end: start, people: [:], failure: nil)
                    do {
                        let result = try CLI.run(arguments, store: path)
                        observation.end = clock.now - origin
                        guard result.status == 0 else { throw SimDBError(.internal, result.stderr) }
                        let json = try result.json()
                        let rows = reader == 0 ? json as? [[String: Any]] : (json as? [String: Any])?["results"] as? [[String: Any]]
                        for row in rows ?? [] {
                            observation.people[row["id"] as? String ?? "?"] = row["templates"] as? Int ?? -1
                        }
                    } catch {
                        observation.failure = "\(arguments[0]): \(error)"
                    }
                    observations.withLock { $0.append(observation) }
                }
            }.start()
        }
        group.wait()

        #expect(writerFailure.withLock { $0 } == nil)
        let seen = observations.withLock { $0 }, begins = begun.withLock { $0 }, acks = acknowledged.withLock { $0 }
        #expect(seen.count >= 6, "only \(seen.count) reads overlapped the writes")
        for observation in seen {
            #expect(observation.failure == nil, "\(observation.failure ?? "")")
            for (id, templates) in observation.people {
                #expect(templates == 2, "\(id) seen with \(templates) templates: a torn person")
                let person = Int(id.dropFirst()) ?? -1
                #expect(person == 0 || (person > 0 && person < people && begins[person] <= observation.end),
                        "\(id) seen before its add began")
            }
            for person in 1..<people where acks[person] > .zero && acks[person] < observation.start {
                #expect(observation.people["p\(person)"] != nil, "p\(person), acknowledged before the read began, is missing")
            }
        }
    }
}

