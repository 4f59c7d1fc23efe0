import ArgumentParser
import Foundation
import SimDB

/// `simdb eval`: verification and identification figures on a labelled folder.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure an encoder on a folder of identities: ROC, EER, accuracy, rank-1.",
        discussion: """
            DIR holds one sub-folder per identity; use identities the encoder was not trained on. \
            Compares every genuine and impostor pair (impostors sampled, seeded, beyond \
            2,000,000), or the pairs of an LFW-style --pairs file ('name i j' genuine, \
            'name1 i name2 j' impostor). Reports accuracy at a threshold chosen on other data \
            (--threshold, else the encoder's balanced threshold from its validation identities, \
            else its default), 10-fold accuracy, ROC AUC, EER, TAR at FAR 1e-2 and 1e-3, and \
            rank-1 identification with the first 1 and 3 images \
            of each identity enrolled (among all identities, or averaged over 1,000 seeded \
            episodes of --way N identities: N-way one-shot). This is the command to pick a \
            threshold with.
            """
    )

    @Argument(help: ArgumentHelp("Folder of identity folders.", valueName: "dir"))
    var directory: String

    @Option(name: .long, help: ArgumentHelp("LFW-style pairs file.", valueName: "file"))
    var pairs: String?

    @Option(name: .long, help: ArgumentHelp("The encoder.", discussion: "Default: \(Store.defaultEncoder).", valueName: "id"))
    var encoder: String?

    @Option(name: .long, help: ArgumentHelp("The metric: l2, cosine or ip (default: the encoder's).", valueName: "id"))
    var metric: String?

    @Option(name: .long, help: ArgumentHelp("The decision threshold, chosen on other data.", valueName: "t"))
    var threshold: Float?

    @Option(name: .long, help: ArgumentHelp(
        "Write the ROC curve as a PNG here, and its points as CSV beside it (same name, .csv).", valueName: "png"))
    var plot: String?

    @Option(name: .long, help: ArgumentHelp(
        "Identify within seeded episodes of N identities (N-way), not among all at once.", valueName: "n"))
    var way: Int?

    @OptionGroup var detection: DetectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let way, way < 2 { throw ValidationError("--way must be at least 2") }
    }

    func run() throws {
        let pipeline = try EmbeddingPipeline(encoderIdentifier: encoder, detect: !detection.noDetect)
        let metric = try PluginRegistry.shared.metric(self.metric ?? pipeline.encoder.preferredMetric)
        let folder = try LabelledFolder(path: directory)
        let named = try pairs.map { path -> [NamedPair] in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SimDBError(.badImage, "\(path): cannot read the pairs file")
            }
            return try NamedPair.parse(text, name: path)
        }
        var bar = ProgressBar(label: "embedding")
        let (report, roc) = try DatasetEvaluation.evaluate(
            folder: folder, pipeline: pipeline, metric: metric, pairs: named, threshold: threshold, way: way
        ) { done, total in bar.update(done, of: total, note: "identities") }
        if let plot {
            let csv = URL(fileURLWithPath: plot).deletingPathExtension().appendingPathExtension("csv")
            try AtomicFile.write(ROCPlot.png(roc), to: plot)
            try AtomicFile.write(Array(ROCPlot.csv(roc).utf8), to: csv.path)
        }
        if output.json {
            try JSONOutput.print(report)
            return
        }
        func percent(_ value: Float?) -> String { value.map { String(format: "%.2f %%", Double($0) * 100) } ?? "n/a" }
        print("""
            encoder \(report.encoder), metric \(report.metric): \(report.identities) identities, \(report.images) images
            pairs:            \(report.genuinePairs) genuine, \(report.impostorPairs) impostor
            accuracy:         \(percent(report.accuracy)) at threshold \(report.threshold.map(Format.value) ?? "none") (\(report.thresholdSource ?? "no threshold"))
            10-fold accuracy: \(percent(report.tenFoldAccuracy)) ± \(percent(report.tenFoldDeviation))
            ROC AUC:          \(String(format: "%.4f", Double(report.rocAUC)))
            EER:              \(percent(report.eer)) at threshold \(Format.value(report.eerThreshold))
            TAR at FAR 1e-2:  \(percent(report.tarAtFAR1e2))
            TAR at FAR 1e-3:  \(percent(report.tarAtFAR1e3))
            rank-1, 1-shot:   \(percent(report.rank1OneShot))\(report.way.map { ", \($0)-way" } ?? "") (\(report.oneShotProbes) probes)
            rank-1, 3-shot:   \(percent(report.rank1ThreeShot))\(report.way.map { ", \($0)-way" } ?? "") (\(report.threeShotProbes) probes)
            """)
    }
}
