import Testing
@testable import SimDBCore

/// A random vector from a seeded generator, so failures reproduce.
func randomVector(_ n: Int, _ rng: inout SplitMix64) -> [Float] {
    (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
}

/// Naive double-precision references.
func naiveDot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

func naiveL2(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
}

@Suite("Distance metrics")
struct MetricTests {
    // Lengths around the kernels' 8- and 16-lane boundaries, plus real embedding sizes.
    static let lengths = [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 128, 1024, 1031]

    @Test("SIMD kernels agree with a naive reference", arguments: lengths)
    func kernelsMatchReference(length: Int) {
        var rng = SplitMix64(seed: UInt64(length) + 1)
        for _ in 0..<20 {
            let a = randomVector(length, &rng), b = randomVector(length, &rng)
            let tolerance = 1e-5 * Double(max(1, length))
            #expect(abs(Double(SquaredL2Metric().distance(a, b)) - naiveL2(a, b)) <= tolerance)
            #expect(abs(Double(InnerProductMetric().distance(a, b)) - naiveDot(a, b)) <= tolerance)
            let norms = (naiveDot(a, a) * naiveDot(b, b)).squareRoot()
            let cosine = norms > 0 ? 1 - naiveDot(a, b) / norms : 1
            #expect(abs(Double(CosineMetric().distance(a, b)) - cosine) <= 1e-4)
        }
    }

    @Test("Batch kernels agree with the naive reference for every vector of a run",
          arguments: [1, 8, 13, 16, 128, 1024])
    func batchKernelsMatchReference(length: Int) {
        var rng = SplitMix64(seed: UInt64(length) + 77)
        let query = randomVector(length, &rng)
        for count in [1, 3, 4, 5, 11, 12, 13, 40] {
            let rows = (0..<count).map { _ in randomVector(length, &rng) }
            let flat = rows.flatMap { $0 }
            var l2 = [Float](repeating: -1, count: count), dot = [Float](repeating: -1, count: count)
            query.withUnsafeBufferPointer { q in
                flat.withUnsafeBufferPointer { base in
                    let start = base.baseAddress!
                    l2.withUnsafeMutableBufferPointer { SquaredL2Metric().distances(q, batch: start, count: count, into: $0.baseAddress!) }
                    dot.withUnsafeMutableBufferPointer { InnerProductMetric().distances(q, batch: start, count: count, into: $0.baseAddress!) }
                }
            }
            let tolerance = 1e-5 * Double(max(1, length))
            for (row, vector) in rows.enumerated() {
                #expect(abs(Double(l2[row]) - naiveL2(query, vector)) <= tolerance, "l2 row \(row) of \(count)")
                #expect(abs(Double(dot[row]) - naiveDot(query, vector)) <= tolerance, "ip row \(row) of \(count)")
            }
        }
    }

    @Test("Unaligned buffers give the same values")
    func unalignedBuffers() {
        var rng = SplitMix64(seed: 7)
        let a = randomVector(101, &rng), b = randomVector(101, &rng)
        let shifted = [0] + a
        let value = shifted.withUnsafeBufferPointer { s in
            b.withUnsafeBufferPointer { b in VectorKernels.squaredL2(UnsafeBufferPointer(rebasing: s[1...]), b) }
        }
        #expect(value == SquaredL2Metric().distance(a, b))
    }

    @Test("Known values and directions")
    func knownValues() {
        #expect(SquaredL2Metric().distance([1, 2, 3], [1, 2, 3]) == 0)
        #expect(SquaredL2Metric().distance([0, 0], [3, 4]) == 25)
        #expect(abs(CosineMetric().distance([1, 0], [0, 1]) - 1) < 1e-6)
        #expect(abs(CosineMetric().distance([1, 0], [-2, 0]) - 2) < 1e-6)
        #expect(CosineMetric().distance([0, 0], [1, 0]) == 1)
        #expect(InnerProductMetric().distance([1, 2], [3, 4]) == 11)
        #expect(SquaredL2Metric().direction == .smallerIsCloser)
        #expect(CosineMetric().direction == .smallerIsCloser)
        #expect(InnerProductMetric().direction == .largerIsCloser)
    }

    @Test("Directions decide closeness and acceptance")
    func directions() {
        let small = MetricDirection.smallerIsCloser, large = MetricDirection.largerIsCloser
        #expect(small.isCloser(0.1, than: 0.2))
        #expect(!small.isCloser(0.2, than: 0.1))
        #expect(large.isCloser(0.9, than: 0.2))
        #expect(small.accepts(0.3, threshold: 0.3))
        #expect(!small.accepts(0.31, threshold: 0.3))
        #expect(large.accepts(0.8, threshold: 0.7))
        #expect(!large.accepts(0.6, threshold: 0.7))
        #expect(small.isCloser(1e30, than: small.farthest))
        #expect(large.isCloser(-1e30, than: large.farthest))
    }
}
