// The `simdb` executable: parse, run, and map every failure to a documented exit status.
import Foundation
import Logging

// Diagnostics go to standard error; warnings and worse unless $SIMDB_LOG_LEVEL says otherwise
// (trace, debug, info, notice, warning, error, critical).
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["SIMDB_LOG_LEVEL"]
        .flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .warning
    return handler
}
SimDBCommand.runAndExit()
