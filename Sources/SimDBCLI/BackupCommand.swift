import ArgumentParser
import Foundation
import SimDB

/// `simdb backup DIR`: a consistent online copy of the store.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store to a new directory while it stays in use.",
        discussion: """
            Examples:
              simdb backup /backups/faces-2026-12-02
              simdb --store /backups/faces-2026-12-02 check     # a backup is a store

            Takes SQLite's online backup of the catalog and LMDB's compacting copy of the \
            vectors under the writer lock, so no write is half done in either; queries go on. \
            The copy is written beside DIR and renamed into place: DIR holds a whole backup or \
            does not exist. To restore, use the backup directory as the store (or move it \
            where the store was).
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The backup's directory; must not exist.", valueName: "dir"))
    var directory: String

    func run() throws {
        let result = try storeOptions.open(create: false).backup(to: directory)
        if output.json {
            try JSONOutput.print(result)
        } else {
            print("backed up \(result.people) people, \(result.templates) templates (\(result.bytes) bytes) to \(result.path)")
        }
    }
}
