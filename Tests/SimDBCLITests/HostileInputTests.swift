import Foundation
import SimDBSamples
import SimDBTestSupport
import Testing
@testable import SimDB

/// The hostile-input corpus of issue 5: malformed image files, arguments that are not UTF-8 and
/// corrupt model files, each refused with its own one-line message by every command that reads
/// it, the store unchanged.
extension BadInputTests {
    /// Files that are not images simdb can use, with what the error must say.
    func malformedFiles() throws -> [(path: String, message: String)] {
        let png = try SyntheticFaces.png(person: 5, index: 0)
        var wrongMagic = png
        wrongMagic[1] = UInt8(ascii: "X")  // \x89XNG
        var badCRC = png
        badCRC[30] ^= 0xFF  // in the IHDR chunk's CRC
        // A JPEG's start and frame header, then no entropy-coded data that decodes.
        var jpegStart: [UInt8] = [0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 112, 0, 92, 1, 1, 0x11, 0]
        jpegStart += [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0] + [UInt8](repeating: 0x55, count: 64)
        var hugeJPEG = jpegStart
        hugeJPEG.replaceSubrange(7..<11, with: [0xEA, 0x60, 0xEA, 0x60])  // 60000 x 60000
        let files: [(String, [UInt8], String)] = [
            ("empty.png", [], "empty.png: empty file"),
            ("wrong-magic.png", wrongMagic, "wrong-magic.png: not a PNG, JPEG or PGM/PPM image"),
            ("wrong-magic.jpg", [0xFF, 0xD9] + Array(jpegStart.dropFirst(2)), "wrong-magic.jpg: not a PNG, JPEG or PGM/PPM image"),
            ("crc.png", badCRC, "crc.png: corrupt PNG data (libpng: IHDR: CRC error)"),
            ("truncated.png", Array(png.prefix(png.count / 2)), "truncated.png: truncated PNG data"),
            ("lying-size.png", PNGBytes.patchSize(png, width: 400, height: 400), "lying-size.png: corrupt PNG data (libpng: "),
            ("lying-size.pgm", Array("P5\n100 100\n255\n".utf8) + [UInt8](repeating: 7, count: 50),
             "lying-size.pgm: truncated PGM data"),
            ("no-pixels.jpg", jpegStart, "no-pixels.jpg: corrupt JPEG data (turbojpeg: "),
            ("huge.png", PNGBytes.patchSize(png, width: 60_000, height: 60_000),
             "huge.png: 60000x60000 pixels exceeds the limit of 40000000"),
            ("huge.jpg", hugeJPEG, "huge.jpg: 60000x60000 pixels exceeds the limit of 40000000"),
            ("huge.pgm", Array("P5\n60000 60000\n255\n".utf8) + [0, 0, 0],
             "huge.pgm: 60000x60000 pixels exceeds the limit of 40000000"),
            ("zero-width.png", PNGBytes.patchSize(png, width: 0, height: 112), "zero-width.png: corrupt PNG data (libpng: Invalid IHDR data)"),
            ("zero-size.pgm", Array("P5 0 0 255\n".utf8), "zero-size.pgm: image has zero size (0x0)"),
        ]
        var corpus = try files.map { name, bytes, message in (try directory.write(bytes, to: name), message) }

        let manager = FileManager.default
        let folder = directory.path("folder.png")
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: false)
        corpus.append((folder, "folder.png: is a directory"))
        try manager.createSymbolicLink(atPath: directory.path("loop-a.png"), withDestinationPath: "loop-b.png")
        try manager.createSymbolicLink(atPath: directory.path("loop-b.png"), withDestinationPath: "loop-a.png")
        corpus.append((directory.path("loop-a.png"), "loop-a.png: cannot read file (Too many levels of symbolic links)"))
        try manager.createSymbolicLink(atPath: directory.path("dangling.png"), withDestinationPath: "nowhere.png")
        corpus.append((directory.path("dangling.png"), "dangling.png: cannot read file (No such file or directory)"))
        #expect(mkfifo(directory.path("pipe.png"), 0o600) == 0)
        corpus.append((directory.path("pipe.png"), "pipe.png: not a regular file"))
        // A file that exists but cannot be read: mode 000 stops anyone but root; for root, the
        // kernel refuses reads of an unmapped address in /proc/self/mem.
        let locked = try directory.write(png, to: "locked.png")
        #expect(chmod(locked, 0) == 0)
        if geteuid() != 0 { corpus.append((locked, "locked.png: cannot read file (Permission denied)")) }
        corpus.append(("/proc/self/mem", "/proc/self/mem: cannot read file (Input/output error)"))
        return corpus
    }

    @Test("A corpus of malformed files: add, query and verify each refuse it with its message, nothing written")
    func malformedFileCorpus() throws {
        for (path, message) in try malformedFiles() {
            try expectRefused(["add", good, path, "--id", "newcomer"], status: 3, mentioning: message)
            try expectRefused(["add", path, "--id", "p0"], status: 3, mentioning: message)
            try expectRefused(["query", path], status: 3, mentioning: message)
            try expectRefused(["verify", path, "--id", "p0"], status: 3, mentioning: message)
            try expectRefused(["verify", good, path], status: 3, mentioning: message)
        }
    }

    @Test("Arguments that are not UTF-8 are refused before anything runs")
    func argumentsThatAreNotUTF8() throws {
        let shell = URL(fileURLWithPath: "/bin/sh")
        let cases = [
            (#"add "$1/good.png" --id "$(printf 'id\377')""#, "argument 4 ('id\u{FFFD}') is not valid UTF-8"),
            (#"add "$(printf 'face\376.png')" --id x"#, "argument 2 ('face\u{FFFD}.png') is not valid UTF-8"),
            (#"add "$1/good.png" --id x --meta "$(printf 'note=\300\200')""#, "argument 6 ('note=\u{FFFD}\u{FFFD}') is not valid UTF-8"),
            (#"query "$1/good.png" --store "$(printf 'st\355\240\200')""#, "argument 4"),
        ]
        for (script, message) in cases {
            let before = try snapshot()
            let result = try CLI.run(["-c", "exec \"$0\" " + script, CLI.binary.path, directory.url.path],
                                     store: store, executable: shell)
            #expect(result.status == 2, "\(script): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stderr.contains(message), "\(script): \(result.stderr)")
            #expect(try snapshot() == before)
        }
    }

    @Test("Control and format characters in an error line are escaped, so a file name cannot drive the terminal")
    func errorLinesAreEscaped() throws {
        let result = try CLI.run(["query", "face\u{1B}[2J\u{202E}gnp.png"], store: store)
        #expect(result.status == 3)
        #expect(result.stderr.contains("face\\x1B[2J\\u{202E}gnp.png: cannot read file"), "\(result.stderr)")
        #expect(!result.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E })
    }

    @Test("Corrupt model files are refused by name, by embed and by a store's commands")
    func corruptModelFiles() throws {
        let model = try Data(contentsOf: SharedData.repositoryRoot
            .appendingPathComponent("Sources/CDefaultModel/model/face.simdbmodel"))
        var flipped = model
        flipped[model.count / 2] ^= 0x01
        var version = model
        version[8] = 0xEE  // inside the file's fixed header, after the magic
        let cases: [(String, Data, String)] = [
            ("flipped.simdbmodel", flipped, "damaged model file (checksum mismatch)"),
            ("truncated.simdbmodel", model.prefix(model.count - 1000), "damaged model file"),
            ("header-only.simdbmodel", model.prefix(16), "damaged model file (truncated to 16 bytes)"),
            ("empty.simdbmodel", Data(), "not a simdb model file"),
            ("garbage.simdbmodel", Data(repeating: 0x42, count: 4096), "not a simdb model file (bad magic)"),
            ("version.simdbmodel", version, "model format 238; this simdb reads format 1"),
        ]
        for (name, bytes, message) in cases {
            let path = directory.path(name)
            try bytes.write(to: URL(fileURLWithPath: path))
            let embedded = try CLI.run(["embed", good, "--encoder", path])
            #expect(embedded.status == 6 && embedded.stdout.isEmpty, "\(name): \(embedded.status) \(embedded.stderr)")
            #expect(embedded.stderr.hasPrefix("simdb: error: \(path): \(message)") && embedded.stderr.split(separator: "\n").count == 1,
                    "\(name): \(embedded.stderr)")
            try expectRefused(["query", good, "--encoder", path], status: 6, mentioning: path)
            try expectRefused(["add", good, "--id", "p0", "--encoder", path], status: 6, mentioning: path)
        }
    }
}
