import Foundation
import SimDBCore
import SimDBEvaluation

/// What `simdb eval` measures on a labelled folder: verification over pairs and n-shot
/// identification, for one encoder and metric.
public struct EvaluationReport: Sendable, Codable, Equatable {
    /// The encoder identifier.
    public var encoder: String
    /// The metric identifier.
    public var metric: String
    /// Identities and images in the folder.
    public var identities: Int
    public var images: Int
    /// Pairs compared.
    public var genuinePairs: Int
    public var impostorPairs: Int
    /// The decision threshold (in the metric's units) and where it came from: `given` (chosen by
    /// the caller on other data), `validation` (the encoder's balanced threshold from its
    /// validation identities) or `encoder` (its default decision threshold); `nil` if none.
    public var threshold: Float?
    public var thresholdSource: String?
    /// Pairs decided correctly at `threshold`.
    public var accuracy: Float?
    /// Ten-fold accuracy: each tenth decided at the best threshold of the other nine; its spread.
    public var tenFoldAccuracy: Float
    public var tenFoldDeviation: Float
    /// Area under the ROC curve.
    public var rocAUC: Float
    /// Equal-error rate and its threshold (metric units).
    public var eer: Float
    public var eerThreshold: Float
    /// True-accept rates at false-accept rates of 1e-2 and 1e-3.
    public var tarAtFAR1e2: Float
    public var tarAtFAR1e3: Float
    /// Identities per identification episode (N-way), or `nil` when every identity is enrolled at
    /// once.
    public var way: Int?
    /// Rank-1 identification with the first 1 (or 3) images of each identity enrolled, the rest
    /// probed (in N-way episodes when ``way`` is set, probes summed over the episodes); `nil` when
    /// no identity has enough images. Probe counts beside.
    public var rank1OneShot: Float?
    public var oneShotProbes: Int
    public var rank1ThreeShot: Float?
    public var threeShotProbes: Int

    enum CodingKeys: String, CodingKey {
        case encoder, metric, identities, images, threshold, accuracy, eer, way
        case genuinePairs = "genuine_pairs", impostorPairs = "impostor_pairs"
        case thresholdSource = "threshold_source"
        case tenFoldAccuracy = "ten_fold_accuracy", tenFoldDeviation = "ten_fold_deviation"
        case rocAUC = "roc_auc", eerThreshold = "eer_threshold"
        case tarAtFAR1e2 = "tar_at_far_1e-2", tarAtFAR1e3 = "tar_at_far_1e-3"
        case rank1OneShot = "rank1_1shot", oneShotProbes = "probes_1shot"
        case rank1ThreeShot = "rank1_3shot", threeShotProbes = "probes_3shot"
    }
}

/// A pair to compare, by identity name and 1-based image number (LFW's `pairs.txt` style).
public struct NamedPair: Sendable, Equatable {
    public var first: (identity: String, index: Int)
    public var second: (identity: String, index: Int)

    public static func == (a: NamedPair, b: NamedPair) -> Bool {
        a.first == b.first && a.second == b.second
    }

    /// Parses LFW-style pairs: `name i j` (genuine) or `name1 i name2 j` (impostor) per line; a
    /// first line of one or two numbers (LFW's fold header) is skipped.
    /// - Throws: ``SimDBError`` `.badImage` naming the file and line of a malformed line.
    public static func parse(_ text: String, name: String) throws -> [NamedPair] {
        var pairs: [NamedPair] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            if fields.isEmpty || (number == 0 && fields.count <= 2 && fields.allSatisfy { Int($0) != nil }) { continue }
            switch (fields.count, fields.count > 2 ? Int(fields[1]) : nil) {
            case (3, let i?) where Int(fields[2]) != nil:
                pairs.append(NamedPair(first: (fields[0], i), second: (fields[0], Int(fields[2]) ?? 0)))
            case (4, let i?) where Int(fields[3]) != nil:
                pairs.append(NamedPair(first: (fields[0], i), second: (fields[2], Int(fields[3]) ?? 0)))
            default:
                throw SimDBError(.badImage, "\(name):\(number + 1): expected 'name i j' or 'name1 i name2 j'")
            }
        }
        return pairs
    }
}

/// Runs the evaluation behind `simdb eval`.
public enum DatasetEvaluation {
    /// At most this many impostor pairs are compared when all pairs are used; beyond it a
    /// seeded sample of impostor pairs is drawn (genuine pairs are always all compared).
    public static let maximumImpostorPairs = 2_000_000

    /// Embeds every image of `folder` and measures verification and identification.
    /// - Parameters:
    ///   - folder: one sub-folder per identity, identities the encoder was not trained on.
    ///   - pipeline: the encoder (and decoding limits).
    ///   - metric: the comparison.
    ///   - pairs: pairs to compare; every genuine and impostor pair of the folder when `nil`.
    ///   - threshold: a threshold chosen on other data; when `nil`, the encoder's balanced
    ///     threshold, else its default decision threshold.
    ///   - way: identify within seeded episodes of this many identities (``identificationEpisodes``
    ///     of them) instead of among all identities at once.
    ///   - progress: called after each identity is embedded, with (done, total).
    /// - Returns: the report and the ROC points (thresholds in the metric's units).
    /// - Throws: ``SimDBError`` for unreadable images or pairs naming images that do not exist.
    public static func evaluate(folder: LabelledFolder, pipeline: EmbeddingPipeline, metric: any DistanceMetric,
                                pairs namedPairs: [NamedPair]? = nil, threshold: Float? = nil, way: Int? = nil,
                                progress: ((Int, Int) -> Void)? = nil) throws -> (report: EvaluationReport, roc: [ROCPoint]) {
        // Embed identity by identity: one batch each, bounded memory per call.
        var vectors: [[Float]] = [], labels: [Int] = [], index: [String: Int] = [:]
        for (number, identity) in folder.identities.enumerated() {
            let batch = try pipeline.embed(identity.files.map(ImageSource.file))
            for (row, file) in identity.files.enumerated() {
                index[file] = vectors.count
                vectors.append(batch.vector(at: row))
                labels.append(number)
            }
            progress?(number + 1, folder.identities.count)
        }
        let direction = metric.direction
        func score(_ a: Int, _ b: Int) -> ScoredPair {
            ScoredPair(value: metric.distance(vectors[a], vectors[b]), direction: direction, genuine: labels[a] == labels[b])
        }
        var scored: [ScoredPair] = []
        if let namedPairs {
            for pair in namedPairs {
                guard let a = folder.file(identity: pair.first.identity, index: pair.first.index).flatMap({ index[$0] }),
                      let b = folder.file(identity: pair.second.identity, index: pair.second.index).flatMap({ index[$0] }) else {
                    throw SimDBError(.notFound, "pair \(pair.first.identity) \(pair.first.index) / "
                        + "\(pair.second.identity) \(pair.second.index): no such image in \(folder.path)")
                }
                scored.append(score(a, b))
            }
        } else {
            scored = PairSampling.pairs(labels: labels, maximumImpostors: maximumImpostorPairs, seed: 7).map(score)
        }
        let verification = Verification(scored)
        let balanced = pipeline.encoder.balancedThreshold(for: metric.identifier)
        let used = threshold ?? balanced ?? pipeline.encoder.defaultThreshold(for: metric.identifier)
        let orient = { (value: Float) in direction == .smallerIsCloser ? value : -value }
        let crossValidated = verification.crossValidatedAccuracy(folds: 10, seed: 1)
        let eer = verification.equalErrorRate
        let oneShot = nShot(1, way: way, labels: labels, vectors: vectors, metric: metric)
        let threeShot = nShot(3, way: way, labels: labels, vectors: vectors, metric: metric)
        let report = EvaluationReport(
            encoder: pipeline.encoder.identifier, metric: metric.identifier,
            identities: folder.identities.count, images: vectors.count,
            genuinePairs: verification.genuineCount, impostorPairs: verification.impostorCount,
            threshold: used, thresholdSource: threshold != nil ? "given" : balanced != nil ? "validation" : used != nil ? "encoder" : nil,
            accuracy: used.map { verification.accuracy(atThreshold: orient($0)) },
            tenFoldAccuracy: crossValidated.mean, tenFoldDeviation: crossValidated.deviation,
            rocAUC: verification.areaUnderCurve, eer: eer.rate, eerThreshold: orient(eer.threshold),
            tarAtFAR1e2: verification.trueAcceptRate(atFalseAcceptRate: 1e-2).rate,
            tarAtFAR1e3: verification.trueAcceptRate(atFalseAcceptRate: 1e-3).rate,
            way: way,
            rank1OneShot: oneShot.accuracy, oneShotProbes: oneShot.probes,
            rank1ThreeShot: threeShot.accuracy, threeShotProbes: threeShot.probes)
        let roc = verification.roc.map {
            ROCPoint(threshold: orient($0.threshold), falseAcceptRate: $0.falseAcceptRate, trueAcceptRate: $0.trueAcceptRate)
        }
        return (report, roc)
    }

    /// Episodes drawn for N-way identification.
    public static let identificationEpisodes = 1_000

    /// Rank-1 accuracy with the first `shots` images of each identity enrolled (identities with
    /// more than `shots` images) and the rest of each identity's images probed: among all those
    /// identities at once, or within seeded episodes of `way` of them.
    static func nShot(_ shots: Int, way: Int?, labels: [Int], vectors: [[Float]],
                      metric: any DistanceMetric) -> (accuracy: Float?, probes: Int) {
        var gallery: [Int: [[Float]]] = [:], probes: [Int: [[Float]]] = [:]
        for (row, label) in labels.enumerated() {
            if gallery[label, default: []].count < shots { gallery[label, default: []].append(vectors[row]) }
            else { probes[label, default: []].append(vectors[row]) }
        }
        let enrollable = gallery.keys.filter { gallery[$0]?.count == shots }.sorted()
        let eligible = enrollable.filter { probes[$0] != nil }
        // All at once, identities with exactly `shots` images are enrolled as distractors.
        func accuracy(among identities: some Collection<Int>, distractors: [Int] = []) -> (correct: Int, probes: Int) {
            let enrolled = (Array(identities) + distractors).flatMap { label in gallery[label]!.map { (label: label, vector: $0) } }
            let probed = identities.flatMap { label in probes[label]!.map { (label: label, vector: $0) } }
            let rate = Identification.rankOneAccuracy(gallery: enrolled, probes: probed, metric: metric)
            return (Int((rate * Float(probed.count)).rounded()), probed.count)
        }
        var total = (correct: 0, probes: 0)
        if let way, way < eligible.count {
            var generator = SplitMix64(seed: 5)
            for _ in 0..<identificationEpisodes {
                let episode = accuracy(among: eligible.shuffled(using: &generator).prefix(way))
                total = (total.correct + episode.correct, total.probes + episode.probes)
            }
        } else {
            total = accuracy(among: eligible, distractors: enrollable.filter { probes[$0] == nil })
        }
        guard total.probes > 0 else { return (nil, 0) }
        return (Float(total.correct) / Float(total.probes), total.probes)
    }
}
