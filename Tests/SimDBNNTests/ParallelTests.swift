import Testing

@testable import SimDBNN

/// The engine's own parallelism: worker selection, and the same results with one or two workers.
@Suite struct ParallelTests {
    @Test func workerCountFollowsTheScopeAndTheWorkSize() throws {
        #expect(Parallel.workers(for: 1_000, itemCost: 1_000_000) == NNThreads.current)
        try NNThreads.withThreads(2) {
            #expect(NNThreads.current == 2)
            #expect(Parallel.workers(for: 50, itemCost: 1_000_000) == 2)
            #expect(Parallel.workers(for: 1, itemCost: 1_000_000) == 1)
            #expect(Parallel.workers(for: 4, itemCost: 10) == 1)  // too little work to fork
        }
        #expect(throws: (any Error).self) { try NNThreads.withThreads(0) { () } }
    }

    @Test func chunksCoverTheRangeExactlyOnce() throws {
        for count in [1, 2, 3, 7, 50] {
            var hits = [Int](repeating: 0, count: count)
            hits.withUnsafeMutableBufferPointer { h in
                guard let base = h.baseAddress else { return }
                Parallel.forEachChunk(count, workers: 2) { range, _ in
                    for i in range { base[i] += 1 }
                }
            }
            #expect(hits == [Int](repeating: 1, count: count))
        }
    }

    func network() -> Sequential {
        var g = GaussianGenerator(seed: 77)
        return Sequential([
            Conv2D(inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2, generator: &g),
            BatchNorm(channels: 6), ReLU(), MaxPool2D(kernelSize: 2),
            Conv2D(inChannels: 6, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, generator: &g),
            ReLU(), Flatten(),
            Linear(inFeatures: 8 * 5 * 5, outFeatures: 12, generator: &g), BatchNorm(channels: 12), ReLU(),
            Linear(inFeatures: 12, outFeatures: 6, generator: &g), L2Normalize(),
        ])
    }

    @Test func oneAndTwoWorkersAgree() throws {
        let input = Fixtures.normal([5, 1, 20, 20], seed: 78)
        let dy = Fixtures.normal([5, 6], seed: 79)
        func run(workers: Int) throws -> (Tensor, Tensor, [Tensor], Tensor) {
            let net = network()
            return try withWorkers(workers) {
                let y = net.forward(input, training: true)
                let dx = net.backward(dy)
                let inference = net.forward(input, training: false)
                return (y, dx, net.parameters.map(\.gradient), inference)
            }
        }
        let (y1, dx1, g1, i1) = try run(workers: 1)
        let (y2, dx2, g2, i2) = try run(workers: 2)
        #expect(GradientCheck.relativeError(y1.scalars, y2.scalars) < 1e-6)
        #expect(GradientCheck.relativeError(i1.scalars, i2.scalars) < 1e-6)
        #expect(GradientCheck.relativeError(dx1.scalars, dx2.scalars) < 1e-5)
        #expect(g1.count == 12 && g2.count == 12)
        for (a, b) in zip(g1, g2) {
            // Absolute floor: biases feeding batch normalisation have (rounding-noise) zero gradients.
            let difference = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
            let scale = a.scalars.map { abs($0) }.max() ?? 0
            #expect(difference <= 1e-5 * scale + 1e-5, "\(difference) vs \(scale)")
        }
    }

    /// Rows wide enough for the SIMD 2×2 path (four outputs per step) plus a scalar tail.
    @Test(arguments: [1, 2]) func wideMaxPoolMatchesNaiveAndChecksGradients(workers: Int) throws {
        try withWorkers(workers) {
            let x = Fixtures.distinct([2, 3, 6, 19], seed: 80)
            let pool = MaxPool2D(kernelSize: 2)
            let y = pool.forward(x, training: true)
            #expect(y.shape == [2, 3, 3, 9])
            for n in 0..<2 {
                for c in 0..<3 {
                    for r in 0..<3 {
                        for q in 0..<9 {
                            let best = max(max(x[n, c, 2 * r, 2 * q], x[n, c, 2 * r, 2 * q + 1]),
                                           max(x[n, c, 2 * r + 1, 2 * q], x[n, c, 2 * r + 1, 2 * q + 1]))
                            #expect(y[n, c, r, q] == best)
                        }
                    }
                }
            }
            #expect(pool.forward(x, training: false) == y)
            let errors = GradientCheck.relativeErrors(layer: pool, input: x, maxChecksPerTensor: 684)
            #expect(errors["input"].map { $0 < 1e-2 } == true, "\(errors)")
        }
    }
}
