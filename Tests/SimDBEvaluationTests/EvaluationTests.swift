import SimDBCore
import Testing
@testable import SimDBEvaluation

@Suite("Evaluation figures")
struct EvaluationTests {
    func pairs(genuine: [Float], impostor: [Float]) -> [ScoredPair] {
        genuine.map { ScoredPair(score: $0, genuine: true) } + impostor.map { ScoredPair(score: $0, genuine: false) }
    }

    @Test("Perfectly separated scores: AUC 1, EER 0, accuracy 1")
    func perfect() {
        let result = Verification(pairs(genuine: [0.1, 0.2, 0.3], impostor: [0.8, 0.9, 1.0]))
        #expect(result.areaUnderCurve == 1)
        #expect(result.equalErrorRate.rate == 0)
        #expect(result.bestThreshold.accuracy == 1)
        #expect(result.bestThreshold.threshold > 0.3 && result.bestThreshold.threshold < 0.8)
        #expect(result.trueAcceptRate(atFalseAcceptRate: 0).rate == 1)
        #expect(result.crossValidatedAccuracy(folds: 3).mean == 1)
    }

    @Test("Reversed scores: AUC 0")
    func reversed() {
        let result = Verification(pairs(genuine: [0.8, 0.9], impostor: [0.1, 0.2]))
        #expect(result.areaUnderCurve == 0)
        #expect(result.equalErrorRate.rate == 1)
    }

    @Test("Overlapping scores by hand")
    func overlapping() {
        // Genuine 1, 2, 3, 6; impostor 4, 5, 7, 8.
        let result = Verification(pairs(genuine: [1, 2, 3, 6], impostor: [4, 5, 7, 8]))
        // Pairs ranked correctly: each genuine against each impostor: 4·4 = 16, of which 6 > 4 and 6 > 5
        // are wrong → AUC 14/16.
        #expect(abs(result.areaUnderCurve - 14.0 / 16) < 1e-6)
        // At threshold 3: FAR 0, FRR 1/4; at 5: FAR 2/4, FRR 1/4; at 6: FAR 2/4, FRR 0.
        #expect(result.trueAcceptRate(atFalseAcceptRate: 0.01) == (0.75, 3))
        #expect(result.accuracy(atThreshold: 3) == 7.0 / 8)
        #expect(result.bestThreshold.accuracy == 7.0 / 8)
        #expect(result.equalErrorRate.rate == 0.25)
        #expect(result.roc.first?.falseAcceptRate == 0 && result.roc.last?.trueAcceptRate == 1)
    }

    @Test("The balanced threshold weighs genuine and impostor pairs the same, however many of each")
    func balanced() {
        // 2 genuine pairs, 8 impostor pairs: accepting nothing is right 8 times in 10, but the
        // balanced best accepts both genuine pairs at the cost of one impostor.
        let result = Verification(pairs(genuine: [0.5, 0.7], impostor: [0.6, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5]))
        #expect(result.bestThreshold.accuracy == 0.9)
        #expect(result.balancedBestThreshold.threshold == 0.7)
        #expect(result.balancedBestThreshold.accuracy == Float(15) / 16)  // (TAR 1 + 1 − FAR ⅛) / 2
    }

    @Test("Similarities are oriented by the metric's direction")
    func orientation() {
        let pair = ScoredPair(value: 0.9, direction: .largerIsCloser, genuine: true)
        #expect(pair.score == -0.9)
        #expect(ScoredPair(value: 0.2, direction: .smallerIsCloser, genuine: false).score == 0.2)
    }

    @Test("Cross-validated accuracy chooses thresholds without the test fold")
    func crossValidation() {
        var rng = SplitMix64(seed: 1)
        let genuine = (0..<200).map { _ in Float.random(in: 0...0.6, using: &rng) }
        let impostor = (0..<200).map { _ in Float.random(in: 0.4...1, using: &rng) }
        let result = Verification(pairs(genuine: genuine, impostor: impostor))
        let (mean, deviation) = result.crossValidatedAccuracy(folds: 10, seed: 3)
        // Overlap is 0.4…0.6: a third of each range, half of it misclassified at best → ≈ 0.83.
        #expect(mean > 0.75 && mean <= result.bestThreshold.accuracy + 1e-6)
        #expect(deviation >= 0 && deviation < 0.15)
    }

    @Test("Pair sampling: all pairs under the cap, every genuine pair and a seeded sample above it")
    func pairSampling() {
        let labels = [0, 0, 0, 1, 1, 2]  // 3 + 1 genuine pairs, 15 − 4 = 11 impostor pairs
        let all = PairSampling.pairs(labels: labels, maximumImpostors: 11, seed: 1)
        #expect(all.count == 15)
        #expect(Set(all.map { "\($0.0),\($0.1)" }).count == 15)
        let sampled = PairSampling.pairs(labels: labels, maximumImpostors: 5, seed: 1)
        #expect(sampled.count == 9)
        #expect(sampled.prefix(4).allSatisfy { labels[$0.0] == labels[$0.1] })
        #expect(sampled.dropFirst(4).allSatisfy { labels[$0.0] != labels[$0.1] })
        #expect(PairSampling.pairs(labels: labels, maximumImpostors: 5, seed: 1).map { [$0.0, $0.1] } == sampled.map { [$0.0, $0.1] })
    }

    @Test("Rank-1 identification")
    func rankOne() {
        let gallery: [(label: String, vector: [Float])] = [("a", [0, 0]), ("b", [10, 0]), ("c", [0, 10])]
        let probes: [(label: String, vector: [Float])] = [("a", [1, 1]), ("b", [9, 1]), ("c", [6, 5])]
        #expect(Identification.rankOneAccuracy(gallery: gallery, probes: probes, metric: SquaredL2Metric()) == 2.0 / 3)
        #expect(Identification.rankOneAccuracy(gallery: gallery, probes: [], metric: SquaredL2Metric()) == 0)
    }
}
