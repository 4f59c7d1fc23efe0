/// Contrastive loss (Hadsell, Chopra & LeCun 2006) over every pair in a batch.
///
/// With `d` the Euclidean distance between two embeddings, a similar pair costs `½ d²` (pulled
/// together) and a dissimilar pair `½ max(0, m − d)²` (pushed apart until the margin `m`). A P×K
/// batch has far more dissimilar pairs than similar ones, so the two kinds are averaged separately
/// and added: each kind weighs the same whatever the batch shape.
public struct ContrastiveLoss: EmbeddingLoss {
    /// The margin `m`, in Euclidean-distance units (1 is usual for unit-length embeddings).
    public var margin: Float

    /// Creates the loss.
    public init(margin: Float = 1) {
        self.margin = margin
    }

    public func evaluate(embeddings: [Float], labels: [Int], dimension: Int) -> LossResult {
        let count = labels.count
        precondition(embeddings.count == count * dimension, "embeddings do not match labels × dimension")
        let distances = PairwiseDistances(embeddings, count: count, dimension: dimension)
        var positives = 0, negatives = 0
        for i in 0..<count {
            for j in (i + 1)..<max(i + 1, count) {
                if labels[i] == labels[j] { positives += 1 } else { negatives += 1 }
            }
        }
        var gradient = [Float](repeating: 0, count: embeddings.count)
        var positiveLoss: Float = 0, negativeLoss: Float = 0, active = 0
        for i in 0..<count {
            for j in (i + 1)..<max(i + 1, count) {
                let squared = distances[i, j]
                if labels[i] == labels[j] {
                    // ½ d² = ½ D, so ∂/∂D = ½.
                    positiveLoss += squared / 2
                    if squared > 0 { active += 1 }
                    accumulateDistanceGradient(&gradient, embeddings, i, j, dimension: dimension,
                                               scale: 0.5 / Float(positives))
                } else {
                    let distance = squared.squareRoot()
                    guard distance < margin else { continue }
                    let gap = margin - distance
                    negativeLoss += gap * gap / 2
                    active += 1
                    // ∂(½ (m − √D)²)/∂D = −(m − d) / (2d); at d = 0 the direction is undefined.
                    guard distance > 1e-12 else { continue }
                    accumulateDistanceGradient(&gradient, embeddings, i, j, dimension: dimension,
                                               scale: -gap / (2 * distance) / Float(negatives))
                }
            }
        }
        let loss = (positives > 0 ? positiveLoss / Float(positives) : 0)
            + (negatives > 0 ? negativeLoss / Float(negatives) : 0)
        let means = distances.means(labels: labels)
        return LossResult(
            loss: loss, gradient: gradient,
            statistics: BatchStatistics(meanPositiveDistance: means.positive, meanNegativeDistance: means.negative,
                                        activeFraction: positives + negatives > 0 ? Float(active) / Float(positives + negatives) : 0))
    }
}
