/// Triplet loss, `L = max(0, d(A,P) − d(A,N) + α)` on squared L2 distances, with online mining
/// over a P×K batch (P identities × K images).
///
/// `d` is the squared Euclidean distance between (normally L2-normalised) embeddings, as in
/// FaceNet (Schroff, Kalenichenko & Philbin 2015). Which triplets count is the mining strategy.
public struct TripletLoss: EmbeddingLoss {
    /// How triplets are chosen inside a batch.
    public enum Mining: String, Sendable, CaseIterable {
        /// Every valid (anchor, positive, negative) triplet; the loss averages the non-zero ones.
        case all
        /// For each anchor, its farthest positive and closest negative (Hermans et al. 2017).
        /// Strong, but from a random start it can collapse every embedding to one point.
        case hard
        /// For each (anchor, positive) pair, the closest negative that is still farther than the
        /// positive; if none is, the farthest negative (FaceNet's semi-hard mining).
        case semiHard = "semi-hard"
    }

    /// The margin α.
    public var margin: Float
    /// The mining strategy.
    public var mining: Mining

    /// Creates the loss.
    /// - Parameters:
    ///   - margin: α, in squared-distance units (0.2 is usual for unit-length embeddings).
    ///   - mining: how triplets are chosen.
    public init(margin: Float = 0.2, mining: Mining = .semiHard) {
        self.margin = margin
        self.mining = mining
    }

    public func evaluate(embeddings: [Float], labels: [Int], dimension: Int) -> LossResult {
        let count = labels.count
        precondition(embeddings.count == count * dimension, "embeddings do not match labels × dimension")
        let distances = PairwiseDistances(embeddings, count: count, dimension: dimension)
        var triplets: [(anchor: Int, positive: Int, negative: Int)] = []
        var considered = 0
        for anchor in 0..<count {
            let positives = (0..<count).filter { $0 != anchor && labels[$0] == labels[anchor] }
            let negatives = (0..<count).filter { labels[$0] != labels[anchor] }
            guard !positives.isEmpty, !negatives.isEmpty else { continue }
            switch mining {
            case .all:
                for p in positives { for n in negatives { triplets.append((anchor, p, n)) } }
            case .hard:
                let p = positives.max { distances[anchor, $0] < distances[anchor, $1] } ?? positives[0]
                let n = negatives.min { distances[anchor, $0] < distances[anchor, $1] } ?? negatives[0]
                triplets.append((anchor, p, n))
            case .semiHard:
                for p in positives {
                    let dap = distances[anchor, p]
                    let farther = negatives.filter { distances[anchor, $0] > dap }
                    let n = farther.min { distances[anchor, $0] < distances[anchor, $1] }
                        ?? negatives.max { distances[anchor, $0] < distances[anchor, $1] } ?? negatives[0]
                    triplets.append((anchor, p, n))
                }
            }
        }
        considered = triplets.count
        var gradient = [Float](repeating: 0, count: embeddings.count)
        var total: Float = 0
        var active: [(Int, Int, Int)] = []
        for (a, p, n) in triplets {
            let value = distances[a, p] - distances[a, n] + margin
            if value > 0 {
                total += value
                active.append((a, p, n))
            }
        }
        // Batch-all averages over the triplets that still teach something; the others over all.
        let denominator = Float(mining == .all ? max(active.count, 1) : max(considered, 1))
        for (a, p, n) in active {
            accumulateDistanceGradient(&gradient, embeddings, a, p, dimension: dimension, scale: 1 / denominator)
            accumulateDistanceGradient(&gradient, embeddings, a, n, dimension: dimension, scale: -1 / denominator)
        }
        let means = distances.means(labels: labels)
        return LossResult(
            loss: total / denominator, gradient: gradient,
            statistics: BatchStatistics(meanPositiveDistance: means.positive, meanNegativeDistance: means.negative,
                                        activeFraction: considered > 0 ? Float(active.count) / Float(considered) : 0))
    }
}
