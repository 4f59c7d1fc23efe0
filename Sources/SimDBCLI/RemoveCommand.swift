import ArgumentParser
import SimDB

/// `simdb remove`: forget a person.
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a person: their templates, vectors and record.",
        discussion: "The audit log keeps the event. An unknown id is an error (exit status 4)."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("The person's id.", valueName: "id"))
    var id: String

    func run() throws {
        let store = try storeOptions.open()
        let result = try store.remove(id)
        if output.json {
            try JSONOutput.print(result)
        } else {
            print("removed \(result.id) (\(result.templates) template\(result.templates == 1 ? "" : "s"))")
        }
    }
}
