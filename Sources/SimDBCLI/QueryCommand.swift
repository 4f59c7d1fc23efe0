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
            closer; for ip larger is closer.
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

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1") }
        if let threshold, !threshold.isFinite { throw ValidationError("--threshold must be a finite number") }
    }

    func run() throws {
        let store = try storeOptions.open()
        let answer = try store.query(.file(file), k: k, threshold: threshold)
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
