import Testing

@testable import SimDBNN

/// Forward passes against naive reference implementations.
@Suite struct ForwardReferenceTests {
    /// Direct convolution: six nested loops, zero padding by bounds checks.
    static func naiveConv(_ x: Tensor, weight w: Tensor, bias b: Tensor, stride: Int, padding: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, k) = (w.shape[0], w.shape[2])
        let oh = (h + 2 * padding - k) / stride + 1, ow = (wd + 2 * padding - k) / stride + 1
        var y = Tensor(zeros: [n, o, oh, ow])
        for ni in 0..<n {
            for oi in 0..<o {
                for r in 0..<oh {
                    for s in 0..<ow {
                        var acc = b[oi]
                        for ci in 0..<c {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    let ih = r * stride - padding + ki, iw = s * stride - padding + kj
                                    if ih >= 0 && ih < h && iw >= 0 && iw < wd {
                                        acc += x[ni, ci, ih, iw] * w[oi, ci, ki, kj]
                                    }
                                }
                            }
                        }
                        y[ni, oi, r, s] = acc
                    }
                }
            }
        }
        return y
    }

    static func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape)
        var m: Float = 0
        for i in 0..<a.count { m = max(m, abs(a[flat: i] - b[flat: i])) }
        return m
    }

    @Test(arguments: [
        (3, 1, 0), (3, 2, 1), (5, 1, 2), (1, 1, 0), (2, 2, 0), (3, 3, 2),
    ])
    func conv2DMatchesDirectConvolution(kernel: Int, stride: Int, padding: Int) {
        var g = GaussianGenerator(seed: UInt64(kernel * 100 + stride * 10 + padding))
        let conv = Conv2D(inChannels: 3, outChannels: 5, kernelSize: kernel, stride: stride, padding: padding,
                          generator: &g)
        conv.bias.value = Fixtures.normal([5], seed: 1)
        let x = Fixtures.normal([2, 3, 9, 8], seed: 2)
        let y = conv.forward(x, training: false)
        let expected = Self.naiveConv(x, weight: conv.weight.value, bias: conv.bias.value, stride: stride, padding: padding)
        #expect(y.shape == expected.shape)
        #expect(Self.maxAbsDifference(y, expected) < 1e-4)
    }

    @Test func linearMatchesNaiveMatmul() {
        var g = GaussianGenerator(seed: 3)
        let fc = Linear(inFeatures: 13, outFeatures: 6, generator: &g)
        fc.bias.value = Fixtures.normal([6], seed: 4)
        let x = Fixtures.normal([5, 13], seed: 5)
        let y = fc.forward(x, training: false)
        #expect(y.shape == [5, 6])
        var expected = Tensor(zeros: [5, 6])
        for n in 0..<5 {
            for o in 0..<6 {
                var acc = fc.bias.value[o]
                for i in 0..<13 { acc += x[n, i] * fc.weight.value[o, i] }
                expected[n, o] = acc
            }
        }
        #expect(Self.maxAbsDifference(y, expected) < 1e-5)
    }

    @Test func maxPoolMatchesNaiveWindows() {
        let x = Fixtures.normal([2, 3, 7, 6], seed: 6)
        for (k, s) in [(2, 2), (3, 2), (2, 1)] {
            let y = MaxPool2D(kernelSize: k, stride: s).forward(x, training: false)
            let oh = (7 - k) / s + 1, ow = (6 - k) / s + 1
            #expect(y.shape == [2, 3, oh, ow])
            for n in 0..<2 {
                for c in 0..<3 {
                    for r in 0..<oh {
                        for q in 0..<ow {
                            var best = -Float.infinity
                            for i in 0..<k {
                                for j in 0..<k { best = max(best, x[n, c, r * s + i, q * s + j]) }
                            }
                            #expect(y[n, c, r, q] == best)
                        }
                    }
                }
            }
        }
    }

    @Test func reluAndL2NormalizeForward() {
        let x = Tensor(shape: [2, 3], scalars: [3, -4, 0, 0, 0, 0])
        #expect(ReLU().forward(x, training: false).scalars == [3, 0, 0, 0, 0, 0])
        let y = L2Normalize().forward(Tensor(shape: [2, 2], scalars: [3, 4, 0, 0]), training: false)
        #expect(abs(y[0, 0] - 0.6) < 1e-6 && abs(y[0, 1] - 0.8) < 1e-6)
        #expect(y[1, 0] == 0 && y[1, 1] == 0)  // finite at zero thanks to epsilon
    }

    @Test func tensorBasics() {
        var t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.count == 6 && t.rank == 2)
        #expect(t[1, 2] == 6)
        let r = t.reshaped([3, 2])
        #expect(r.shape == [3, 2] && r[2, 1] == 6)
        t[0, 0] = 10  // value semantics: the reshaped copy is unaffected
        #expect(r[0, 0] == 1 && t[0, 0] == 10)
        #expect(Tensor(zeros: [2, 0, 3]).count == 0)
    }
}
