import SimDBCore

/// One compared pair: its value under the metric and whether both sides show the same identity.
///
/// Values are oriented so that **smaller is closer** (negate similarities such as `ip` first, or
/// use ``init(value:direction:genuine:)``).
public struct ScoredPair: Sendable, Equatable {
    /// The oriented value: smaller means more alike.
    public var score: Float
    /// Whether the two sides show the same identity.
    public var genuine: Bool

    /// Creates a pair from an already oriented score.
    public init(score: Float, genuine: Bool) {
        self.score = score
        self.genuine = genuine
    }

    /// Creates a pair from a metric's value, oriented by the metric's direction.
    public init(value: Float, direction: MetricDirection, genuine: Bool) {
        self.init(score: direction == .smallerIsCloser ? value : -value, genuine: genuine)
    }
}

/// One operating point of a verification system.
public struct ROCPoint: Sendable, Equatable, Codable {
    /// Pairs with an oriented score at or below this are accepted.
    public var threshold: Float
    /// The fraction of impostor pairs accepted.
    public var falseAcceptRate: Float
    /// The fraction of genuine pairs accepted.
    public var trueAcceptRate: Float

    /// Creates an operating point.
    public init(threshold: Float, falseAcceptRate: Float, trueAcceptRate: Float) {
        self.threshold = threshold
        self.falseAcceptRate = falseAcceptRate
        self.trueAcceptRate = trueAcceptRate
    }
}

/// Verification figures from scored pairs: ROC, AUC, EER, TAR at a FAR, accuracy.
public struct Verification: Sendable {
    /// The operating points, from accepting nothing to accepting everything.
    public let roc: [ROCPoint]
    /// How many genuine pairs there are.
    public let genuineCount: Int
    /// How many impostor pairs there are.
    public let impostorCount: Int
    private let pairs: [ScoredPair]

    /// Computes the ROC of `pairs`.
    /// - Precondition: at least one genuine and one impostor pair.
    public init(_ pairs: [ScoredPair]) {
        self.pairs = pairs
        genuineCount = pairs.filter(\.genuine).count
        impostorCount = pairs.count - genuineCount
        precondition(genuineCount > 0 && impostorCount > 0, "verification needs genuine and impostor pairs")
        let sorted = pairs.sorted { $0.score < $1.score }
        var points = [ROCPoint(threshold: -.infinity, falseAcceptRate: 0, trueAcceptRate: 0)]
        var genuine = 0, impostor = 0, index = 0
        while index < sorted.count {
            let threshold = sorted[index].score
            while index < sorted.count, sorted[index].score == threshold {
                if sorted[index].genuine { genuine += 1 } else { impostor += 1 }
                index += 1
            }
            points.append(ROCPoint(threshold: threshold, falseAcceptRate: Float(impostor) / Float(impostorCount),
                                   trueAcceptRate: Float(genuine) / Float(genuineCount)))
        }
        roc = points
    }

    /// The area under the ROC curve (trapezoids): 1 is perfect, 0.5 is chance.
    public var areaUnderCurve: Float {
        var area: Double = 0
        for (a, b) in zip(roc, roc.dropFirst()) {
            area += Double(b.falseAcceptRate - a.falseAcceptRate) * Double(a.trueAcceptRate + b.trueAcceptRate) / 2
        }
        return Float(area)
    }

    /// The equal-error rate, where false accepts and false rejects balance, and its threshold.
    ///
    /// Taken at the operating point where `|FAR − FRR|` is smallest, as their mean.
    public var equalErrorRate: (rate: Float, threshold: Float) {
        var best = (gap: Float.infinity, rate: Float(1), threshold: Float(0))
        for point in roc.dropFirst() {
            let rejected = 1 - point.trueAcceptRate
            let gap = abs(point.falseAcceptRate - rejected)
            if gap < best.gap { best = (gap, (point.falseAcceptRate + rejected) / 2, point.threshold) }
        }
        return (best.rate, best.threshold)
    }

    /// The true-accept rate at the most accepting threshold whose false-accept rate is at most
    /// `falseAcceptRate`, and that threshold.
    public func trueAcceptRate(atFalseAcceptRate falseAcceptRate: Float) -> (rate: Float, threshold: Float) {
        let point = roc.last { $0.falseAcceptRate <= falseAcceptRate } ?? roc[0]
        return (point.trueAcceptRate, point.threshold)
    }

    /// The fraction of pairs decided correctly at `threshold` (accept when `score ≤ threshold`).
    public func accuracy(atThreshold threshold: Float) -> Float {
        Self.accuracy(pairs, threshold: threshold)
    }

    /// The threshold that decides the most pairs correctly, with that accuracy.
    public var bestThreshold: (threshold: Float, accuracy: Float) {
        Self.bestThreshold(pairs)
    }

    /// The threshold that decides the most pairs correctly when genuine and impostor pairs weigh
    /// the same (however many of each there are): the ROC point with the largest `TAR − FAR`,
    /// and the balanced accuracy there, `(TAR + 1 − FAR) / 2`.
    public var balancedBestThreshold: (threshold: Float, accuracy: Float) {
        var best = (margin: -Float.infinity, threshold: Float(0), accuracy: Float(0.5))
        for point in roc.dropFirst() where point.trueAcceptRate - point.falseAcceptRate > best.margin {
            best = (point.trueAcceptRate - point.falseAcceptRate, point.threshold,
                    (point.trueAcceptRate + 1 - point.falseAcceptRate) / 2)
        }
        return (best.threshold, best.accuracy)
    }

    /// `folds`-fold cross-validated accuracy: each fold is decided at the best threshold of the
    /// other folds. Pairs are dealt to folds round-robin after a seeded shuffle.
    /// - Returns: the mean and standard deviation over folds.
    public func crossValidatedAccuracy(folds: Int = 10, seed: UInt64 = 0) -> (mean: Float, deviation: Float) {
        var rng = SplitMix64(seed: seed)
        let shuffled = pairs.shuffled(using: &rng)
        let foldCount = max(2, min(folds, shuffled.count))
        var accuracies: [Float] = []
        for fold in 0..<foldCount {
            let test = shuffled.enumerated().filter { $0.offset % foldCount == fold }.map(\.element)
            let train = shuffled.enumerated().filter { $0.offset % foldCount != fold }.map(\.element)
            guard !test.isEmpty, !train.isEmpty else { continue }
            accuracies.append(Self.accuracy(test, threshold: Self.bestThreshold(train).threshold))
        }
        let mean = accuracies.reduce(0, +) / Float(max(accuracies.count, 1))
        let variance = accuracies.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(max(accuracies.count, 1))
        return (mean, variance.squareRoot())
    }

    static func accuracy(_ pairs: [ScoredPair], threshold: Float) -> Float {
        let correct = pairs.reduce(0) { $0 + (($1.score <= threshold) == $1.genuine ? 1 : 0) }
        return Float(correct) / Float(max(pairs.count, 1))
    }

    static func bestThreshold(_ pairs: [ScoredPair]) -> (threshold: Float, accuracy: Float) {
        let sorted = pairs.sorted { $0.score < $1.score }
        let impostors = sorted.filter { !$0.genuine }.count
        // Accepting nothing: every impostor is right.
        var correct = impostors
        var best = (threshold: (sorted.first?.score ?? 0) - 1, correct: correct)
        var index = 0
        while index < sorted.count {
            let threshold = sorted[index].score
            while index < sorted.count, sorted[index].score == threshold {
                correct += sorted[index].genuine ? 1 : -1
                index += 1
            }
            if correct > best.correct {
                // Halfway to the next score generalises better than the last accepted one.
                let next = index < sorted.count ? sorted[index].score : threshold
                best = ((threshold + next) / 2, correct)
            }
        }
        return (best.threshold, Float(best.correct) / Float(max(sorted.count, 1)))
    }
}
