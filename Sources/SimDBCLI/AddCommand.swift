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
            enrollments = try LabelledFolder(path: from).identities.map {
                Enrollment(personId: $0.name, images: $0.files.map(ImageSource.file))
            }
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
