import ArgumentParser
import SimDB

/// `simdb verify`: is this Alice? Are these the same person?
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a claimed identity, or whether two images show the same person.",
        discussion: """
            Examples:
              simdb verify probe.png --id alice   (compare with alice's closest template)
              simdb verify a.png b.png            (compare two images)

            Prints match or no-match; the exit status is 0 either way (errors are non-zero).

            With a face encoder (the default), each image's largest face is compared; with no \
            face found the whole picture is, and a line on standard error says so. \
            --no-detect always compares whole pictures.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var detection: DetectionOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("One image with --id, or two images.", valueName: "file"))
    var files: [String]

    @Option(name: .long, help: ArgumentHelp("The claimed person's id.", valueName: "id"))
    var id: String?

    @Option(name: .long, help: ArgumentHelp("The decision threshold, in the metric's units.", valueName: "t"))
    var threshold: Float?

    func validate() throws {
        if id != nil {
            guard files.count == 1 else { throw ValidationError("with --id, give exactly one image") }
        } else {
            guard files.count == 2 else { throw ValidationError("give one image and --id, or two images") }
        }
        if let threshold, !threshold.isFinite { throw ValidationError("--threshold must be a finite number") }
    }

    func run() throws {
        let store = try storeOptions.open(detect: !detection.noDetect)
        let result: VerifyResult
        if let id {
            result = try store.verify(.file(files[0]), claimedId: id, threshold: threshold)
        } else {
            result = try store.verify(.file(files[0]), .file(files[1]), threshold: threshold)
        }
        for (file, framing) in zip(files, result.framing) where framing.fellBackToWholePicture { Notice.noFace(file) }
        if output.json {
            try JSONOutput.print(result)
        } else {
            print("\(result.match ? "match" : "no-match")  \(result.metric) \(Format.value(result.distance)) "
                  + "(threshold \(Format.value(result.threshold)))")
        }
    }
}
