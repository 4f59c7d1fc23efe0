import Foundation
import SimDBCatalog
import SimDBCore

/// What ``Store/backup(to:)`` wrote (also `simdb backup --json`).
public struct BackupResult: Sendable, Equatable, Encodable {
    /// The backup's directory: a store of its own.
    public var path: String
    /// People and templates in it.
    public var people: Int
    public var templates: Int
    /// Bytes of its two files.
    public var bytes: Int
}

extension Store {
    /// Writes a consistent copy of the store to `directory`, which must not exist, while queries
    /// go on: the catalog with SQLite's online backup, the vectors with LMDB's compacting copy,
    /// both taken under the writer lock (after recovery), so that no write is half done in
    /// either. The copy is written to a private temporary directory beside `directory` and
    /// renamed into place, so `directory` either holds a whole backup or does not exist. The
    /// backup is a store: open it (or pass it to `simdb --store`) to use or restore it.
    /// - Throws: ``SimDBError`` `.invalidArgument` when `directory` exists; `.storage` when a file
    ///   cannot be written (nothing is left behind).
    @discardableResult
    public func backup(to directory: String) throws -> BackupResult {
        try audited("backup") { entry, _ in
            let target = URL(fileURLWithPath: directory).standardizedFileURL
            guard !FileManager.default.fileExists(atPath: target.path) else {
                throw SimDBError(.invalidArgument, "\(directory): already exists; a backup goes to a new directory")
            }
            let staged = try StagedDirectory(beside: target)
            let counts = try exclusively {
                try catalog.backup(to: staged.file(Self.catalogFileName))
                try vectors.copy(to: staged.file(Self.vectorsFileName))
                return try catalog.counts()
            }
            let bytes = Self.size(staged.file(Self.catalogFileName)) + Self.size(staged.file(Self.vectorsFileName))
            guard try staged.publish(replacingEmptyDirectory: false) else {
                throw SimDBError(.invalidArgument, "\(directory): already exists; a backup goes to a new directory")
            }
            entry.detail = "\(counts.people) people, \(counts.templates) templates to \(directory)"
            return BackupResult(path: target.path, people: counts.people, templates: counts.templates, bytes: bytes)
        }
    }
}
