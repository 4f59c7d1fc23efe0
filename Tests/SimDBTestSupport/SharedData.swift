import Foundation

/// Where the tests find the repository and the real data sets beside it (`../shared/data`).
public enum SharedData {
    /// The repository's root directory.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/data` from the repository's root.
    public static let root = repositoryRoot.deletingLastPathComponent()
        .appendingPathComponent("shared/data", isDirectory: true)

    /// Whether the data folder is there at all.
    public static var available: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The file at `path` under the data folder (`lfw-train/NAME/NAME_0001.jpg`), or `nil`, having
    /// said the test is skipped, when it is not there.
    public static func file(_ path: String) -> URL? {
        let file = root.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: file.path) else {
            print("skipped: ../shared/data/\(path) is not here")
            return nil
        }
        return file
    }

    /// The ORL face set, when it is there whole (`s1`..`s40`).
    public static var orl: URL? {
        let orl = root.appendingPathComponent("orl")
        return FileManager.default.fileExists(atPath: orl.appendingPathComponent("s40/10.pgm").path) ? orl : nil
    }
}
