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

            With a face encoder (the default), each image must show one face: an image with \
            none is refused (with --from it is skipped, listed at the end, and the exit status \
            is 3), and one with several is refused unless --largest-face is given. \
            --no-detect enrols whole pictures.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var detection: DetectionOptions
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

    @Flag(name: .customLong("largest-face"), help: "Enrol the largest face of an image that shows several.")
    var largestFace = false

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
                Enrollment(personId: $0.name, images: $0.files.map(ImageSource.file), largestFace: largestFace,
                           skipImagesWithoutFace: true)
            }
        } else if let id {
            enrollments = [Enrollment(personId: id, images: files.map(ImageSource.file), name: name,
                                      metadata: try metadata(), largestFace: largestFace)]
        } else {
            enrollments = []
        }
        let store = try storeOptions.open(detect: !detection.noDetect)
        var encoding = ProgressBar(label: "encoding")
        var writing = ProgressBar(label: "writing ")
        let results = try store.add(enrollments) { progress in
            switch progress.stage {
            case .encoding: encoding.update(progress.done, of: progress.total, note: "images")
            case .writing: writing.update(progress.done, of: progress.total, note: "people")
            }
        }
        let templateCount = results.reduce(0) { $0 + $1.templates.count }
        let skipped = results.flatMap(\.skipped)
        let peopleAdded = results.filter { !$0.templates.isEmpty }.count
        if output.json {
            try JSONOutput.print(AddReport(people: results, templatesAdded: templateCount, skipped: skipped))
        } else if results.count == 1, let result = results.first, skipped.isEmpty {
            print("added \(result.templates.count) template\(result.templates.count == 1 ? "" : "s") to "
                  + "\(result.id)\(result.created ? " (new person)" : "")")
        } else {
            print("added \(templateCount) templates for \(peopleAdded) people")
            for file in skipped { print("skipped (no face found): \(SimDBCommand.oneLine(file))") }
        }
        if !skipped.isEmpty {
            let unenrolled = results.filter { $0.templates.isEmpty }.count
            throw SimDBError(.noFace, "\(skipped.count) image\(skipped.count == 1 ? "" : "s") skipped: no face found"
                + (unenrolled > 0 ? "; \(unenrolled) \(unenrolled == 1 ? "person" : "people") not enrolled" : "")
                + " (pass --no-detect to enrol whole pictures)")
        }
    }
}

/// The JSON of `simdb add`.
struct AddReport: Encodable {
    let people: [AddResult]
    let templatesAdded: Int
    let skipped: [String]

    enum CodingKeys: String, CodingKey {
        case people, skipped
        case templatesAdded = "templates_added"
    }
}
