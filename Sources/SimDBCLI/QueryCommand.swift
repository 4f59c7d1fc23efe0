import ArgumentParser
import Foundation
import SimDB

/// `simdb query`: who is this?
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Identify the person in an image: the k closest people and a decision.",
        discussion: """
            Ranks every enrolled person by their closest template. The decision is a match only \
            when the closest person is within the threshold (default: the encoder's calibrated \
            one, see 'simdb info'); otherwise it is 'unknown'. For l2 and cosine smaller is \
            closer; for ip larger is closer. Stores past the index threshold are searched with \
            their HNSW graph (approximate; see 'simdb index'); --exact scans every template.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The probe image.", valueName: "file"))
    var file: String

    @Option(name: .long, help: "How many people to list.")
    var k = 5

    @Option(name: .long, help: ArgumentHelp("The decision threshold, in the metric's units.", valueName: "t"))
    var threshold: Float?

    @Flag(name: .long, help: "Compare with every template (exact), even when the store has an HNSW graph.")
    var exact = false

    @Option(name: .customLong("ef-search"), help: ArgumentHelp(
        "Candidates the HNSW search keeps (more: better recall, slower); default: the index's.", valueName: "n"))
    var efSearch: Int?

    func validate() throws {
        if let efSearch, !(1...10_000).contains(efSearch) { throw ValidationError("--ef-search must be between 1 and 10000") }
        guard k >= 1 else { throw ValidationError("--k must be at least 1") }
        if let threshold, !threshold.isFinite { throw ValidationError("--threshold must be a finite number") }
    }

    func run() throws {
        let store = try storeOptions.open()
        let answer = try store.query(.file(file), k: k, threshold: threshold,
                                     options: SearchOptions(exact: exact, efSearch: efSearch))
        if output.json {
            try JSONOutput.print(answer)
            return
        }
        if answer.results.isEmpty { print("the store is empty") }
        for match in answer.results {
            let name = match.name.map { " (\($0))" } ?? ""
            print("\(match.rank). \(match.id)\(name)  \(answer.metric) \(Format.value(match.distance))")
        }
        let decision = answer.decision
        print(decision.match
              ? "match: \(decision.id ?? "") (threshold \(Format.value(decision.threshold)))"
              : "unknown (threshold \(Format.value(decision.threshold)))")
    }
}

/// Number formatting for people.
enum Format {
    static func value(_ value: Float) -> String {
        String(format: "%.4f", Double(value))
    }
}
