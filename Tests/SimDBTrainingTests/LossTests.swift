import SimDBCore
import Testing
@testable import SimDBTraining

/// Random unit-length rows, P identities × K images, away from ties.
func batch(identities: Int, images: Int, dimension: Int, seed: UInt64) -> (embeddings: [Float], labels: [Int]) {
    var rng = SplitMix64(seed: seed)
    var embeddings: [Float] = []
    var labels: [Int] = []
    for identity in 0..<identities {
        let centre = (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) }
        for _ in 0..<images {
            var row = centre.map { $0 + Float.random(in: -1.2...1.2, using: &rng) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            row = row.map { $0 / norm }
            embeddings += row
            labels.append(identity)
        }
    }
    return (embeddings, labels)
}

/// Central differences of `loss` at `embeddings`, in Double for the reference.
func numericGradient(_ loss: some EmbeddingLoss, _ embeddings: [Float], _ labels: [Int], dimension: Int,
                     epsilon: Float = 1e-3) -> [Float] {
    (0..<embeddings.count).map { index in
        var plus = embeddings, minus = embeddings
        plus[index] += epsilon
        minus[index] -= epsilon
        let up = Double(loss.evaluate(embeddings: plus, labels: labels, dimension: dimension).loss)
        let down = Double(loss.evaluate(embeddings: minus, labels: labels, dimension: dimension).loss)
        return Float((up - down) / (2 * Double(epsilon)))
    }
}

/// Whether any triplet or pair sits within `gap` of a hinge, where finite differences straddle
/// a kink (or, for batch-all, a change in the number of active triplets).
func nearAHinge(_ embeddings: [Float], _ labels: [Int], dimension: Int, margin: Float, gap: Float = 0.02) -> Bool {
    let n = labels.count
    func d(_ i: Int, _ j: Int) -> Float {
        (0..<dimension).reduce(0) { $0 + (embeddings[i * dimension + $1] - embeddings[j * dimension + $1]) * (embeddings[i * dimension + $1] - embeddings[j * dimension + $1]) }
    }
    for a in 0..<n {
        for p in 0..<n where p != a && labels[p] == labels[a] {
            for m in 0..<n where labels[m] != labels[a] {
                if abs(d(a, p) - d(a, m) + margin) < gap { return true }
                if abs(d(a, m) - d(a, p)) < gap { return true }  // semi-hard selection boundary
            }
        }
        for m in 0..<n where labels[m] != labels[a] && abs(d(a, m).squareRoot() - margin) < gap { return true }
    }
    return false
}

func expectGradientsAgree(_ loss: some EmbeddingLoss, margin: Float, seeds: Int = 3,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    let dimension = 5
    var checked = 0, seed: UInt64 = 0
    while checked < seeds && seed < 500 {
        seed += 1
        let (embeddings, labels) = batch(identities: 3, images: 3, dimension: dimension, seed: seed)
        guard !nearAHinge(embeddings, labels, dimension: dimension, margin: margin) else { continue }
        let analytic = loss.evaluate(embeddings: embeddings, labels: labels, dimension: dimension)
        guard analytic.loss > 0 else { continue }
        checked += 1
        let numeric = numericGradient(loss, embeddings, labels, dimension: dimension)
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        let worst = zip(analytic.gradient, numeric).map { abs($0 - $1) }.max() ?? 0
        #expect(worst / scale < 2e-2, "seed \(seed): gradient differs by \(worst) (scale \(scale))",
                sourceLocation: sourceLocation)
    }
    #expect(checked == seeds, "found only \(checked) test batches away from the hinges", sourceLocation: sourceLocation)
}

@Suite("Metric-learning losses")
struct LossTests {
    @Test("Triplet gradients match finite differences", arguments: TripletLoss.Mining.allCases)
    func tripletGradients(mining: TripletLoss.Mining) {
        expectGradientsAgree(TripletLoss(margin: 0.5, mining: mining), margin: 0.5)
    }

    @Test("Contrastive gradients match finite differences")
    func contrastiveGradients() {
        expectGradientsAgree(ContrastiveLoss(margin: 1.5), margin: 1.5)
    }

    @Test("Triplet loss on a hand-made batch")
    func tripletByHand() {
        // One dimension: A = 0 and P = 0.1 (identity 0), N = 0.5 and M = 0.9 (identity 1).
        let embeddings: [Float] = [0, 0.1, 0.5, 0.9]
        let labels = [0, 0, 1, 1]
        // Hard mining, margin 0.2. Anchors: A (P at .01, N at .25 → 0), P (A .01, N .16 → .05),
        // N (M at .16, P at .16 → .2), M (N .16, P .64 → 0): mean over 4 anchors = .0625.
        let hard = TripletLoss(margin: 0.2, mining: .hard).evaluate(embeddings: embeddings, labels: labels, dimension: 1)
        #expect(abs(hard.loss - 0.0625) < 1e-6)
        #expect(hard.statistics.activeFraction == 0.5)
        // Batch-all averages over the non-zero triplets only: A:(P,N)=0,(P,M)=0; P:(A,N)=.05,(A,M)=0;
        // N:(M,A)=.11,(M,P)=.2; M:(N,A)=0,(N,P)=0 → (.05+.11+.2)/3.
        let all = TripletLoss(margin: 0.2, mining: .all).evaluate(embeddings: embeddings, labels: labels, dimension: 1)
        #expect(abs(all.loss - 0.12) < 1e-6)
        #expect(all.statistics.activeFraction == 0.375)
    }

    @Test("Contrastive loss on a hand-made batch")
    func contrastiveByHand() {
        // The one similar pair, at distance 0.5, costs ½·0.25; the five dissimilar pairs are averaged.
        let embeddings: [Float] = [0, 0.5, 0.8, 2.5]
        let labels = [0, 0, 1, 2]
        let result = ContrastiveLoss(margin: 1).evaluate(embeddings: embeddings, labels: labels, dimension: 1)
        // Dissimilar pairs: (0,.8)=.8→.02, (0,2.5)→0, (.5,.8)=.3→.245, (.5,2.5)→0, (.8,2.5)=1.7→0.
        let expected: Float = 0.125 + (0.02 + 0.245) / 5
        #expect(abs(result.loss - expected) < 1e-5)
    }

    @Test("A collapsed batch is detected and sits at the margin")
    func collapse() {
        let embeddings = [Float](repeating: 0.5, count: 6 * 4)
        let labels = [0, 0, 1, 1, 2, 2]
        let result = TripletLoss(margin: 0.2, mining: .hard).evaluate(embeddings: embeddings, labels: labels, dimension: 4)
        #expect(result.statistics.isCollapsed)
        #expect(abs(result.loss - 0.2) < 1e-6)
        let spread = batch(identities: 3, images: 2, dimension: 4, seed: 9)
        #expect(!TripletLoss().evaluate(embeddings: spread.embeddings, labels: spread.labels, dimension: 4)
            .statistics.isCollapsed)
    }

    @Test("Well-separated identities cost nothing")
    func separated() {
        let embeddings: [Float] = [0, 0, 0.01, 0, 5, 5, 5.01, 5]
        let labels = [0, 0, 1, 1]
        for mining in TripletLoss.Mining.allCases {
            let result = TripletLoss(margin: 0.2, mining: mining).evaluate(embeddings: embeddings, labels: labels, dimension: 2)
            #expect(result.loss == 0)
            #expect(result.gradient.allSatisfy { $0 == 0 })
        }
        #expect(abs(ContrastiveLoss(margin: 1).evaluate(embeddings: embeddings, labels: labels, dimension: 2).loss
            - 0.5 * 0.0001) < 1e-7)
    }
}
