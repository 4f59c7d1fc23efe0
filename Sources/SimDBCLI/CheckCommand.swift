import ArgumentParser
import Foundation
import SimDB

/// `simdb check`: recovery, then a consistency check of the whole store.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify the whole store: catalog, vectors, index and audit chain.",
        discussion: """
            Examples:
              simdb check
              simdb check --repair --json

            Finishes any write a crash interrupted, then checks, holding the writer lock: every \
            template in the catalog has exactly one vector and every vector a template, no \
            template is half written, no person is left without templates, every vector is \
            finite, both files record the same encoder and dimension, the index agrees with the \
            vectors, and the audit log's hash chain is intact. Prints the counts, then \
            'consistent', or each problem on its own line and exits with status 6.

            --repair fixes what needs no guess and says what it did: it removes vectors with no \
            template, templates whose vectors are lost (naming the files to enrol again), \
            half-written template rows and people with no templates, and rebuilds an index that \
            disagrees with the vectors. A broken audit chain is evidence and is never rewritten.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .long, help: "Fix what can be fixed without guessing, say what was done, then check again.")
    var repair = false

    func run() throws {
        let result = try storeOptions.open(create: false).check(repair: repair)
        if output.json {
            try JSONOutput.print(CheckReport(result))
        } else {
            for line in result.repairs { print("repaired: \(line)") }
            print("""
                templates:     \(result.templates) in the catalog, \(result.vectors) vectors, \(result.indexEntries) index entries
                people:        \(result.people)
                encoder:       \(result.encoder), \(result.dimension)-d
                audit:         \(result.auditRows) rows, chain \(result.auditIntact ? "intact" : "broken")
                """)
            print(result.consistent ? "consistent" : result.problems.joined(separator: "\n"))
        }
        if !result.consistent {
            throw SimDBError(.corruptStore, "the store is not consistent (\(result.problems.count) problems)"
                + (repair ? "" : "; 'simdb check --repair' fixes what it can"))
        }
    }

    /// `simdb check --json`: the check's fields in snake_case.
    struct CheckReport: Encodable {
        let check: StoreCheck

        init(_ check: StoreCheck) { self.check = check }

        enum CodingKeys: String, CodingKey {
            case consistent, templates, vectors, people, encoder, dimension, problems, repairs
            case indexEntries = "index_entries", auditRows = "audit_rows", auditIntact = "audit_intact"
        }

        func encode(to encoder: any Swift.Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(check.consistent, forKey: .consistent)
            try container.encode(check.templates, forKey: .templates)
            try container.encode(check.vectors, forKey: .vectors)
            try container.encode(check.indexEntries, forKey: .indexEntries)
            try container.encode(check.people, forKey: .people)
            try container.encode(check.encoder, forKey: .encoder)
            try container.encode(check.dimension, forKey: .dimension)
            try container.encode(check.auditRows, forKey: .auditRows)
            try container.encode(check.auditIntact, forKey: .auditIntact)
            try container.encode(check.problems, forKey: .problems)
            try container.encode(check.repairs, forKey: .repairs)
        }
    }
}
