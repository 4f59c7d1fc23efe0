import Foundation
import SimDBCore

/// Files built privately, flushed, and moved into their final place by rename, so that whoever
/// looks there, a crash included, sees the old state or the finished one, never a part.
///
/// Two placements:
/// - ``init(beside:)``: a directory that does not exist yet is built as `.NAME.partial-PID-UUID`
///   in its parent (the same file system, so the rename is atomic) and
///   ``publish(replacingEmptyDirectory:)`` renames the whole directory into place.
/// - ``init(inside:)``: for a directory that exists (an empty store directory, which may be a
///   mount point, or the working directory), the files are built in `.partial-PID-UUID` inside it
///   and ``moveIntoPlace(_:)`` renames them one by one, in the order given.
///
/// The staging directory is private to its owner (0700) and `flock`ed while it is being built. A
/// staged directory dropped before publishing is removed; one whose builder died is removed by the
/// next staging at the same place, once its lock shows that no process holds it.
final class StagedDirectory {
    /// The final path.
    let target: URL
    /// Where the contents are built.
    let staging: URL
    private var lock: Int32 = -1
    private var published = false

    /// Stages a new directory `target` beside it, creating missing parents.
    /// - Throws: ``SimDBError`` `.storage` when it cannot be created.
    convenience init(beside target: URL) throws {
        // Through symbolic links: a link to an empty directory gets the store inside its target.
        let resolved = target.standardizedFileURL.resolvingSymlinksInPath()
        try self.init(target: resolved, in: resolved.deletingLastPathComponent(),
                      prefix: ".\(resolved.lastPathComponent).partial-")
    }

    /// Stages files for the existing directory `directory` inside it.
    /// - Throws: ``SimDBError`` `.storage` when the staging directory cannot be created.
    convenience init(inside directory: URL) throws {
        let resolved = directory.standardizedFileURL.resolvingSymlinksInPath()
        try self.init(target: resolved, in: resolved, prefix: ".partial-")
    }

    private init(target: URL, in parent: URL, prefix: String) throws {
        self.target = target
        staging = parent.appendingPathComponent("\(prefix)\(getpid())-\(UUID().uuidString)")
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
            Self.removeAbandoned(in: parent, prefix: prefix)
            try manager.createDirectory(at: staging, withIntermediateDirectories: false,
                                        attributes: [.posixPermissions: 0o700])
        } catch {
            throw SimDBError(.storage, "\(target.path): cannot create it (\(error.localizedDescription))")
        }
        lock = open(staging.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else {
            throw SimDBError(.storage, "\(staging.path): cannot lock it (\(String(cString: strerror(errno))))")
        }
    }

    deinit {
        if lock >= 0 { close(lock) }
        if !published { try? FileManager.default.removeItem(at: staging) }
    }

    /// A path inside the staging directory.
    func file(_ name: String) -> String { staging.appendingPathComponent(name).path }

    /// Flushes the contents to disk and renames the staging directory to the target.
    /// - Parameter replacingEmptyDirectory: whether an empty directory at the target may be
    ///   replaced (rename(2) does that atomically); otherwise the target must not exist.
    /// - Returns: `false` when the target exists (and, if allowed, is not empty): another
    ///   process published first. The staging directory is then removed.
    /// - Throws: ``SimDBError`` `.storage` when flushing or renaming fails otherwise.
    func publish(replacingEmptyDirectory: Bool) throws -> Bool {
        try flushContents()
        if !replacingEmptyDirectory && FileManager.default.fileExists(atPath: target.path) { return false }
        guard rename(staging.path, target.path) == 0 else {
            if errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR { return false }
            throw SimDBError(.storage, "\(target.path): cannot move it into place (\(String(cString: strerror(errno))))")
        }
        published = true
        try Self.flush(target.deletingLastPathComponent().path)
        return true
    }

    /// Flushes the staged files and renames each of `names`, in order, into the target
    /// directory, then flushes it and removes the staging directory.
    /// - Throws: ``SimDBError`` `.storage` when flushing or renaming fails.
    func moveIntoPlace(_ names: [String]) throws {
        try flushContents()
        for name in names {
            let destination = target.appendingPathComponent(name).path
            guard rename(file(name), destination) == 0 else {
                throw SimDBError(.storage, "\(destination): cannot move it into place (\(String(cString: strerror(errno))))")
            }
        }
        try Self.flush(target.path)
    }

    private func flushContents() throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: staging.path)
        } catch {
            throw SimDBError(.storage, "\(staging.path): cannot list it (\(error.localizedDescription))")
        }
        for name in names { try Self.flush(file(name)) }
        try Self.flush(staging.path)
    }

    /// fsync(2) on a file or directory.
    static func flush(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { close(descriptor) }
            throw SimDBError(.storage, "\(path): cannot flush it to disk (\(reason))")
        }
        close(descriptor)
    }

    /// Removes staging directories at the same place whose builder is gone: their lock is free.
    /// (A lock, not the process id in the name: processes in other PID namespaces share volumes.)
    static func removeAbandoned(in parent: URL, prefix: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            let path = parent.appendingPathComponent(name).path
            let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { try? FileManager.default.removeItem(atPath: path) }
            close(descriptor)
        }
    }
}
