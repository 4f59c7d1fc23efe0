import Foundation
import SimDBCore

/// A directory built privately beside its final path and renamed into place whole: whoever looks
/// at the final path, a crash included, sees nothing there (or the empty directory that was
/// there) or the finished directory, never a part of it.
///
/// The staging directory is `.NAME.partial-PID-UUID` in the target's parent (the same file
/// system, so the rename is atomic) and is private to its owner (0700). ``publish(replacingEmptyDirectory:)``
/// flushes every file in it, the directory itself, renames it and flushes the parent. A staged
/// directory dropped unpublished is removed. One left by a killed process is removed by the next
/// ``init(target:)`` for the same target once its process is gone.
final class StagedDirectory {
    /// The final path.
    let target: URL
    /// Where the contents are built.
    let staging: URL
    private var published = false

    /// Creates the staging directory beside `target`, creating missing parents.
    /// - Throws: ``SimDBError`` `.storage` when it cannot be created.
    init(target: URL) throws {
        // Through symbolic links: a link to an empty directory gets the store inside its target.
        self.target = target.standardizedFileURL.resolvingSymlinksInPath()
        let parent = self.target.deletingLastPathComponent()
        let prefix = ".\(self.target.lastPathComponent).partial-"
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
    }

    deinit {
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
        let names = (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []
        for name in names { try Self.flush(file(name)) }
        try Self.flush(staging.path)
        if !replacingEmptyDirectory && FileManager.default.fileExists(atPath: target.path) { return false }
        guard rename(staging.path, target.path) == 0 else {
            if errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR { return false }
            throw SimDBError(.storage, "\(target.path): cannot move it into place (\(String(cString: strerror(errno))))")
        }
        published = true
        try Self.flush(target.deletingLastPathComponent().path)
        return true
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

    /// Removes staging directories for the same target whose process has exited.
    private static func removeAbandoned(in parent: URL, prefix: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            let pidText = name.dropFirst(prefix.count).prefix { $0 != "-" }
            guard let pid = pid_t(pidText), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
            }
        }
    }
}
