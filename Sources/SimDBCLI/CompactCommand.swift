import ArgumentParser
import Foundation
import SimDB

/// `simdb compact`: rewrite the store's files without the free space removed people leave.
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the store's files so that removed people's vectors are gone from disk.",
        discussion: """
            Examples:
              simdb remove --id alice && simdb compact

            simdb remove makes a person's vectors unsearchable at once, but LMDB and SQLite keep \
            old pages as free space, so their bytes stay in the files until reused. compact \
            writes a compacted copy of the vector file, flushes it and renames it over the old \
            one, and vacuums the catalog. It needs the store to itself: it refuses to start \
            while another process has the store open (exit 7), and commands started meanwhile \
            wait for it. A crash at any instant leaves the old files or the compacted ones.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try Store.compact(path: storeOptions.path,
                                       options: Store.Options(encoder: storeOptions.encoder, metric: storeOptions.metric))
        if output.json {
            try JSONOutput.print(result)
        } else {
            print("compacted \(result.path): vectors \(result.vectorBytesBefore) -> \(result.vectorBytesAfter) bytes, "
                  + "catalog \(result.catalogBytesBefore) -> \(result.catalogBytesAfter) bytes")
        }
    }
}
