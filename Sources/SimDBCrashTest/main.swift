// simdb-crashtest: kill -9 a store's writer at random moments and check that nothing
// acknowledged is lost and nothing is half written (docs/reliability.md).
//
//   simdb-crashtest --kills 50 [--dir DIR] [--seed N] [--people 40] [--max-run 0.4]
//   simdb-crashtest --long            # 1,000 kills
import Foundation
import SimDBCore

let usage = """
    usage: simdb-crashtest [--kills N | --long] [--dir DIR] [--seed N] [--people N] [--max-run SECONDS]
    Starts a worker that adds, removes and queries at random on a fresh store in DIR (a new
    temporary folder by default), kills it with SIGKILL after a random time up to --max-run
    seconds, checks the store, and repeats --kills times (--long: 1,000). Exit status 0 when no
    acknowledged write was lost, no write was torn and every check was clean; 1 otherwise.
    """

var options: [String: String] = [:]
var arguments = Array(CommandLine.arguments.dropFirst())
while let flag = arguments.first {
    arguments.removeFirst()
    switch flag {
    case "--worker", "--long": options[flag] = ""
    case "--kills", "--dir", "--seed", "--people", "--max-run", "--store", "--log":
        guard let value = arguments.first else { fail("\(flag) needs a value\n\(usage)", status: 2) }
        options[flag] = value
        arguments.removeFirst()
    default:
        fail("unknown argument '\(flag)'\n\(usage)", status: 2)
    }
}

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("simdb-crashtest: \(message)\n".utf8))
    exit(status)
}

@MainActor func number<T: LosslessStringConvertible>(_ flag: String, _ fallback: T) -> T {
    guard let text = options[flag] else { return fallback }
    guard let value = T(text) else { fail("\(flag) '\(text)' is not a number\n\(usage)", status: 2) }
    return value
}

let people: Int = number("--people", 40)
let seed: UInt64 = number("--seed", 2026)
do {
    if options["--worker"] != nil {
        guard let store = options["--store"], let log = options["--log"] else { fail("--worker needs --store and --log", status: 2) }
        try Worker(store: store, log: log, seed: seed, people: people).run()
    }
    let kills: Int = options["--long"] != nil ? 1_000 : number("--kills", 50)
    let maximumRun: Double = number("--max-run", 0.4)
    guard kills > 0, people > 0, maximumRun >= 0.02 else { fail("--kills, --people must be positive, --max-run at least 0.02", status: 2) }
    let directory = options["--dir"] ?? FileManager.default.temporaryDirectory
        .appendingPathComponent("simdb-crashtest-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let clock = ContinuousClock(), start = clock.now
    let tally = try Harness(directory: directory, kills: kills, seed: seed, people: people, maximumRun: maximumRun).run()
    let elapsed = clock.now - start
    print("\(tally.kills) kills in \(elapsed.components.seconds) s: \(tally.acknowledged) acknowledged writes, \(tally.refused) refused, "
          + "in flight at a kill: \(tally.inFlightApplied) completed by recovery or before the kill, \(tally.inFlightDropped) undone; "
          + "0 lost, 0 torn, simdb check clean after every kill" + (options["--dir"].map { " (\($0))" } ?? ""))
    if options["--dir"] == nil { try? FileManager.default.removeItem(atPath: directory) }
} catch {
    fail("\((error as? SimDBError)?.message ?? "\(error)")", status: 1)
}
