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

            With a face encoder (the default), the store's detector looks for faces: each face \
            found is identified, largest first (with --json, one object for one face, an array \
            of them, each with its box, for several). With no face found the whole picture is \
            used, and a line on standard error says so; --no-detect always uses it.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var detection: DetectionOptions
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
        let store = try storeOptions.open(detect: !detection.noDetect)
        let answers = try store.queryEachFace(.file(file), k: k, threshold: threshold,
                                              options: SearchOptions(exact: exact, efSearch: efSearch))
        if answers.first?.facesFound == 0 { Notice.noFace(file) }
        if output.json {
            if answers.count == 1 { try JSONOutput.print(answers[0]) } else { try JSONOutput.print(answers) }
            return
        }
        for (number, answer) in answers.enumerated() {
            if answers.count > 1, let box = answer.box {
                print("\(number == 0 ? "" : "\n")face \(number + 1) of \(answers.count) at \(box.x),\(box.y) "
                      + "\(box.width)x\(box.height):")
            }
            printAnswer(answer)
        }
    }

    private func printAnswer(_ answer: QueryResult) {
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
