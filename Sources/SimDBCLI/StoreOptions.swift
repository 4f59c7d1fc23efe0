import ArgumentParser
import Foundation
import SimDB

/// The options every store command shares: where the store is and what it was made with.
struct StoreOptions: ParsableArguments {
    /// The store used when neither `--store` nor `$SIMDB_STORE` is given.
    static let defaultPath = "simdb-store"

    @Option(name: .long, help: ArgumentHelp(
        "The store directory; created on first use.",
        discussion: "Default: $SIMDB_STORE, else ./\(StoreOptions.defaultPath).", valueName: "path"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp(
        "The encoder (name/version, or a name for its latest version).",
        discussion: "Fixed when the store is created (default \(Store.defaultEncoder)); later it must match.",
        valueName: "id"))
    var encoder: String?

    @Option(name: .long, help: ArgumentHelp(
        "The metric: l2 (squared Euclidean), cosine or ip (inner product).",
        discussion: "Fixed when the store is created (default: the encoder's preferred metric); later it must match.",
        valueName: "id"))
    var metric: String?

    /// The store directory in force.
    var path: String {
        if let store { return store }
        if let fromEnvironment = ProcessInfo.processInfo.environment["SIMDB_STORE"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return Self.defaultPath
    }

    func validate() throws {
        if let store, store.isEmpty { throw ValidationError("--store must not be empty") }
    }

    /// The store options, which belong to each subcommand, may also come before it
    /// (`simdb --store faces info`): this moves any found there to just after the subcommand.
    static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        let takesValue: Set<String> = ["--store", "--encoder", "--metric"]
        var hoisted: [String] = [], index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = String(argument.prefix { $0 != "=" })
            guard takesValue.contains(name) else { break }
            if argument.contains("=") || index + 1 == arguments.count {
                hoisted.append(argument)
                index += 1
            } else {
                hoisted += [argument, arguments[index + 1]]
                index += 2
            }
        }
        guard !hoisted.isEmpty, index < arguments.count else { return arguments }
        return [arguments[index]] + hoisted + arguments[(index + 1)...]
    }

    /// Opens the store, creating it unless `create` is off (then a missing store is an error).
    /// - Parameter detect: whether pictures are searched for faces (when the store has a detector).
    func open(create: Bool = true, detect: Bool = true) throws -> Store {
        var options = Store.Options(encoder: encoder, metric: metric, create: create)
        options.detect = detect
        return try Store(path: path, options: options)
    }
}

/// `--no-detect`, for every command that frames pictures for a face encoder.
struct DetectionOptions: ParsableArguments {
    @Flag(name: .customLong("no-detect"), help: ArgumentHelp(
        "Hand the encoder the whole picture: no face detection.",
        discussion: "For pictures already cut to one face. By default an encoder of faces sees the face a detector finds."))
    var noDetect = false
}

/// The line `query`, `verify` and `embed` print on standard error when no face was found in a
/// picture and the encoder saw the whole of it.
enum Notice {
    static func noFace(_ file: String) {
        FileHandle.standardError.write(Data("simdb: no face found in \(SimDBCommand.oneLine(file)); used the whole picture\n".utf8))
    }
}

/// `--json`, for every command that reports something.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON on standard output (fields in docs/cli.md).")
    var json = false
}
