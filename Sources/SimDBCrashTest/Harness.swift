import Foundation
import SimDB
import SimDBCore

/// The parent: starts a worker, kills it with `SIGKILL` at a random moment, then reopens the
/// store and holds it to its promises: recovery leaves `simdb check` clean, every acknowledged
/// write is there, and the one write in flight at the kill is there whole or not at all.
struct Harness {
    let directory: String
    let kills: Int
    let seed: UInt64
    let people: Int
    /// The longest a worker runs before it is killed.
    let maximumRun: Double

    /// What the rounds found.
    struct Tally {
        var kills = 0, acknowledged = 0, refused = 0, inFlightApplied = 0, inFlightDropped = 0
    }

    /// One logged write: the templates it adds to each person, or the person it removes.
    enum Write {
        case add([(person: String, templates: Int)])
        case remove(String)
    }

    func run() throws -> Tally {
        let storePath = URL(fileURLWithPath: directory).appendingPathComponent("store").path
        var expected: [String: Int] = [:]
        var tally = Tally()
        var random = SplitMix64(seed: seed)
        var store: Store?
        for round in 0..<kills {
            let log = URL(fileURLWithPath: directory).appendingPathComponent("acks-\(round).log").path
            let worker = Process()
            worker.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            worker.arguments = ["--worker", "--store", storePath, "--log", log, "--seed", "\(seed &+ UInt64(round))",
                                "--people", "\(people)"]
            worker.standardOutput = FileHandle.nullDevice
            try worker.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.02...maximumRun, using: &random))
            guard worker.isRunning else {
                worker.waitUntilExit()
                throw SimDBError(.internal, "round \(round): the worker exited by itself (status \(worker.terminationStatus))")
            }
            kill(worker.processIdentifier, SIGKILL)
            worker.waitUntilExit()
            tally.kills += 1

            // A store killed while being created is absent or opens clean.
            if store == nil {
                do {
                    store = try Store(path: storePath, options: Store.Options(encoder: "pixels/1", create: false))
                } catch let error as SimDBError where error.code == .notFound {
                    continue
                }
            }
            guard let store else { continue }
            let check = try store.check()
            guard check.consistent else {
                throw SimDBError(.internal, "round \(round): simdb check after the kill: " + check.problems.joined(separator: "; "))
            }
            let found = Dictionary(uniqueKeysWithValues: try store.people().map { ($0.person.id, $0.templateCount) })
            let (writes, pending) = try Self.read(log)
            for (write, outcome) in writes {
                if outcome { Self.apply(write, to: &expected) }
                tally.acknowledged += outcome ? 1 : 0
                tally.refused += outcome ? 0 : 1
            }
            var applied = expected
            if let pending { Self.apply(pending, to: &applied) }
            if found == expected {
                if pending != nil { tally.inFlightDropped += 1 }
            } else if pending != nil && found == applied {
                tally.inFlightApplied += 1
                expected = applied
            } else {
                let differing = Set(found.keys).union(expected.keys).filter { found[$0] != expected[$0] }.sorted()
                throw SimDBError(.internal, "round \(round): lost or torn writes: "
                    + differing.prefix(10).map { "\($0) has \(found[$0] ?? 0) templates, \(expected[$0] ?? 0) acknowledged" }
                        .joined(separator: "; "))
            }
        }
        return tally
    }

    static func apply(_ write: Write, to people: inout [String: Int]) {
        switch write {
        case .add(let entries):
            for (person, templates) in entries { people[person, default: 0] += templates }
        case .remove(let person):
            people[person] = nil
        }
    }

    /// The writes a worker's log records, each acknowledged (`true`) or refused, and the write
    /// it had begun when it was killed, if any. A line cut short by the kill is ignored.
    static func read(_ path: String) throws -> (writes: [(Write, Bool)], pending: Write?) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if !text.hasSuffix("\n") { lines.removeLast() }  // the last, unfinished line (or nothing)
        var writes: [(Write, Bool)] = []
        var pending: (number: Substring, write: Write)?
        for line in lines where !line.isEmpty {
            let fields = line.split(separator: " ")
            guard fields.count >= 2 else { throw SimDBError(.internal, "\(path): bad line '\(line)'") }
            switch fields[0] {
            case "B":
                guard pending == nil, fields.count >= 4 else { throw SimDBError(.internal, "\(path): bad line '\(line)'") }
                if fields[2] == "remove" {
                    pending = (fields[1], .remove(String(fields[3])))
                } else {
                    let entries = try fields.dropFirst(3).map { field -> (person: String, templates: Int) in
                        let parts = field.split(separator: ":")
                        guard parts.count == 2, let count = Int(parts[1]) else {
                            throw SimDBError(.internal, "\(path): bad line '\(line)'")
                        }
                        return (String(parts[0]), count)
                    }
                    pending = (fields[1], .add(entries))
                }
            case "A", "F":
                guard let begun = pending, begun.number == fields[1] else {
                    throw SimDBError(.internal, "\(path): '\(line)' ends no write begun")
                }
                writes.append((begun.write, fields[0] == "A"))
                pending = nil
            default:
                throw SimDBError(.internal, "\(path): bad line '\(line)'")
            }
        }
        return (writes, pending?.write)
    }
}
