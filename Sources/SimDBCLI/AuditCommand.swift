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

            The log records time, action, actor, person, input hash, status, top match, \
            distance, decision, threshold and duration; never images or embeddings.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp(
        "Only this action: add, query, verify, remove, list, info, audit, recover.", valueName: "action"))
    var action: String?

    @Option(name: .long, help: ArgumentHelp("Only rows about this person.", valueName: "id"))
    var id: String?

    @Option(name: .long, help: ArgumentHelp(
        "Only rows at or after this time: ISO 8601 (2026-11-29, 2026-11-29T15:00:00Z) or an age (30m, 2h, 7d).",
        valueName: "time"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("At most the newest N rows (default: all).", valueName: "n"))
    var limit: Int?

    func validate() throws {
        if let since, Timestamp.parse(since) == nil {
            throw ValidationError("--since '\(since)' is neither an ISO 8601 time nor an age like 2h")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let store = try storeOptions.open()
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

/// The JSON of one audit row; every field is always present (null when not applicable).
struct AuditRowView: Encodable {
    let row: AuditEntry

    enum CodingKeys: String, CodingKey {
        case id, time, action, actor, status, decision, distance, threshold, detail
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
    }
}
