import ArgumentParser
import SimDB

/// `simdb info`: what the store holds and was made with.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the store's counts, encoder, metric and default threshold."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let store = try storeOptions.open()
        let stats = try store.statistics()
        if output.json {
            try JSONOutput.print(stats)
            return
        }
        print("""
            store:      \(stats.path)
            people:     \(stats.people)
            templates:  \(stats.templates)
            vectors:    \(stats.vectors)
            encoder:    \(stats.encoder) (\(stats.dimension)-d)
            detector:   \(stats.detector ?? "none (whole pictures)")
            metric:     \(stats.metric) (\(stats.metricDirection == "smallerIsCloser" ? "smaller is closer" : "larger is closer"))
            threshold:  \(stats.defaultThreshold.map(Format.value) ?? "none (pass --threshold)")
            format:     \(stats.formatVersion)
            created:    \(Timestamp.format(stats.createdAt))
            """)
    }
}
