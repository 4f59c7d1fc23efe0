import ArgumentParser
import SimDB

/// `simdb index`: the approximate-search index (HNSW) of a store.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Show, configure or rebuild the store's HNSW index.",
        discussion: """
            Below a size threshold (default 10000 templates) queries scan every template, which is \
            exact. From the threshold on, simdb keeps an HNSW graph inside the vector file, \
            updated in the same transaction as every add and remove, and queries search it \
            (approximate; 'simdb query --exact' still scans). See docs/index.md for tuning.
            """,
        subcommands: [Status.self, Configure.self, Rebuild.self, Check.self],
        defaultSubcommand: Status.self
    )

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the index settings and state.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try IndexCommand.report(try storeOptions.open().indexStatus(), json: output.json)
        }
    }

    struct Configure: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change the index settings.",
            discussion: "Changing --m, --ef-construction or --seed rebuilds the graph; --ef-search and --exact-below apply at once.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .customLong("exact-below"), help: ArgumentHelp("Scan instead of using the graph below this many templates.", valueName: "n"))
        var exactBelow: Int?
        @Option(name: .long, help: ArgumentHelp("Links per node (2m on the bottom level), 2...256.", valueName: "m"))
        var m: Int?
        @Option(name: .customLong("ef-construction"), help: ArgumentHelp("Candidates examined when linking a template in.", valueName: "n"))
        var efConstruction: Int?
        @Option(name: .customLong("ef-search"), help: ArgumentHelp("Default candidates kept per query (at least k).", valueName: "n"))
        var efSearch: Int?
        @Option(name: .long, help: ArgumentHelp("Seed of the graph's level draws.", valueName: "n"))
        var seed: UInt64?
        @Flag(inversion: .prefixedEnableDisable, help: "Keep a graph at all (--disable drops it; queries then always scan).")
        var graph: Bool?

        func run() throws {
            let store = try storeOptions.open()
            var settings = try store.indexStatus().settings
            if let exactBelow { settings.exactBelow = exactBelow }
            if let m { settings.hnsw.m = m }
            if let efConstruction { settings.hnsw.efConstruction = efConstruction }
            if let efSearch { settings.hnsw.efSearch = efSearch }
            if let seed { settings.hnsw.seed = seed }
            if let graph { settings.enabled = graph }
            var bar = ProgressBar(label: "linking")
            let status = try store.configureIndex(settings) { done, total in bar.update(done, of: total) }
            try IndexCommand.report(status, json: output.json)
        }
    }

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop the graph and build it again from every template.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let store = try storeOptions.open()
            var bar = ProgressBar(label: "linking")
            let status = try store.rebuildIndex { done, total in bar.update(done, of: total) }
            try IndexCommand.report(status, json: output.json)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the vectors and the graph agree.",
            discussion: "Exits with status 6 and lists the problems when they do not; rebuild the index to repair the graph.")
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let problems = try storeOptions.open().checkIndex()
            if output.json {
                try JSONOutput.print(CheckReport(consistent: problems.isEmpty, problems: problems))
            } else {
                print(problems.isEmpty ? "consistent" : problems.joined(separator: "\n"))
            }
            if !problems.isEmpty {
                throw SimDBError(.corruptStore, "the index disagrees with the vectors (\(problems.count) problems); run 'simdb index rebuild'")
            }
        }
    }

    struct CheckReport: Encodable {
        var consistent: Bool
        var problems: [String]
    }

    static func report(_ status: IndexStatus, json: Bool) throws {
        if json {
            try JSONOutput.print(IndexReport(status))
            return
        }
        let settings = status.settings
        let state: String
        if !settings.enabled {
            state = "off (queries scan every template)"
        } else if status.graphComplete && status.count >= settings.exactBelow {
            state = "hnsw graph of \(status.graphNodes ?? 0) templates (queries use it)"
        } else if status.graphNodes != nil {
            state = "hnsw graph, incomplete: \(status.graphNodes ?? 0) of \(status.count) templates (queries scan until it is complete)"
        } else {
            state = "none yet: queries scan until the store holds \(settings.exactBelow) templates"
        }
        let walk: String
        if status.graphNodes == nil {
            walk = "no graph"
        } else if status.codes {
            walk = "8-bit codes, then exact distances"
                + (status.nodesOutsideCodeRange > 0
                   ? " (\(status.nodesOutsideCodeRange) nodes outside the codes' range use their vectors; a rebuild re-learns it)" : "")
        } else {
            walk = "vectors (built before codes; `simdb index rebuild` adds them)"
        }
        let scan = status.codeColumn
            ? "code column first, then the vectors it cannot rule out (l2, ip); cosine reads every vector"
            : "every vector" + (status.graphNodes != nil ? " (graph built before the code column; `simdb index rebuild` adds it)" : "")
        print("""
            index:           \(state)
            templates:       \(status.count) (\(status.freeSlots) free slots of \(status.slots))
            exact below:     \(settings.exactBelow)
            m:               \(settings.hnsw.m)
            ef-construction: \(settings.hnsw.efConstruction)
            ef-search:       \(settings.hnsw.efSearch)
            metric:          \(status.metric)
            walk:            \(walk)
            exact scans:     \(scan)
            """)
    }
}

/// `simdb index --json`: the settings and state, flat, in snake_case.
struct IndexReport: Encodable {
    var enabled: Bool
    var exactBelow: Int
    var m: Int
    var efConstruction: Int
    var efSearch: Int
    var seed: UInt64
    var count: Int
    var slots: Int
    var freeSlots: Int
    var graphComplete: Bool
    var graphNodes: Int?
    var codes: Bool
    var codeColumn: Bool
    var nodesOutsideCodeRange: Int
    var metric: String
    var search: String

    init(_ status: IndexStatus) {
        let settings = status.settings
        enabled = settings.enabled
        exactBelow = settings.exactBelow
        m = settings.hnsw.m
        efConstruction = settings.hnsw.efConstruction
        efSearch = settings.hnsw.efSearch
        seed = settings.hnsw.seed
        count = status.count
        slots = status.slots
        freeSlots = status.freeSlots
        graphComplete = status.graphComplete
        graphNodes = status.graphNodes
        codes = status.codes
        codeColumn = status.codeColumn
        nodesOutsideCodeRange = status.nodesOutsideCodeRange
        metric = status.metric
        search = settings.enabled && status.graphComplete && status.count >= settings.exactBelow ? "hnsw" : "exact"
    }

    enum CodingKeys: String, CodingKey {
        case enabled, m, seed, count, slots, metric, search, codes
        case nodesOutsideCodeRange = "nodes_outside_code_range", codeColumn = "code_column"
        case exactBelow = "exact_below", efConstruction = "ef_construction", efSearch = "ef_search"
        case freeSlots = "free_slots", graphComplete = "graph_complete", graphNodes = "graph_nodes"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(exactBelow, forKey: .exactBelow)
        try container.encode(m, forKey: .m)
        try container.encode(efConstruction, forKey: .efConstruction)
        try container.encode(efSearch, forKey: .efSearch)
        try container.encode(seed, forKey: .seed)
        try container.encode(count, forKey: .count)
        try container.encode(slots, forKey: .slots)
        try container.encode(freeSlots, forKey: .freeSlots)
        try container.encode(graphComplete, forKey: .graphComplete)
        try container.encode(graphNodes, forKey: .graphNodes)  // null when there is no graph
        try container.encode(codes, forKey: .codes)
        try container.encode(codeColumn, forKey: .codeColumn)
        try container.encode(nodesOutsideCodeRange, forKey: .nodesOutsideCodeRange)
        try container.encode(metric, forKey: .metric)
        try container.encode(search, forKey: .search)
    }
}
