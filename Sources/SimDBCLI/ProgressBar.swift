import Foundation

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
struct ProgressBar {
    let label: String
    let enabled = isatty(STDERR_FILENO) == 1
    private var lastDrawn = -1

    init(label: String) {
        self.label = label
    }

    /// Redraws the bar at `done` of `total`.
    mutating func update(_ done: Int, of total: Int, note: String = "") {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = min(width, done * width / total)
        let percent = done * 100 / total
        guard percent != lastDrawn || done == total else { return }
        lastDrawn = percent
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total) \(note)\u{1B}[K".utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
