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
        let vectorsOut = try AtomicOutput(path: file), idsOut = try AtomicOutput(path: ids)
        var count = 0
        var buffer: [UInt8] = []
        try store.exportVectors { person, _, vector in
            buffer.removeAll(keepingCapacity: true)
            withUnsafeBytes(of: Int32(vector.count).littleEndian) { buffer.append(contentsOf: $0) }
            for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { buffer.append(contentsOf: $0) } }
            try vectorsOut.write(buffer)
            try idsOut.write(Array((person + "\n").utf8))
            count += 1
        }
        try vectorsOut.commit()
        try idsOut.commit()
        if output.json {
            try JSONOutput.print(["templates": count])
        } else {
            print("exported \(count) templates to \(file) (person ids in \(ids))")
        }
    }
}

/// A file written under a temporary name beside its destination and renamed into place on
/// ``commit()``; removed if never committed.
final class AtomicOutput {
    let path: String
    private let temporary: String
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private var committed = false

    init(path: String) throws {
        self.path = path
        temporary = path + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw SimDBError(.storage, "\(path): cannot create the file")
        }
        self.handle = handle
    }

    deinit {
        if !committed {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
        }
    }

    func write(_ bytes: [UInt8]) throws {
        pending += bytes
        if pending.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        do {
            try handle.write(contentsOf: pending)
        } catch {
            throw SimDBError(.storage, "\(path): cannot write (\(error.localizedDescription))")
        }
        pending.removeAll(keepingCapacity: true)
    }

    func commit() throws {
        try flush()
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else {
            throw SimDBError(.storage, "\(path): cannot move the finished file into place")
        }
        committed = true
    }
}
