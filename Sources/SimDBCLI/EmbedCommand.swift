import ArgumentParser
import Foundation
import SimDB

/// `simdb embed`: print or export embeddings, with no store.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the embedding of each image (no store needed, none created).",
        discussion: """
            Uses exactly the pipeline add and query use: decode, find the face (for a face \
            encoder; the largest, or the whole picture when none is found, said on standard \
            error), fit to the encoder's input, encode. Without --json or --fvecs, prints one line per image: the path, a tab, and \
            the values separated by spaces.

            --fvecs writes the vectors in the fvecs format (per vector: the dimension as a \
            little-endian int32, then the float32 values), in the order of the files.
            """
    )

    @Argument(help: ArgumentHelp("Image files (PNG, JPEG, PGM/PPM).", valueName: "file"))
    var files: [String]

    @Option(name: .long, help: ArgumentHelp(
        "The encoder (name/version, or a name for its latest version).",
        discussion: "Default: \(Store.defaultEncoder).", valueName: "id"))
    var encoder: String?

    @OptionGroup var detection: DetectionOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: ArgumentHelp("Write the vectors to this .fvecs file.", valueName: "path"))
    var fvecs: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one image file") }
        if output.json && fvecs != nil { throw ValidationError("--json and --fvecs are exclusive") }
    }

    func run() throws {
        let pipeline = try EmbeddingPipeline(encoderIdentifier: encoder, detect: !detection.noDetect)
        let (batch, framing) = try pipeline.embedFramed(files.map(ImageSource.file))
        for (file, framing) in zip(files, framing) where framing.fellBackToWholePicture { Notice.noFace(file) }
        if let fvecs {
            try AtomicFile.write(VecsFile.fvecsBytes(batch), to: fvecs)
            print("wrote \(batch.count) \(batch.dimension)-d vectors to \(fvecs)")
        } else if output.json {
            try JSONOutput.print(files.enumerated().map {
                EmbeddingView(file: $1, embedding: batch.vector(at: $0), box: framing[$0].box,
                              facesFound: framing[$0].facesFound)
            })
        } else {
            for (row, file) in files.enumerated() {
                print(file + "\t" + batch.vector(at: row).map { "\($0)" }.joined(separator: " "))
            }
        }
    }
}

/// The JSON of one embedded file.
struct EmbeddingView: Encodable {
    let file: String
    let embedding: [Float]
    let box: PixelBox?
    let facesFound: Int?

    enum CodingKeys: String, CodingKey {
        case file, embedding, box
        case facesFound = "faces_found"
    }
}
