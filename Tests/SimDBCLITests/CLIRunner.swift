import Foundation
import SimDBSamples
import SimDBTestSupport

/// Runs the built `simdb` binary, as a user would.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String

        /// Standard output parsed as JSON.
        func json() throws -> Any {
            try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        }
    }

    /// The `simdb` executable beside the test bundle (or `$SIMDB_BINARY`).
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["SIMDB_BINARY"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("simdb")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return Bundle.main.bundleURL.appendingPathComponent("simdb")
    }()

    /// Runs `simdb arguments...` with `store` as `$SIMDB_STORE`, in `directory` (the built
    /// binary, or `executable`).
    static func run(_ arguments: [String], store: String? = nil, in directory: URL? = nil,
                    executable: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable ?? binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SIMDB_STORE"] = store
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("simdb-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

extension CLI {
    /// Starts `simdb arguments...`, sends it `SIGKILL` after `seconds` if it is still running,
    /// and waits for it. Returns whether it was killed.
    static func runAndKill(_ arguments: [String], after seconds: Double) throws -> Bool {
        let process = try start(arguments)
        Thread.sleep(forTimeInterval: seconds)
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return killed
    }
}

extension CLI {
    /// Starts `simdb arguments...` with its output discarded.
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Starts `simdb arguments...` and waits until `begins` is true (polled every 0.1 ms). Then
    /// either kills it after `killAfter` seconds, returning 0, or (when `killAfter` is nil) lets
    /// it run and returns the seconds until `ends` was true: how long the stage lasts that the
    /// caller means to kill it in.
    @discardableResult
    static func runAndKill(_ arguments: [String], begins: () throws -> Bool, ends: () throws -> Bool = { false },
                           killAfter: Double? = nil) throws -> Double {
        let process = try start(arguments)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        var began: Date?
        while process.isRunning && began == nil {
            if try begins() { began = Date() } else { usleep(100) }
        }
        guard let killAfter else {
            while process.isRunning, try !ends() { usleep(100) }
            let lasted = began.map { Date().timeIntervalSince($0) } ?? 0
            process.waitUntilExit()
            return lasted
        }
        if began != nil { Thread.sleep(forTimeInterval: killAfter) }
        return 0
    }
}

/// Writes `people` folders (`p0`, `p1`, …) of `pictures` synthetic PNGs (`0.png`, …) under
/// `directory/name` and returns that folder's path.
func writePeopleFolder(in directory: TemporaryDirectory, name: String = "people", people: Int, pictures: Int) throws -> String {
    for person in 0..<people {
        let folder = "\(name)/p\(person)"
        try FileManager.default.createDirectory(atPath: directory.path(folder), withIntermediateDirectories: true)
        for index in 0..<pictures {
            _ = try directory.write(try SyntheticFaces.png(person: person, index: index), to: "\(folder)/\(index).png")
        }
    }
    return directory.path(name)
}
