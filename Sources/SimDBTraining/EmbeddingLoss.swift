/// The value and gradient of a metric-learning loss over one batch of embeddings.
public struct LossResult: Sendable {
    /// The loss, averaged as the loss defines.
    public var loss: Float
    /// `∂loss/∂embedding`, `count × dimension` row-major, the same layout as the embeddings.
    public var gradient: [Float]
    /// What the batch looked like, for progress bars and collapse detection.
    public var statistics: BatchStatistics
}

/// Distances inside a batch, reported with every loss.
public struct BatchStatistics: Sendable, Equatable {
    /// Mean squared L2 distance between embeddings of the same identity.
    public var meanPositiveDistance: Float
    /// Mean squared L2 distance between embeddings of different identities.
    public var meanNegativeDistance: Float
    /// The fraction of the loss's terms (triplets or pairs) that contribute (are non-zero).
    public var activeFraction: Float

    /// Whether every embedding has collapsed onto one point: distances of both kinds near zero.
    ///
    /// Batch-hard triplet mining from a random start can drive a network here; the loss then sits
    /// at the margin and no gradient separates anything. Trainers check this every step.
    public var isCollapsed: Bool {
        meanPositiveDistance < 1e-4 && meanNegativeDistance < 1e-4
    }
}

/// A metric-learning loss over a labelled batch of embeddings.
public protocol EmbeddingLoss: Sendable {
    /// The loss and its gradient for `count` embeddings of `dimension` values with identity labels.
    /// - Parameters:
    ///   - embeddings: `count × dimension`, row-major.
    ///   - labels: one identity label per embedding.
    ///   - dimension: the embedding dimension.
    func evaluate(embeddings: [Float], labels: [Int], dimension: Int) -> LossResult
}

/// Squared L2 distances between every pair of rows: the matrix every loss starts from.
struct PairwiseDistances {
    let count: Int
    var values: [Float]

    init(_ embeddings: [Float], count: Int, dimension: Int) {
        self.count = count
        values = [Float](repeating: 0, count: count * count)
        embeddings.withUnsafeBufferPointer { rows in
            for i in 0..<count {
                let a = UnsafeBufferPointer(rebasing: rows[i * dimension ..< (i + 1) * dimension])
                for j in (i + 1)..<max(i + 1, count) {
                    let b = UnsafeBufferPointer(rebasing: rows[j * dimension ..< (j + 1) * dimension])
                    var sum: Float = 0
                    for k in 0..<dimension {
                        let d = a[k] - b[k]
                        sum += d * d
                    }
                    values[i * count + j] = sum
                    values[j * count + i] = sum
                }
            }
        }
    }

    subscript(i: Int, j: Int) -> Float { values[i * count + j] }

    /// Mean distance over same-label and different-label pairs.
    func means(labels: [Int]) -> (positive: Float, negative: Float) {
        var positive: Float = 0, negative: Float = 0, positives = 0, negatives = 0
        for i in 0..<count {
            for j in (i + 1)..<max(i + 1, count) {
                if labels[i] == labels[j] { positive += self[i, j]; positives += 1 } else { negative += self[i, j]; negatives += 1 }
            }
        }
        return (positives > 0 ? positive / Float(positives) : 0, negatives > 0 ? negative / Float(negatives) : 0)
    }
}

/// Adds `scale · ∂‖xᵢ − xⱼ‖²/∂x` to the gradient rows `i` and `j`: `±2 scale (xᵢ − xⱼ)`.
@inline(__always)
func accumulateDistanceGradient(_ gradient: inout [Float], _ embeddings: [Float], _ i: Int, _ j: Int,
                                dimension: Int, scale: Float) {
    let bi = i * dimension, bj = j * dimension
    for k in 0..<dimension {
        let g = 2 * scale * (embeddings[bi + k] - embeddings[bj + k])
        gradient[bi + k] += g
        gradient[bj + k] -= g
    }
}
