import ArgumentParser

/// The root command: `simdb <subcommand>`.
struct SimDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simdb",
        abstract: "An embedded similarity-search database for identity verification.",
        discussion: """
            A store is a directory (--store, else $SIMDB_STORE, else ./simdb-store) holding the \
            enrolled people, their face embeddings and an audit log of every operation. It is \
            created on first use with an encoder and a metric, which it then enforces.

            Exit status: 0 success, 1 internal error, 2 usage error, 3 bad input file, \
            4 unknown id or store, 5 encoder or metric mismatch, 6 damaged or incompatible \
            store, 7 storage failure.
            """,
        version: "0.1.0",
        subcommands: [
            AddCommand.self, QueryCommand.self, VerifyCommand.self, RemoveCommand.self,
            ListCommand.self, InfoCommand.self, CheckCommand.self, BackupCommand.self, CompactCommand.self, IndexCommand.self, BenchCommand.self, ImportVectorsCommand.self, ExportVectorsCommand.self, AuditCommand.self, EmbedCommand.self, DetectCommand.self, EvalCommand.self, TrainCommand.self,
        ]
    )
}
