import SimDBCore
import Testing

@testable import SimDBNN

/// A tiny end-to-end check: a small CNN learns to embed two synthetic classes onto two points of
/// the unit sphere.
@Suite struct LearningTests {
    /// 8×8 grey images: class 0 has horizontal stripes, class 1 vertical ones, both at a random
    /// phase and under Gaussian noise.
    static func batch(size: Int, generator: inout GaussianGenerator) -> (images: Tensor, labels: [Int]) {
        var images = Tensor(zeros: [size, 1, 8, 8])
        var labels: [Int] = []
        for n in 0..<size {
            let label = Int(generator.uniformSource.next() % 2)
            let phase = Int(generator.uniformSource.next() % 2)
            labels.append(label)
            for r in 0..<8 {
                for c in 0..<8 {
                    let line = label == 0 ? r : c
                    let stripe: Float = (line + phase) % 2 == 0 ? 1 : -1
                    images[n, 0, r, c] = stripe + 0.3 * generator.next()
                }
            }
        }
        return (images, labels)
    }

    /// Mean squared distance to the class targets `e₀` / `e₁`, and its gradient.
    static func loss(_ embeddings: Tensor, labels: [Int]) -> (Float, Tensor) {
        let n = embeddings.shape[0], d = embeddings.shape[1]
        var gradient = Tensor(zeros: embeddings.shape)
        var total: Float = 0
        for i in 0..<n {
            for j in 0..<d {
                let diff = embeddings[i, j] - (j == labels[i] ? 1 : 0)
                total += diff * diff
                gradient[i, j] = 2 * diff / Float(n)
            }
        }
        return (total / Float(n), gradient)
    }

    @Test func smallNetworkLearnsTwoClasses() {
        var g = GaussianGenerator(seed: 2024)
        let first = Conv2D(inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, generator: &g)
        first.computesInputGradient = false
        let net = Sequential([
            first, BatchNorm(channels: 4), ReLU(), MaxPool2D(kernelSize: 2), Flatten(),
            Linear(inFeatures: 64, outFeatures: 16, generator: &g), BatchNorm(channels: 16), ReLU(),
            Dropout(rate: 0.1, seed: 5),
            Linear(inFeatures: 16, outFeatures: 4, generator: &g), L2Normalize(),
        ])
        let steps = 300
        let adam = Adam(parameters: net.parameters,
                        schedule: .warmupCosine(peak: 1e-2, warmupSteps: 20, totalSteps: steps, floor: 1e-4),
                        weightDecay: 1e-4)
        var data = GaussianGenerator(seed: 99)
        let (testImages, testLabels) = Self.batch(size: 64, generator: &data)
        let initialLoss = Self.loss(net.forward(testImages, training: false), labels: testLabels).0
        var recent: [Float] = []
        for _ in 0..<steps {
            let (images, labels) = Self.batch(size: 16, generator: &data)
            net.zeroGradients()
            let (loss, gradient) = Self.loss(net.forward(images, training: true), labels: labels)
            _ = net.backward(gradient)
            adam.update()
            recent.append(loss)
        }
        let lastTraining = recent.suffix(20).reduce(0, +) / 20
        let finalLoss = Self.loss(net.forward(testImages, training: false), labels: testLabels).0
        #expect(initialLoss > 0.5, "initial loss \(initialLoss)")
        #expect(lastTraining < 0.05, "training loss \(lastTraining)")
        #expect(finalLoss < 0.02, "held-out loss \(finalLoss)")
    }
}
