import ArgumentParser
import Foundation
import SimDB

/// `simdb import-vectors`: embeddings from an `.fvecs` file, as templates of the people listed.
struct ImportVectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-vectors",
        abstract: "Add embeddings from an .fvecs file as templates, one person id per vector.",
        discussion: """
            FILE is in the ANN-benchmarks .fvecs format (per vector: its dimension as a 32-bit \
            integer, then that many float32 values, little-endian). --ids names a text file with \
            one person id per line, one line per vector. The vectors must come from the store's \
            encoder (same dimension; simdb cannot check more): this moves stores between machines \
            and loads benchmark data ('simdb export-vectors' writes both files). Everything is \
            checked before anything is written; then the vectors are written in atomic steps \
            (--step, 50000 by default), each one audited; a crash keeps the steps committed.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The vectors (.fvecs).", valueName: "file"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("A text file of person ids, one per line, one per vector.", valueName: "file"))
    var ids: String

    @Option(name: .long, help: ArgumentHelp("Vectors per atomic, audited step.", valueName: "n"))
    var step = Store.defaultImportStep

    func validate() throws {
        guard step >= 1 else { throw ValidationError("--step must be at least 1") }
    }

    func run() throws {
        let batch = try VecsFile.readFvecs(path: file)
        let personIds = try Self.readLines(ids)
        let store = try storeOptions.open()
        var bar = ProgressBar(label: "importing")
        let result = try store.importVectors(batch, personIds: personIds, source: file, step: step) { done, total in
            bar.update(done, of: total)
        }
        if output.json {
            try JSONOutput.print(result)
        } else {
            print("imported \(result.templates) templates for \(result.people) people (\(result.newPeople) new)")
        }
    }

    /// The non-empty lines of a text file (a final newline is optional).
    static func readLines(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimDBError(.notFound, "\(path): cannot read the id file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SimDBError(.invalidArgument, "\(path): the id file is not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" { lines.removeLast() }
        if let blank = lines.firstIndex(of: "") {
            throw SimDBError(.invalidArgument, "\(path): line \(blank + 1) is empty; give one person id per line")
        }
        return lines
    }
}

/// `simdb export-vectors`: every template's embedding to an `.fvecs` file, with its person.
struct ExportVectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-vectors",
        abstract: "Write every template's embedding to an .fvecs file and its person id to a text file.",
        discussion: "The two files are what 'simdb import-vectors' reads. Written to temporary files first and renamed, so a failed export leaves no partial file."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("Where to write the vectors (.fvecs).", valueName: "file"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("Where to write the person ids, one per line.", valueName: "file"))
    var ids: String

    func run() throws {
        let store = try storeOptions.open()
        let vectorsOut = try AtomicFile.Writer(path: file), idsOut = try AtomicFile.Writer(path: ids)
        var count = 0
        var vectorBytes: [UInt8] = [], idBytes: [UInt8] = []
        func flush() throws {
            try vectorsOut.append(vectorBytes)
            try idsOut.append(idBytes)
            vectorBytes.removeAll(keepingCapacity: true)
            idBytes.removeAll(keepingCapacity: true)
        }
        try store.exportVectors { person, _, vector in
            VecsFile.appendFvecsRow(vector, to: &vectorBytes)
            idBytes += Array((person + "\n").utf8)
            count += 1
            if vectorBytes.count >= 1 << 20 { try flush() }
        }
        try flush()
        try vectorsOut.commit()
        try idsOut.commit()
        if output.json {
            try JSONOutput.print(["templates": count])
        } else {
            print("exported \(count) templates to \(file) (person ids in \(ids))")
        }
    }
}
