import SimDBCore
import Testing

@testable import SimDBNN

/// Every layer's backward pass against central finite differences (Float arithmetic).
@Suite struct GradientTests {
    static let tolerance: Float = 1e-2

    func expectSmall(_ errors: [String: Float], expectedKeys: Int, tolerance: Float = tolerance,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(errors.count == expectedKeys, sourceLocation: sourceLocation)
        for (name, error) in errors.sorted(by: { $0.key < $1.key }) {
            #expect(error < tolerance, "\(name): relative error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [1, 2]) func conv2DStride1NoPadding(workers: Int) throws {
        try withWorkers(workers) {
            var g = GaussianGenerator(seed: 1)
            let conv = Conv2D(inChannels: 2, outChannels: 3, kernelSize: 3, generator: &g)
            conv.bias.value = Fixtures.normal([3], seed: 11, std: 0.1)
            let errors = GradientCheck.relativeErrors(layer: conv, input: Fixtures.normal([2, 2, 6, 5], seed: 2))
            expectSmall(errors, expectedKeys: 3)
        }
    }

    @Test(arguments: [1, 2]) func conv2DStride2Padding1(workers: Int) throws {
        try withWorkers(workers) {
            var g = GaussianGenerator(seed: 3)
            let conv = Conv2D(inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, generator: &g)
            let input = Fixtures.normal([2, 3, 7, 6], seed: 4)
            #expect(conv.outputShape(for: input.shape) == [2, 4, 4, 3])
            let errors = GradientCheck.relativeErrors(layer: conv, input: input, maxChecksPerTensor: 300)
            expectSmall(errors, expectedKeys: 3)
        }
    }

    @Test(arguments: [1, 2]) func conv2DFiveByFivePadding2(workers: Int) throws {
        try withWorkers(workers) {
            var g = GaussianGenerator(seed: 5)
            let conv = Conv2D(inChannels: 2, outChannels: 2, kernelSize: 5, padding: 2, generator: &g)
            let errors = GradientCheck.relativeErrors(layer: conv, input: Fixtures.normal([2, 2, 6, 6], seed: 6))
            expectSmall(errors, expectedKeys: 3)
        }
    }

    @Test(arguments: [1, 2]) func conv2DPointwise(workers: Int) throws {
        try withWorkers(workers) {
            var g = GaussianGenerator(seed: 7)
            let conv = Conv2D(inChannels: 3, outChannels: 2, kernelSize: 1, generator: &g)
            let errors = GradientCheck.relativeErrors(layer: conv, input: Fixtures.normal([2, 3, 4, 4], seed: 8))
            expectSmall(errors, expectedKeys: 3)
        }
    }

    @Test(arguments: [1, 2]) func conv2DWithoutInputGradientKeepsParameterGradients(workers: Int) throws {
        try withWorkers(workers) {
            var g = GaussianGenerator(seed: 9)
            let conv = Conv2D(inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, generator: &g)
            let input = Fixtures.normal([2, 2, 5, 5], seed: 10)
            let dy = Fixtures.normal([2, 3, 5, 5], seed: 12)
            _ = conv.forward(input, training: true)
            let full = conv.backward(dy)
            let weightGradient = conv.weight.gradient, biasGradient = conv.bias.gradient
            conv.zeroGradients()
            conv.computesInputGradient = false
            _ = conv.forward(input, training: true)
            let skipped = conv.backward(dy)
            #expect(conv.weight.gradient == weightGradient)
            #expect(conv.bias.gradient == biasGradient)
            #expect(skipped == Tensor(zeros: input.shape))
            #expect(full != skipped)
        }
    }

    @Test(arguments: [1, 2]) func maxPoolNonOverlapping(workers: Int) throws {
        try withWorkers(workers) {
            let pool = MaxPool2D(kernelSize: 2)
            let errors = GradientCheck.relativeErrors(layer: pool, input: Fixtures.distinct([2, 3, 6, 5], seed: 13),
                                                      maxChecksPerTensor: 200)
            expectSmall(errors, expectedKeys: 1)
        }
    }

    @Test(arguments: [1, 2]) func maxPoolOverlapping(workers: Int) throws {
        try withWorkers(workers) {
            let pool = MaxPool2D(kernelSize: 3, stride: 2)
            let errors = GradientCheck.relativeErrors(layer: pool, input: Fixtures.distinct([2, 2, 7, 7], seed: 14),
                                                      maxChecksPerTensor: 200)
            expectSmall(errors, expectedKeys: 1)
        }
    }

    @Test(arguments: [1, 2]) func relu(workers: Int) throws {
        try withWorkers(workers) {
            let errors = GradientCheck.relativeErrors(layer: ReLU(), input: Fixtures.awayFromZero([3, 2, 4, 4], seed: 15),
                                                      maxChecksPerTensor: 200)
            expectSmall(errors, expectedKeys: 1)
        }
    }

    @Test(arguments: [1, 2]) func batchNorm2DTraining(workers: Int) throws {
        try withWorkers(workers) {
            let bn = BatchNorm(channels: 3)
            bn.gamma.value = Tensor(shape: [3], scalars: [1.5, 0.7, -0.8])
            bn.beta.value = Tensor(shape: [3], scalars: [0.1, -0.2, 0.3])
            let errors = GradientCheck.relativeErrors(layer: bn, input: Fixtures.normal([4, 3, 3, 3], seed: 16),
                                                      epsilon: 1e-2, maxChecksPerTensor: 108)
            expectSmall(errors, expectedKeys: 3)
        }
    }

    @Test(arguments: [1, 2]) func batchNorm1DTraining(workers: Int) throws {
        try withWorkers(workers) {
            let bn = BatchNorm(channels: 5)
            bn.gamma.value = Fixtures.normal([5], seed: 17)
            bn.beta.value = Fixtures.normal([5], seed: 18)
            let errors = GradientCheck.relativeErrors(layer: bn, input: Fixtures.normal([6, 5], seed: 19))
            expectSmall(errors, expectedKeys: 3)
        }
    }

    @Test(arguments: [1, 2]) func linear(workers: Int) throws {
        try withWorkers(workers) {
            var g = GaussianGenerator(seed: 20)
            let fc = Linear(inFeatures: 7, outFeatures: 4, generator: &g)
            fc.bias.value = Fixtures.normal([4], seed: 21)
            let errors = GradientCheck.relativeErrors(layer: fc, input: Fixtures.normal([3, 7], seed: 22))
            expectSmall(errors, expectedKeys: 3)
        }
    }

    @Test(arguments: [1, 2]) func l2Normalize(workers: Int) throws {
        try withWorkers(workers) {
            let errors = GradientCheck.relativeErrors(layer: L2Normalize(), input: Fixtures.normal([4, 6], seed: 23),
                                                      epsilon: 1e-3)
            expectSmall(errors, expectedKeys: 1)
        }
    }

    @Test(arguments: [1, 2]) func flatten(workers: Int) throws {
        try withWorkers(workers) {
            let errors = GradientCheck.relativeErrors(layer: Flatten(), input: Fixtures.normal([2, 3, 2, 2], seed: 24))
            expectSmall(errors, expectedKeys: 1)
            #expect(Flatten().forward(Tensor(zeros: [2, 3, 2, 2]), training: false).shape == [2, 12])
        }
    }

    /// Dropout draws a new mask per forward, so finite differences apply to the map of one fixed
    /// mask: backward must be exactly that linear map (`∂x = m ⊙ ∂y`, with m read off y / x).
    @Test(arguments: [1, 2]) func dropoutBackwardMatchesItsMask(workers: Int) throws {
        try withWorkers(workers) {
            let dropout = Dropout(rate: 0.4, seed: 25)
            let x = Fixtures.awayFromZero([4, 50], seed: 26)
            let y = dropout.forward(x, training: true)
            let dy = Fixtures.normal([4, 50], seed: 27)
            let dx = dropout.backward(dy)
            var dropped = 0
            for i in 0..<x.count {
                let m = y[flat: i] / x[flat: i]
                #expect(abs(dx[flat: i] - m * dy[flat: i]) <= 1e-5 * max(1, abs(dx[flat: i])))
                if m == 0 { dropped += 1 }
            }
            #expect(dropped > 0 && dropped < x.count)
        }
    }

    @Test(arguments: [1, 2]) func wholeSmallNetwork(workers: Int) throws {
        try withWorkers(workers) {
            var g = GaussianGenerator(seed: 28)
            let bn = BatchNorm(channels: 4)
            bn.beta.value = Tensor(shape: [4], scalars: [0.2, -0.1, 0.3, 0.05])
            let net = Sequential([
                Conv2D(inChannels: 2, outChannels: 4, kernelSize: 3, padding: 1, generator: &g),
                bn,
                ReLU(),
                MaxPool2D(kernelSize: 2),
                Flatten(),
                Linear(inFeatures: 4 * 3 * 3, outFeatures: 5, generator: &g),
                L2Normalize(),
            ])
            var errors = GradientCheck.relativeErrors(layer: net, input: Fixtures.normal([3, 2, 6, 6], seed: 29),
                                                      epsilon: 1e-3, maxChecksPerTensor: 80)
            // Batch normalisation cancels any per-channel shift before it, so the convolution's bias
            // has an exactly zero gradient: finite differences see only rounding noise there.
            #expect(errors.removeValue(forKey: "1.bias") != nil)
            let convBiasGradient = net.parameters[1].gradient
            #expect(convBiasGradient.scalars.allSatisfy { abs($0) < 1e-4 }, "\(convBiasGradient.scalars)")
            expectSmall(errors, expectedKeys: 6, tolerance: 2e-2)
        }
    }
}
