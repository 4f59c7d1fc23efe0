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
            let staging = target.deletingLastPathComponent()
                .appendingPathComponent(".\(target.lastPathComponent).partial-\(UUID().uuidString)")
            do {
                try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: false,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw SimDBError(.storage, "\(directory): cannot create the backup (\(error.localizedDescription))")
            }
            defer { try? FileManager.default.removeItem(at: staging) }
            let counts = try exclusively {
                try catalog.backup(to: staging.appendingPathComponent(Self.catalogFileName).path)
                try vectors.copy(to: staging.appendingPathComponent(Self.vectorsFileName).path)
                return try catalog.counts()
            }
            var bytes = 0
            for name in [Self.catalogFileName, Self.vectorsFileName] {
                let attributes = try? FileManager.default.attributesOfItem(atPath: staging.appendingPathComponent(name).path)
                bytes += (attributes?[.size] as? Int) ?? 0
            }
            guard rename(staging.path, target.path) == 0 else {
                throw SimDBError(.storage, "\(directory): cannot move the backup into place (\(String(cString: strerror(errno))))")
            }
            entry.detail = "\(counts.people) people, \(counts.templates) templates to \(directory)"
            return BackupResult(path: target.path, people: counts.people, templates: counts.templates, bytes: bytes)
        }
    }
}
