import ArgumentParser
import Foundation
import SimDB

/// The documented exit statuses of `simdb` (docs/cli.md): 0 success, 1–63 errors.
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    /// An unexpected internal error (a bug).
    case internalError = 1
    /// A bad command line: unknown flag, missing argument, invalid value.
    case usage = 2
    /// A bad input file: unreadable, not an image, corrupt, truncated or too large.
    case badInput = 3
    /// An unknown person id, store or plugin.
    case notFound = 4
    /// The store was created with another encoder or metric.
    case encoderMismatch = 5
    /// The store is damaged or was written by an incompatible version.
    case badStore = 6
    /// The storage engine failed (disk full, permissions, I/O).
    case storage = 7

    init(_ code: SimDBError.Code) {
        switch code {
        case .invalidArgument: self = .usage
        case .badImage, .imageTooLarge, .noFace, .severalFaces: self = .badInput
        case .notFound: self = .notFound
        case .encoderMismatch: self = .encoderMismatch
        case .incompatibleStore, .corruptStore: self = .badStore
        case .storage: self = .storage
        case .internal: self = .internalError
        }
    }
}

extension SimDBCommand {
    /// Parses the command line, runs the command, prints one line on failure and exits.
    static func runAndExit() -> Never {
        if let (position, shown) = argumentNotUTF8() {
            fail("argument \(position) ('\(shown)') is not valid UTF-8; ids, names, metadata and paths must be",
                 status: .usage)
        }
        do {
            var command = try parseAsRoot(StoreOptions.hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
            try command.run()
            Foundation.exit(ExitStatus.success.rawValue)
        } catch let error as SimDBError {
            fail(error.message, status: ExitStatus(error.code))
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            switch exitCode(for: error) {
            case .success:  // --help, --version
                print(fullMessage(for: error))
                Foundation.exit(ExitStatus.success.rawValue)
            case .validationFailure:
                fail(message(for: error) + " (see 'simdb --help')", status: .usage)
            default:
                fail("unexpected error: \(error)", status: .internalError)
            }
        }
    }

    /// The position of the first argument that is not valid UTF-8, and the argument with
    /// replacement characters, which is how Swift would read it, silently naming another file or id.
    private static func argumentNotUTF8() -> (Int, String)? {
        for position in 1..<max(1, Int(CommandLine.argc)) {
            guard let argument = CommandLine.unsafeArgv[position] else { continue }
            if String(validatingCString: argument) == nil { return (position, String(cString: argument)) }
        }
        return nil
    }

    /// Writes `simdb: error: MESSAGE` as one line (line breaks become spaces, other control and
    /// format characters `\xNN` or `\u{NNNN}`, so a hostile file name can neither drive the terminal nor
    /// reorder the line with bidirectional overrides) and exits.
    static func fail(_ message: String, status: ExitStatus) -> Never {
        FileHandle.standardError.write(Data("simdb: error: \(oneLine(message))\n".utf8))
        Foundation.exit(status.rawValue)
    }

    /// `message` as one safe line: line breaks become spaces, other control and format
    /// characters `\xNN` or `\u{NNNN}`.
    static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline).joined(separator: " ").unicodeScalars
            .map { scalar in
                guard [.control, .format].contains(scalar.properties.generalCategory) else { return String(scalar) }
                return scalar.value <= 0xFF ? String(format: "\\x%02X", scalar.value) : String(format: "\\u{%X}", scalar.value)
            }
            .joined()
    }
}
