import Foundation

/// Whole-file writes that a reader, or a crash, sees as the old file or the new one, never a mix.
///
/// The bytes go to a temporary file beside the target (same directory, so the same file
/// system), are flushed to disk, and the temporary file is renamed over the target. Unlike
/// Foundation's `.atomic` option on Linux, nothing is left behind in `/tmp`.
public enum AtomicFile {
    /// Replaces (or creates) the file at `path` with `bytes`.
    /// - Throws: ``SimDBError`` `.storage` naming the file and the system's reason.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        func failure(_ what: String) -> SimDBError {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            return SimDBError(.storage, "\(path): cannot \(what) (\(reason))")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw failure("create the file") }
        let contiguous = Array(bytes)
        let written = contiguous.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let count = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 { if errno == EINTR { continue }; return false }
                offset += count
            }
            return true
        }
        guard written, fsync(descriptor) == 0 else {
            close(descriptor)
            throw failure("write the file")
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw failure("replace the file") }
    }
}
