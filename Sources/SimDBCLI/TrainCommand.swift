import ArgumentParser
import Foundation
import SimDB
import SimDBModel
import SimDBNN
import SimDBTraining

/// `simdb train`: train a Siamese encoder with triplet or contrastive loss.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a Siamese CNN encoder on folders of identities.",
        discussion: """
            Each DIR holds one sub-folder per identity. Batches are P identities × K images \
            (--batch PxK); the loss is triplet (margin on squared L2 distances of unit-length \
            embeddings, semi-hard, hard or all mining) or contrastive. Validation identities \
            come from --validate DIR or a seeded --validation-split of the identities, never \
            from the training identities. Each epoch writes a checkpoint beside --out \
            (OUT.checkpoint), which --resume continues. The model file is written at the end, \
            with its default threshold calibrated on the validation identities (0.1 % false \
            accepts) and its balanced threshold (the most validation pairs right, genuine and \
            impostor pairs weighing the same; simdb eval reports accuracy there). Resuming a \
            finished run only recalibrates, for example on another --validate DIR. Use it with --encoder OUT on add, query, verify, embed and eval.
            """
    )

    @Argument(help: ArgumentHelp("Folders of identity folders to train on.", valueName: "dir"))
    var directories: [String]

    @Option(help: "triplet or contrastive.") var loss: TrainingConfiguration.LossKind = .triplet
    @Option(help: "Triplet margin α (squared distance) or contrastive margin m (distance). Default 0.2 / 1.")
    var margin: Float?
    @Option(help: "Triplet mining: semi-hard, hard (after --warmup-epochs of semi-hard) or all.")
    var mining = "semi-hard"
    @Option(help: "Epochs to train.") var epochs = 30
    @Option(help: ArgumentHelp("P identities × K images per batch.", valueName: "PxK")) var batch = "10x5"
    @Option(help: "Peak learning rate (one epoch of warm-up, then cosine decay).") var lr: Float = 1e-3
    @Option(help: "Decoupled weight decay.") var weightDecay: Float = 1e-4
    @Option(help: "Semi-hard epochs before hard mining.") var warmupEpochs = 2
    @Option(help: ArgumentHelp("Network input size.", valueName: "WxH")) var input = "64x64"
    @Option(help: "Input channels: 1 (grey) or 3 (RGB).") var channels = 1
    @Option(help: "Fit images to the input: crop (centre crop) or stretch.") var fit = "crop"
    @Option(help: "Fraction of the fitted region kept around its centre (0.8 zooms in on a face in a loose crop); recorded in the model and applied to every image it encodes.")
    var crop: Float = 1
    @Option(name: .customLong("face-margin"), help: ArgumentHelp(
        "Train an encoder of faces: each picture's face, found by the default detector, eyes levelled, cut this much wider than its box on each side (a fraction of its width).",
        discussion: "Recorded in the model, so stores and 'simdb embed' detect faces for it; pictures with no face are fitted whole, as probes are.",
        valueName: "fraction"))
    var faceMargin: Float?
    @Option(name: .customLong("init"), help: ArgumentHelp(
        "Start from this model file's weights (same architecture) instead of random ones: fine-tuning.", valueName: "file"))
    var initialModel: String?
    @Option(help: "Architecture: reference (the seed net), reference-bn (with batch normalisation) or vgg-bn (seven 3×3 convolutions with batch normalisation).")
    var architecture = "reference-bn"
    @Option(help: "Embedding dimension.") var embedding = 128
    @Option(name: .customLong("validate"), help: ArgumentHelp("Validation identities (a folder of identity folders).", valueName: "dir"))
    var validationFolder: String?
    @Option(help: "Fraction of identities held out for validation when --validate is not given.")
    var validationSplit = 0.1
    @Option(help: "Seed for initialisation, splits, batches and augmentation.") var seed: UInt64 = 1
    @Flag(help: "Train without augmentation.") var noAugment = false
    @Flag(help: "The model embeds each image together with its mirror image (validation and calibration too).")
    var mirrorAverage = false
    @Option(help: "Largest zoom factor s of the augmentation: each view is zoomed by 1/(1+s) … 1+s.")
    var zoom: Float = 0.08
    @Option(help: ArgumentHelp("The model file to write.", valueName: "file")) var out: String
    @Option(help: "The encoder identifier recorded in the model (name/version).") var encoderId = "siamese-cnn/1"
    @Option(help: "Worker threads: each batch is split across them (OpenBLAS then runs single-threaded).")
    var threads = 2
    @Flag(help: "Continue from OUT.checkpoint.") var resume = false
    @OptionGroup var output: OutputOptions

    func parsedBatch() throws -> (Int, Int) {
        let parts = batch.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 2, parts[1] >= 2 else { throw ValidationError("--batch must be PxK with P, K ≥ 2, e.g. 10x5") }
        return (parts[0], parts[1])
    }

    func parsedInput() throws -> ImageInputSpec {
        let parts = input.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 8, parts[1] >= 8, parts[0] <= 512, parts[1] <= 512 else {
            throw ValidationError("--input must be WxH between 8 and 512, e.g. 64x64")
        }
        guard channels == 1 || channels == 3 else { throw ValidationError("--channels must be 1 or 3") }
        guard fit == "crop" || fit == "stretch" else { throw ValidationError("--fit must be crop or stretch") }
        guard crop >= 0.3, crop <= 1.5 else { throw ValidationError("--crop must be between 0.3 and 1.5") }
        if let faceMargin, !(0...1).contains(faceMargin) { throw ValidationError("--face-margin must be between 0 and 1") }
        return ImageInputSpec(width: parts[0], height: parts[1], channels: channels, fit: fit == "crop" ? .centerCrop : .stretch,
                              crop: crop, faceMargin: faceMargin)
    }

    func validate() throws {
        _ = try parsedBatch()
        _ = try parsedInput()
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
        guard TripletLoss.Mining(rawValue: mining) != nil else { throw ValidationError("--mining must be semi-hard, hard or all") }
        guard Architecture.presets[architecture] != nil else {
            throw ValidationError("--architecture must be one of \(Architecture.presets.keys.sorted().joined(separator: ", "))")
        }
        guard validationSplit > 0, validationSplit < 1 else { throw ValidationError("--validation-split must be between 0 and 1") }
        guard zoom >= 0, zoom <= 1 else { throw ValidationError("--zoom must be between 0 and 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try NNThreads.set(threads)
        let checkpointPath = out + ".checkpoint"
        var configuration = TrainingConfiguration()
        configuration.loss = loss
        configuration.margin = margin ?? (loss == .triplet ? 0.2 : 1)
        configuration.mining = mining
        configuration.epochs = epochs
        (configuration.identitiesPerBatch, configuration.imagesPerIdentity) = try parsedBatch()
        configuration.learningRate = lr
        configuration.weightDecay = weightDecay
        configuration.warmupEpochs = warmupEpochs
        configuration.seed = seed
        configuration.augment = !noAugment
        configuration.maximumZoom = zoom
        configuration.mirrorAverage = mirrorAverage

        let spec = try parsedInput()
        let design = Architecture.presets[architecture]!(spec.width, spec.channels, embedding)
        let designed = Architecture(input: spec, layers: design.layers)

        var loading = ProgressBar(label: "loading ")
        func identities(_ path: String, prefix: String) throws -> [(name: String, files: [String])] {
            try LabelledFolder(path: path).identities.map { (prefix + $0.name, $0.files) }
        }
        var trainIdentities: [(name: String, files: [String])] = []
        for (index, directory) in directories.enumerated() {
            trainIdentities += try identities(directory, prefix: directories.count > 1 ? "\(index):" : "")
        }
        // An encoder of faces learns from the faces the pipeline will hand it.
        BuiltinPlugins.install(into: .shared)
        let detector = spec.faceMargin == nil ? nil : try PluginRegistry.shared.makeDetector(BuiltinPlugins.defaultDetector)
        var trainSet = try TrainingSet.load(identities: trainIdentities, input: spec, detector: detector) {
            loading.update($0, of: $1, note: "identities")
        }
        let validationSet: TrainingSet
        if let validationFolder {
            validationSet = try TrainingSet.load(identities: try identities(validationFolder, prefix: "validate:"), input: spec,
                                                 detector: detector)
        } else {
            (trainSet, validationSet) = trainSet.split(validationFraction: validationSplit, seed: seed)
        }

        let network: Network
        let trainer: Trainer
        // Training time accumulates across resumed runs (recorded in each checkpoint's header).
        var earlierSeconds = 0.0
        if resume {
            let saved = try Checkpoint.load(from: checkpointPath)
            guard saved.network.architecture == designed else {
                throw SimDBError(.invalidArgument, "\(checkpointPath): the checkpoint's architecture differs from the options given")
            }
            network = saved.network
            trainer = try Trainer(network: network, configuration: configuration, train: trainSet, validation: validationSet)
            try trainer.restore(completedEpochs: saved.completedEpochs, optimizerState: saved.optimizer)
            earlierSeconds = saved.header.training["seconds"].flatMap(Double.init) ?? 0
        } else {
            network = try designed.build(seed: seed)
            if let initialModel {
                let (start, _) = try ModelFile.read(from: initialModel)
                guard start.architecture.layers == designed.layers else {
                    throw SimDBError(.invalidArgument, "\(initialModel): its architecture differs from the options given")
                }
                try network.setState(start.state)
            }
            trainer = try Trainer(network: network, configuration: configuration, train: trainSet, validation: validationSet)
        }
        if !output.json {
            FileHandle.standardError.write(Data(("training on \(trainSet.identityNames.count) identities (\(trainSet.sources.count) images), "
                + "validating on \(validationSet.identityNames.count) (\(validationSet.sources.count) images); "
                + "\(trainer.batchesPerEpoch) batches of \(batch) per epoch\n").utf8))
        }
        var header = ModelHeader(encoder: encoderId, training: [
            "data": directories.joined(separator: " "), "loss": loss.rawValue, "margin": "\(configuration.margin)",
            "mining": mining, "batch": batch, "lr": "\(lr)", "seed": "\(seed)", "architecture": architecture,
            "zoom": "\(zoom)", "crop": "\(crop)", "augment": "\(!noAugment)",
        ])
        if let faceMargin { header.training["face_margin"] = "\(faceMargin)" }
        if let initialModel { header.training["init"] = initialModel }
        header.mirrorAverage = mirrorAverage ? true : nil
        var reports: [EpochReportView] = []
        let start = Date()
        while trainer.completedEpochs < epochs {
            var bar = ProgressBar(label: "epoch \(trainer.completedEpochs + 1)/\(epochs)")
            let report = trainer.runEpoch { done, total, loss in bar.update(done, of: total, note: String(format: "loss %.4f", loss)) }
            let view = EpochReportView(report)
            reports.append(view)
            if !output.json { FileHandle.standardError.write(Data((view.line + "\n").utf8)) }
            header.training["epochs"] = "\(trainer.completedEpochs)"
            header.training["seconds"] = String(format: "%.0f", earlierSeconds + Date().timeIntervalSince(start))
            try Checkpoint.save(trainer, header: header, to: checkpointPath)
        }
        // Calibrate on the validation identities: the squared-L2 value at 0.1 % false accepts,
        // and the one that best separates balanced pairs.
        if let verification = trainer.validationVerification() {
            // For unit vectors, cosine distance = d²/2 and inner product = 1 − d²/2.
            func byMetric(_ squaredL2: Float) -> [String: Float] {
                ["l2": squaredL2, "cosine": squaredL2 / 2, "ip": 1 - squaredL2 / 2]
            }
            header.thresholds = byMetric(verification.trueAcceptRate(atFalseAcceptRate: 1e-3).threshold)
            header.balancedThresholds = byMetric(verification.balancedBestThreshold.threshold)
            header.training["validation_eer"] = String(format: "%.4f", verification.equalErrorRate.rate)
        }
        header.training["epochs"] = "\(trainer.completedEpochs)"
        header.training["seconds"] = String(format: "%.0f", earlierSeconds + Date().timeIntervalSince(start))
        try ModelFile.write(network, header: header, to: out)
        if output.json {
            try JSONOutput.print(TrainReport(model: out, encoder: encoderId, epochs: reports, thresholds: header.thresholds,
                                             balancedThresholds: header.balancedThresholds))
        } else {
            print("wrote \(out) (\(encoderId)); l2 thresholds: default \(header.thresholds["l2"].map(Format.value) ?? "none"), "
                + "balanced \(header.balancedThresholds?["l2"].map(Format.value) ?? "none")")
        }
    }
}

/// One epoch in `simdb train`'s output.
struct EpochReportView: Encodable {
    let epoch: Int
    let loss: Float
    let activeFraction: Float
    let validationEER: Float?
    let collapsedBatches: Int
    let mining: String
    let seconds: Double
    let imagesPerSecond: Double

    init(_ report: EpochReport) {
        epoch = report.epoch
        loss = report.meanLoss
        activeFraction = report.activeFraction
        validationEER = report.validationEER
        collapsedBatches = report.collapsedBatches
        mining = report.mining
        seconds = report.seconds
        imagesPerSecond = report.imagesPerSecond
    }

    var line: String {
        var text = String(format: "epoch %d: loss %.4f, active %.2f, %@ mining, %.0f images/s", epoch, loss, activeFraction,
                          mining, imagesPerSecond)
        if let validationEER { text += String(format: ", validation EER %.2f %%", validationEER * 100) }
        if collapsedBatches > 0 { text += ", \(collapsedBatches) collapsed batches (switching hard mining to semi-hard)" }
        return text
    }

    enum CodingKeys: String, CodingKey {
        case epoch, loss, mining, seconds
        case activeFraction = "active_fraction", validationEER = "validation_eer"
        case collapsedBatches = "collapsed_batches", imagesPerSecond = "images_per_second"
    }
}

/// The JSON of `simdb train`.
struct TrainReport: Encodable {
    let model: String
    let encoder: String
    let epochs: [EpochReportView]
    let thresholds: [String: Float]
    let balancedThresholds: [String: Float]?

    enum CodingKeys: String, CodingKey {
        case model, encoder, epochs, thresholds
        case balancedThresholds = "balanced_thresholds"
    }
}

extension TrainingConfiguration.LossKind: ExpressibleByArgument {}
