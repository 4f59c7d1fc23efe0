import SimDBCore
import Testing

@testable import SimDBNN

/// Training versus inference behaviour, seeded initialisation and thread control.
@Suite struct LayerBehaviourTests {
    @Test func batchNormTracksRunningStatisticsAndUsesThemAtInference() {
        let bn = BatchNorm(channels: 2, momentum: 0.25)
        bn.gamma.value = Tensor(shape: [2], scalars: [2, 0.5])
        bn.beta.value = Tensor(shape: [2], scalars: [1, -1])
        // Channel 0 holds 1...8 (mean 4.5, biased var 5.25); channel 1 holds 10, 20, …, 80.
        var x = Tensor(zeros: [2, 2, 2, 2])
        for n in 0..<2 {
            for i in 0..<4 {
                let v = Float(n * 4 + i + 1)
                x[n, 0, i / 2, i % 2] = v
                x[n, 1, i / 2, i % 2] = 10 * v
            }
        }
        let trainOut = bn.forward(x, training: true)
        // Training output: normalised with batch statistics, then γ·x̂ + β.
        let x0Hat = (1 - 4.5) / (5.25 + 1e-5 as Float).squareRoot()
        #expect(abs(trainOut[0, 0, 0, 0] - (2 * x0Hat + 1)) < 1e-4)

        let unbiased0: Float = 5.25 * 8 / 7, unbiased1: Float = 525 * 8 / 7
        let expectedMean: [Float] = [0.25 * 4.5, 0.25 * 45]
        let expectedVar: [Float] = [0.75 + 0.25 * unbiased0, 0.75 + 0.25 * unbiased1]
        for c in 0..<2 {
            #expect(abs(bn.runningMean[c] - expectedMean[c]) < 1e-4)
            #expect(abs(bn.runningVariance[c] - expectedVar[c]) < 1e-3 * expectedVar[c])
        }
        let probe = Fixtures.normal([3, 2, 2, 2], seed: 1)
        let inferOut = bn.forward(probe, training: false)
        for n in 0..<3 {
            for c in 0..<2 {
                for i in 0..<4 {
                    let v = probe[n, c, i / 2, i % 2]
                    let expected = bn.gamma.value[c] * (v - expectedMean[c]) / (expectedVar[c] + 1e-5).squareRoot()
                        + bn.beta.value[c]
                    #expect(abs(inferOut[n, c, i / 2, i % 2] - expected) < 1e-4)
                }
            }
        }
        // Inference leaves the running statistics alone.
        #expect(abs(bn.runningMean[0] - expectedMean[0]) < 1e-4)
    }

    @Test func batchNorm1DNormalisesEachFeatureOverTheBatch() {
        let bn = BatchNorm(channels: 3)
        let x = Fixtures.normal([16, 3], seed: 2, std: 4)
        let y = bn.forward(x, training: true)
        for c in 0..<3 {
            var mean: Float = 0, square: Float = 0
            for n in 0..<16 { mean += y[n, c]; square += y[n, c] * y[n, c] }
            #expect(abs(mean / 16) < 1e-5)
            #expect(abs(square / 16 - 1) < 1e-3)
        }
    }

    @Test func dropoutIsIdentityAtInferenceAndScalesInTraining() {
        let dropout = Dropout(rate: 0.25, seed: 3)
        let x = Fixtures.awayFromZero([40, 250], seed: 4)
        #expect(dropout.forward(x, training: false) == x)
        let y = dropout.forward(x, training: true)
        var dropped = 0
        for i in 0..<x.count {
            if y[flat: i] == 0 {
                dropped += 1
            } else {
                #expect(abs(y[flat: i] - x[flat: i] / 0.75) <= 1e-6 * abs(y[flat: i]))
            }
        }
        let fraction = Double(dropped) / Double(x.count)
        #expect(abs(fraction - 0.25) < 0.02, "dropped \(fraction)")
        // A fresh mask each step, and the same sequence from the same seed.
        let y2 = dropout.forward(x, training: true)
        #expect(y2 != y)
        let replay = Dropout(rate: 0.25, seed: 3)
        #expect(replay.forward(x, training: true) == y)
    }

    @Test func seededInitialisationIsBitReproducibleAndSeedDependent() {
        func build(seed: UInt64) -> [Tensor] {
            var g = GaussianGenerator(seed: seed)
            let net = Sequential([
                Conv2D(inChannels: 1, outChannels: 8, kernelSize: 5, padding: 2, generator: &g),
                Linear(inFeatures: 32, outFeatures: 16, generator: &g),
            ])
            return net.parameters.map(\.value)
        }
        let a = build(seed: 42), b = build(seed: 42), c = build(seed: 43)
        #expect(a.count == 4)
        for (x, y) in zip(a, b) {
            #expect(x.scalars.map(\.bitPattern) == y.scalars.map(\.bitPattern))
        }
        #expect(a[0] != c[0])
        #expect(a[2] != c[2])
    }

    @Test func heNormalHasTheRightScale() {
        var g = GaussianGenerator(seed: 5)
        let w = Initialization.heNormal(shape: [64, 800], fanIn: 800, generator: &g)
        var mean: Double = 0, square: Double = 0
        for v in w.scalars { mean += Double(v); square += Double(v) * Double(v) }
        mean /= Double(w.count)
        let std = (square / Double(w.count) - mean * mean).squareRoot()
        let expected = (2.0 / 800).squareRoot()
        #expect(abs(mean) < 0.05 * expected)
        #expect(abs(std / expected - 1) < 0.02)
    }

    @Test func threadCountIsSettableAndValidated() throws {
        #expect(throws: SimDBError.self) { try NNThreads.set(0) }
        do {
            try NNThreads.set(0)
        } catch let error as SimDBError {
            #expect(error.code == .invalidArgument)
        }
        try NNThreads.set(1)
        #expect(NNThreads.current == 1)
    }
}

@Suite("Gaussian generator")
struct GaussianGeneratorTests {
    @Test("zeros draws only zeros, so a layer built for loading starts at 0; seeded draws do not")
    func zeros() {
        var silent = GaussianGenerator.zeros
        #expect((0..<1000).allSatisfy { _ in silent.next() == 0 })
        let layer = Linear(inFeatures: 8, outFeatures: 4, generator: &silent)
        #expect(layer.parameters[0].value.scalars.allSatisfy { $0 == 0 })
        var seeded = GaussianGenerator(seed: 1)
        #expect((0..<10).contains { _ in seeded.next() != 0 })
    }
}
