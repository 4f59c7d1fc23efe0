import Foundation
import SimDBCore

/// A folder of folders: each non-hidden sub-folder is one identity (its name is the id) and each
/// non-hidden regular file in it is one of that identity's images. The layout `add --from`,
/// `eval` and `train` read.
public struct LabelledFolder: Sendable {
    /// One identity and its image paths, sorted by file name.
    public struct Identity: Sendable, Equatable {
        /// The folder name.
        public var name: String
        /// Paths of the images, as `folder/name/file`, sorted by file name.
        public var files: [String]
    }

    /// The folder as given.
    public let path: String
    /// The identities with at least one image, sorted by name.
    public let identities: [Identity]

    /// Lists `path`. Links to folders and files are followed.
    /// - Throws: ``SimDBError`` `.badImage` when `path` is not a readable folder or holds no
    ///   sub-folder with images.
    public init(path: String) throws {
        self.path = path
        let manager = FileManager.default
        func entries(_ directory: String) throws -> [String] {
            do {
                // Resolved first: Foundation does not list through a link to a folder.
                let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
                return try manager.contentsOfDirectory(atPath: resolved).filter { !$0.hasPrefix(".") }.sorted()
            } catch {
                throw SimDBError(.badImage, "\(directory): not a readable folder")
            }
        }
        func isDirectory(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false  // follows symbolic links
            return manager.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        var identities: [Identity] = []
        for name in try entries(path) where isDirectory(path + "/" + name) {
            let folder = path + "/" + name
            let files = try entries(folder).map { folder + "/" + $0 }.filter { !isDirectory($0) }
            if !files.isEmpty { identities.append(Identity(name: name, files: files)) }
        }
        guard !identities.isEmpty else {
            throw SimDBError(.badImage, "\(path): no sub-folder with images (expected one folder per identity)")
        }
        self.identities = identities
    }

    /// The number of images in all.
    public var imageCount: Int { identities.reduce(0) { $0 + $1.files.count } }

    /// The path of image `index` (1-based, LFW style) of identity `name`: the file whose name
    /// without extension is `name_000N`, else the `index`-th file.
    public func file(identity name: String, index: Int) -> String? {
        guard let identity = identities.first(where: { $0.name == name }) else { return nil }
        let stem = name + "_" + String(format: "%04d", index)
        if let match = identity.files.first(where: { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent == stem }) {
            return match
        }
        return index >= 1 && index <= identity.files.count ? identity.files[index - 1] : nil
    }
}
