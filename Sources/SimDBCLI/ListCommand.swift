import ArgumentParser
import Foundation
import SimDB

/// `simdb list`: who is enrolled.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List enrolled people with their template counts."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let store = try storeOptions.open()
        let people = try store.people()
        if output.json {
            try JSONOutput.print(people.map(PersonView.init))
            return
        }
        for summary in people {
            let name = summary.person.displayName.map { "  \($0)" } ?? ""
            print("\(summary.person.id)\t\(summary.templateCount) template\(summary.templateCount == 1 ? "" : "s")\(name)")
        }
        print("\(people.count) \(people.count == 1 ? "person" : "people")")
    }
}

/// The JSON of one person in `simdb list`.
struct PersonView: Encodable {
    let id: String
    let name: String?
    let metadata: [String: String]
    let templates: Int
    let createdAt: Date
    let updatedAt: Date

    init(_ summary: PersonSummary) {
        id = summary.person.id
        name = summary.person.displayName
        metadata = summary.person.metadata
        templates = summary.templateCount
        createdAt = summary.person.createdAt
        updatedAt = summary.person.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, metadata, templates
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)  // null when unset, never absent
        try container.encode(metadata, forKey: .metadata)
        try container.encode(templates, forKey: .templates)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}
