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
        let writer = try Writer(path: path)
        try writer.append(bytes)
        try writer.commit()
    }

    /// Writes a file in pieces, for outputs too large to hold in memory: appended bytes go to
    /// the temporary file, and ``commit()`` flushes and renames it into place. A writer dropped
    /// without a commit removes its temporary file and leaves the target as it was.
    public final class Writer {
        /// The file being replaced.
        public let path: String
        private let temporary: String
        private var descriptor: Int32

        /// Creates the temporary file beside `path`.
        /// - Throws: ``SimDBError`` `.storage` when it cannot be created.
        public init(path: String) throws {
            self.path = path
            temporary = path + ".tmp-\(getpid())"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard descriptor >= 0 else { throw Self.failure(path, "create the file") }
        }

        deinit {
            if descriptor >= 0 {
                close(descriptor)
                unlink(temporary)
            }
        }

        /// Appends `bytes` to the file.
        /// - Throws: ``SimDBError`` `.storage` when the write fails (the temporary file is removed).
        public func append(_ bytes: some Collection<UInt8>) throws {
            precondition(descriptor >= 0, "the file was already committed")
            // Written in place when the bytes are contiguous (arrays are), copied once otherwise.
            let written = bytes.withContiguousStorageIfAvailable { writeAll(UnsafeRawBufferPointer($0)) }
                ?? Array(bytes).withUnsafeBytes(writeAll)
            guard written else { throw abandon("write the file") }
        }

        /// Writes every byte of `raw`, retrying after signals; whether it succeeded.
        private func writeAll(_ raw: UnsafeRawBufferPointer) -> Bool {
            var offset = 0
            while offset < raw.count {
                let count = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 { if errno == EINTR { continue }; return false }
                offset += count
            }
            return true
        }

        /// Flushes the file to disk and renames it over the target.
        /// - Throws: ``SimDBError`` `.storage` when that fails (the target is left as it was).
        public func commit() throws {
            precondition(descriptor >= 0, "the file was already committed")
            guard fsync(descriptor) == 0 else { throw abandon("write the file") }
            close(descriptor)
            descriptor = -1
            guard rename(temporary, path) == 0 else {
                let error = Self.failure(path, "replace the file")
                unlink(temporary)
                throw error
            }
        }

        /// Closes and removes the temporary file; returns the error to throw.
        private func abandon(_ what: String) -> SimDBError {
            let error = Self.failure(path, what)
            close(descriptor)
            descriptor = -1
            unlink(temporary)
            return error
        }

        private static func failure(_ path: String, _ what: String) -> SimDBError {
            SimDBError(.storage, "\(path): cannot \(what) (\(String(cString: strerror(errno))))")
        }
    }
}
