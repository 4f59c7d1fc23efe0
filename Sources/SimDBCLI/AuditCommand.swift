import ArgumentParser
import Foundation
import SimDB

/// `simdb audit`: read the audit log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: every operation, oldest first.",
        discussion: """
            Examples:
              simdb audit --action query --since 2h
              simdb audit --id alice --json
              simdb audit --verify

            The log records time, action, actor, person, input hash, status, top match, \
            distance, decision, threshold and duration; never images or embeddings. Each row \
            carries a SHA-256 hash chained to the previous row's: --verify recomputes the chain \
            and names every row that was edited, removed or moved (exit status 6), and prints \
            the head hash, to keep elsewhere: anyone able to write the file could rebuild the \
            whole chain.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp(
        "Only this action: add, query, verify, remove, list, info, index, import, export, check, backup, audit, recover.", valueName: "action"))
    var action: String?

    @Option(name: .long, help: ArgumentHelp("Only rows about this person.", valueName: "id"))
    var id: String?

    @Option(name: .long, help: ArgumentHelp(
        "Only rows at or after this time: ISO 8601 (2026-11-29, 2026-11-29T15:00:00Z) or an age (30m, 2h, 7d).",
        valueName: "time"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("At most the newest N rows (default: all).", valueName: "n"))
    var limit: Int?

    @Flag(name: .long, help: "Check the hash chain instead of listing rows: every edited, removed or moved row is named.")
    var verify = false

    func validate() throws {
        if let since, Timestamp.parse(since) == nil {
            throw ValidationError("--since '\(since)' is neither an ISO 8601 time nor an age like 2h")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if verify && (action != nil || id != nil || since != nil || limit != nil) {
            throw ValidationError("--verify checks the whole log: it takes no --action, --id, --since or --limit")
        }
    }

    func run() throws {
        let store = try storeOptions.open()
        if verify { return try verifyChain(store) }
        let filter = AuditFilter(action: action, personId: id, since: since.flatMap { Timestamp.parse($0) },
                                 limit: limit)
        let rows = try store.audit(filter)
        if output.json {
            try JSONOutput.print(rows.map(AuditRowView.init))
            return
        }
        for row in rows {
            var fields = [Timestamp.format(row.time), row.action, row.status.rawValue, row.actor]
            if let person = row.personId { fields.append("id=\(person)") }
            if let decision = row.decision { fields.append(decision) }
            if let top = row.topMatch { fields.append("top=\(top)") }
            if let distance = row.distance { fields.append("distance=\(Format.value(Float(distance)))") }
            if let detail = row.detail { fields.append(detail) }
            print(fields.joined(separator: "  "))
        }
    }
}

extension AuditCommand {
    private func verifyChain(_ store: Store) throws {
        let result = try store.verifyAudit()
        if output.json {
            try JSONOutput.print(ChainReport(intact: result.intact, rows: result.rows, head: result.head,
                                             problems: result.problems))
        } else if result.intact {
            print("intact: \(result.rows) rows" + (result.head.map { ", head \($0)" } ?? ""))
        } else {
            print(result.problems.joined(separator: "\n"))
        }
        if !result.intact {
            throw SimDBError(.corruptStore, "the audit log's hash chain is broken (\(result.problems.count) problems)")
        }
    }

    /// `simdb audit --verify --json`.
    struct ChainReport: Encodable {
        var intact: Bool
        var rows: Int
        var head: String?
        var problems: [String]

        func encode(to encoder: any Swift.Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(intact, forKey: .intact)
            try container.encode(rows, forKey: .rows)
            try container.encode(head, forKey: .head)  // null for an empty log
            try container.encode(problems, forKey: .problems)
        }

        enum CodingKeys: String, CodingKey { case intact, rows, head, problems }
    }
}

/// The JSON of one audit row; every field is always present (null when not applicable).
struct AuditRowView: Encodable {
    let row: AuditEntry

    enum CodingKeys: String, CodingKey {
        case id, time, action, actor, status, decision, distance, threshold, detail, hash
        case personId = "person_id"
        case inputSha256 = "input_sha256"
        case topMatch = "top_match"
        case durationMs = "duration_ms"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(row.id, forKey: .id)
        try container.encode(row.time, forKey: .time)
        try container.encode(row.action, forKey: .action)
        try container.encode(row.actor, forKey: .actor)
        try container.encode(row.personId, forKey: .personId)
        try container.encode(row.inputSha256, forKey: .inputSha256)
        try container.encode(row.status.rawValue, forKey: .status)
        try container.encode(row.topMatch, forKey: .topMatch)
        try container.encode(row.distance, forKey: .distance)
        try container.encode(row.decision, forKey: .decision)
        try container.encode(row.threshold, forKey: .threshold)
        try container.encode(row.durationMs, forKey: .durationMs)
        try container.encode(row.detail, forKey: .detail)
        try container.encode(row.hash, forKey: .hash)
    }
}
