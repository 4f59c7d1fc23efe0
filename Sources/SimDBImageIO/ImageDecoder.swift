import Foundation
import SimDBCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes PNG, JPEG and PGM/PPM/PBM images into ``Image`` values, refusing bad or enormous input.
///
/// The format is chosen by the file's first bytes, never by its extension. Grey sources decode to
/// one channel and colour sources to three; samples are `Float` in `0...1`. Every failure is a
/// ``SimDBError`` whose one-line message names the file and the reason: `.badImage` for unreadable,
/// unknown, corrupt or truncated data, `.imageTooLarge` when the image declares more pixels than
/// ``maximumPixelCount`` or the file is bigger than ``maximumFileSize``. Sizes are checked before
/// any pixel buffer is allocated, so a hostile header cannot exhaust memory. A JPEG whose Exif
/// segment records an orientation comes out as it is shown, upright (``appliesExifOrientation``).
///
/// ```swift
/// let image = try ImageDecoder().decode(contentsOf: URL(fileURLWithPath: "face.png"))
/// ```
public struct ImageDecoder: Sendable {
    /// The default pixel limit: 40 million pixels (for example 8000 × 5000).
    public static let defaultMaximumPixelCount = 40_000_000

    /// Images declaring more than this many pixels (width × height) are refused with `.imageTooLarge`.
    public var maximumPixelCount: Int
    /// Files bigger than this many bytes are refused with `.imageTooLarge` before they are read.
    public var maximumFileSize: Int
    /// Whether a JPEG is turned or mirrored as its Exif orientation tag says (phones store a
    /// portrait photo sideways and tag it), so that it comes out as every viewer shows it; when
    /// `false`, the pixels come out as stored. The tag is read from the segments before the
    /// scan; a missing, unknown or damaged one leaves the picture as stored.
    public var appliesExifOrientation: Bool

    /// Creates a decoder with the given limits.
    /// - Parameters:
    ///   - maximumPixelCount: the largest width × height accepted; defaults to
    ///     ``defaultMaximumPixelCount``.
    ///   - maximumFileSize: the largest file, in bytes, that ``decode(contentsOf:)`` reads;
    ///     defaults to 256 MiB.
    ///   - appliesExifOrientation: see ``appliesExifOrientation``.
    public init(maximumPixelCount: Int = defaultMaximumPixelCount, maximumFileSize: Int = 256 << 20,
                appliesExifOrientation: Bool = true) {
        self.maximumPixelCount = maximumPixelCount
        self.maximumFileSize = maximumFileSize
        self.appliesExifOrientation = appliesExifOrientation
    }

    /// Reads and decodes a file; the format is chosen by magic bytes, never by extension.
    ///
    /// Error messages name the file by `url.relativePath`, the path as the caller gave it.
    /// - Parameters:
    ///   - url: a file URL.
    /// - Returns: the decoded image, 1 channel for grey sources and 3 for colour ones.
    /// - Throws: ``SimDBError`` with `.badImage` when the file is missing, unreadable, a directory,
    ///   empty, not a supported image or corrupt; `.imageTooLarge` when it is bigger than
    ///   ``maximumFileSize`` or declares more than ``maximumPixelCount`` pixels.
    public func decode(contentsOf url: URL) throws -> Image {
        let name = url.relativePath.isEmpty ? url.path : url.relativePath
        return try decode(readFile(url, name: name), name: name)
    }

    /// Reads a whole file under ``maximumFileSize``, with the same errors as ``decode(contentsOf:)``.
    ///
    /// For callers that need the bytes themselves (to hash them, say) before decoding them with
    /// ``decode(_:name:)``.
    /// - Parameters:
    ///   - url: a file URL.
    ///   - name: how error messages name the file, usually the path as the user gave it.
    /// - Returns: the file's bytes, possibly empty.
    /// - Throws: ``SimDBError`` with `.badImage` when the file is missing, unreadable or a
    ///   directory; `.imageTooLarge` when it is bigger than ``maximumFileSize`` (refused from its
    ///   size before reading, and never read past the limit).
    public func readFile(_ url: URL, name: String) throws -> [UInt8] {
        try FileReader.contents(ofPath: url.path, name: name, limit: maximumFileSize)
    }

    /// Decodes an encoded image held in memory; the format is chosen by magic bytes.
    /// - Parameters:
    ///   - data: the encoded image (PNG, JPEG, or PGM/PPM/PBM).
    ///   - name: how error messages name the image, usually its file name.
    /// - Returns: the decoded image, 1 channel for grey sources and 3 for colour ones.
    /// - Throws: ``SimDBError`` with `.badImage` when the bytes are empty, not a supported image,
    ///   corrupt or truncated; `.imageTooLarge` when the image declares more than
    ///   ``maximumPixelCount`` pixels.
    public func decode(_ data: [UInt8], name: String) throws -> Image {
        if data.isEmpty {
            throw SimDBError(.badImage, "\(name): empty file")
        }
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try PNGCodec.decode(data, name: name, limits: self)
        }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) {
            return try JPEGCodec.decode(data, name: name, limits: self,
                                        orientation: appliesExifOrientation ? ExifOrientation.value(inJPEG: data) : 1)
        }
        if data.count >= 2, data[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(data[1]) {
            return try PNMCodec.decode(data, name: name, limits: self)
        }
        throw SimDBError(.badImage, "\(name): not a PNG, JPEG or PGM/PPM image")
    }

    /// Refuses a declared size that is empty or over ``maximumPixelCount``, without overflowing.
    /// - Parameters:
    ///   - width: the declared width.
    ///   - height: the declared height.
    ///   - channels: samples per pixel in the buffer the caller will allocate.
    ///   - name: the image's name for the message.
    /// - Returns: `width * height * channels`, the number of samples to allocate.
    /// - Throws: ``SimDBError`` with `.badImage` for a zero or negative size, `.imageTooLarge`
    ///   above the limit or when the sample count does not fit in an `Int`.
    func checkedSampleCount(width: Int, height: Int, channels: Int, name: String) throws -> Int {
        guard width > 0, height > 0 else {
            throw SimDBError(.badImage, "\(name): image has zero size (\(width)x\(height))")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maximumPixelCount else {
            throw SimDBError(.imageTooLarge,
                "\(name): \(width)x\(height) pixels exceeds the limit of \(maximumPixelCount)")
        }
        let (samples, samplesOverflow) = pixels.multipliedReportingOverflow(by: channels)
        guard !samplesOverflow else {
            throw SimDBError(.imageTooLarge, "\(name): \(width)x\(height) pixels is too large to decode")
        }
        return samples
    }
}

/// Reads whole files with POSIX calls, so that directories, missing files and oversized files
/// give precise one-line errors, pipes and devices are refused without blocking, and nothing
/// larger than the limit is ever read.
enum FileReader {
    /// Reads at most `limit` bytes of the file at `path`.
    /// - Parameters:
    ///   - path: the file system path to open.
    ///   - name: how error messages name the file.
    ///   - limit: the largest size accepted, in bytes.
    /// - Returns: the file's bytes.
    /// - Throws: ``SimDBError`` with `.badImage` when the file cannot be opened or read or is a
    ///   directory, `.imageTooLarge` when it holds more than `limit` bytes.
    static func contents(ofPath path: String, name: String, limit: Int) throws -> [UInt8] {
        // Non-blocking, so opening a FIFO never waits for a writer; only regular files are read.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw SimDBError(.badImage, "\(name): cannot read file (\(errorText(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SimDBError(.badImage, "\(name): cannot read file (\(errorText(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SimDBError(.badImage, "\(name): is a directory")
        }
        if (info.st_mode & S_IFMT) != S_IFREG {
            throw SimDBError(.badImage, "\(name): not a regular file (a pipe, socket or device)")
        }
        let declared = Int(info.st_size)
        if declared > limit {
            throw tooLarge(name: name, size: declared, limit: limit)
        }
        // Read until end of file, stopping past the limit: the file may grow while it is read.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(max(declared, 0), limit))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw SimDBError(.badImage, "\(name): cannot read file (\(errorText(errno)))")
            }
            if got == 0 { return bytes }
            if got > limit - bytes.count {
                throw tooLarge(name: name, size: nil, limit: limit)
            }
            bytes.append(contentsOf: chunk[0..<got])
        }
    }

    private static func tooLarge(name: String, size: Int?, limit: Int) -> SimDBError {
        let what = size.map { "file of \($0) bytes" } ?? "file"
        return SimDBError(.imageTooLarge, "\(name): \(what) exceeds the limit of \(limit) bytes")
    }

    /// The C library's text for an `errno` value.
    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
