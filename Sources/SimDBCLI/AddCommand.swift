import ArgumentParser
import Foundation
import SimDB

/// `simdb add`: enrol a person from images, or many people from a folder of folders.
struct AddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Enrol a person from one or more images.",
        discussion: """
            Examples:
              simdb add alice-1.png alice-2.png --id alice --meta team=red
              simdb add --from faces/

            With --from, each sub-folder of the folder is one person, named by the folder, and \
            every non-hidden file in it is one of their images. Every image is decoded and \
            encoded before anything is written: a bad image leaves the store unchanged. Adding \
            to an existing id adds templates and merges metadata.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("Image files (PNG, JPEG, PGM/PPM).", valueName: "file"))
    var files: [String] = []

    @Option(name: .long, help: ArgumentHelp("The person's id.", valueName: "id"))
    var id: String?

    @Option(name: .long, help: ArgumentHelp("A display name for the person.", valueName: "name"))
    var name: String?

    @Option(name: .long, help: ArgumentHelp("Metadata to attach, as key=value; repeatable.", valueName: "key=value"))
    var meta: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Enrol every sub-folder of this folder as one person (folder name = id).", valueName: "dir"))
    var from: String?

    func validate() throws {
        if let from {
            guard files.isEmpty, id == nil, name == nil, meta.isEmpty else {
                throw ValidationError("--from takes no files, --id, --name or --meta")
            }
            guard !from.isEmpty else { throw ValidationError("--from must name a folder") }
        } else {
            guard !files.isEmpty else { throw ValidationError("give image files and --id, or --from DIR") }
            guard id != nil else { throw ValidationError("--id is required when adding files") }
        }
        _ = try metadata()
    }

    func metadata() throws -> [String: String] {
        var result: [String: String] = [:]
        for entry in meta {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("--meta '\(entry)' is not key=value")
            }
            result[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        return result
    }

    func run() throws {
        let enrollments: [Enrollment]
        if let from {
            enrollments = try FolderScan.enrollments(in: from)
        } else if let id {
            enrollments = [Enrollment(personId: id, images: files.map(ImageSource.file), name: name,
                                      metadata: try metadata())]
        } else {
            enrollments = []
        }
        let store = try storeOptions.open()
        var encoding = ProgressBar(label: "encoding")
        var writing = ProgressBar(label: "writing ")
        let results = try store.add(enrollments) { progress in
            switch progress.stage {
            case .encoding: encoding.update(progress.done, of: progress.total, note: "images")
            case .writing: writing.update(progress.done, of: progress.total, note: "people")
            }
        }
        let templateCount = results.reduce(0) { $0 + $1.templates.count }
        if output.json {
            try JSONOutput.print(AddReport(people: results, templatesAdded: templateCount))
        } else if results.count == 1, let result = results.first {
            print("added \(result.templates.count) template\(result.templates.count == 1 ? "" : "s") to "
                  + "\(result.id)\(result.created ? " (new person)" : "")")
        } else {
            print("added \(templateCount) templates for \(results.count) people")
        }
    }
}

/// The JSON of `simdb add`.
struct AddReport: Encodable {
    let people: [AddResult]
    let templatesAdded: Int

    enum CodingKeys: String, CodingKey {
        case people
        case templatesAdded = "templates_added"
    }
}

/// Turns a folder of per-person folders into enrolments.
enum FolderScan {
    /// One enrolment per non-hidden sub-folder of `path` (sorted by name), with every non-hidden
    /// regular file in it (sorted) as an image.
    /// - Throws: ``SimDBError`` `.badImage` when `path` is not a readable folder or holds no person.
    static func enrollments(in path: String) throws -> [Enrollment] {
        let manager = FileManager.default
        let root = URL(fileURLWithPath: path)
        func entries(_ url: URL) throws -> [URL] {
            do {
                // Resolved first: Foundation does not list through a link to a folder.
                return try manager.contentsOfDirectory(at: url.resolvingSymlinksInPath(), includingPropertiesForKeys: nil,
                                                       options: [.skipsHiddenFiles])
                    .sorted { $0.lastPathComponent < $1.lastPathComponent }
            } catch {
                throw SimDBError(.badImage, "\(url.path): not a readable folder")
            }
        }
        func isDirectory(_ url: URL) -> Bool {
            var isDirectory: ObjCBool = false  // follows symbolic links
            return manager.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        var result: [Enrollment] = []
        for folder in try entries(root) where isDirectory(folder) {
            let files = try entries(folder).filter { !isDirectory($0) }
            guard !files.isEmpty else { continue }
            let images = files.map { ImageSource.file(path + "/" + folder.lastPathComponent + "/" + $0.lastPathComponent) }
            result.append(Enrollment(personId: folder.lastPathComponent, images: images))
        }
        guard !result.isEmpty else {
            throw SimDBError(.badImage, "\(path): no sub-folder with images (expected one folder per person)")
        }
        return result
    }
}
