import Foundation
import SimDBCore
import SimDBModel
import SimDBNN
import Testing
@testable import SimDBTraining

/// Synthetic identities: two blobs whose relative placement is the identity, the pair moved
/// at random in every picture, so where things are says little and how they relate says all —
/// something an untrained network does not see and a trained one must learn.
func blobSet(identities: Int, images: Int, side: Int, seed: UInt64) -> TrainingSet {
    let spec = ImageInputSpec(width: side, height: side, channels: 1)
    let size = TrainingSet.sourceSize(for: spec)
    var rng = SplitMix64(seed: seed)
    var sources: [Image] = [], labels: [Int] = []
    for identity in 0..<identities {
        let angle = Float(identity) / Float(identities) * 2 * .pi
        let offset = (x: 5 * cos(angle), y: 5 * sin(angle))
        for _ in 0..<images {
            let cx = Float(size.width) / 2 + Float.random(in: -3...3, using: &rng)
            let cy = Float(size.height) / 2 + Float.random(in: -3...3, using: &rng)
            let blobs = [(cx - offset.x / 2, cy - offset.y / 2), (cx + offset.x / 2, cy + offset.y / 2)]
            var pixels: [Float] = []
            for y in 0..<size.height {
                for x in 0..<size.width {
                    var value: Float = 0
                    for (bx, by) in blobs { value += exp(-((Float(x) - bx) * (Float(x) - bx) + (Float(y) - by) * (Float(y) - by)) / 4) }
                    pixels.append(min(1, value + Float.random(in: 0...0.1, using: &rng)))
                }
            }
            sources.append(Image(width: size.width, height: size.height, channels: 1, pixels: pixels))
            labels.append(identity)
        }
    }
    return TrainingSet(input: spec, sources: sources, labels: labels, identityNames: (0..<identities).map { "id\($0)" })
}

let tinyDesign = Architecture(
    input: ImageInputSpec(width: 16, height: 16, channels: 1),
    layers: [.conv(channels: 8, kernel: 3, stride: 1, padding: 1), .batchNorm, .relu, .maxPool(kernel: 2, stride: 2),
             .flatten, .linear(features: 32), .relu, .linear(features: 16), .l2Normalize])

@Suite("Trainer")
struct TrainerTests {
    @Test("Training separates identities in pictures it has not seen", arguments: TrainingConfiguration.LossKind.allCases)
    func learns(loss: TrainingConfiguration.LossKind) throws {
        // Fresh pictures (another seed) of the same identities: a learning check, not a
        // generalisation figure (those come from `simdb eval` on held-out people).
        let train = blobSet(identities: 12, images: 8, side: 16, seed: 3)
        let fresh = blobSet(identities: 12, images: 4, side: 16, seed: 4)
        var configuration = TrainingConfiguration()
        configuration.loss = loss
        configuration.margin = loss == .triplet ? 0.5 : 1
        configuration.epochs = 60
        configuration.augment = false  // a mirror image changes these identities
        configuration.identitiesPerBatch = 4
        configuration.imagesPerIdentity = 3
        configuration.learningRate = 3e-3
        let trainer = try Trainer(network: try tinyDesign.build(seed: 2), configuration: configuration,
                                  train: train, validation: fresh)
        let before = try #require(trainer.validationVerification()).equalErrorRate.rate
        var reports: [EpochReport] = []
        for _ in 0..<configuration.epochs { reports.append(trainer.runEpoch()) }
        let after = try #require(reports.last?.validationEER)
        print("trainer \(loss): validation EER \(before) → \(after), loss \(reports[0].meanLoss) → \(reports.last?.meanLoss ?? 0)")
        #expect(after < before * 0.6)
        #expect((reports.last?.meanLoss ?? 1) < reports[0].meanLoss)
        #expect(reports.allSatisfy { $0.collapsedBatches == 0 })
    }

    @Test("A checkpoint resumes with identical weights and optimiser state")
    func checkpoint() throws {
        let train = blobSet(identities: 8, images: 4, side: 16, seed: 5)
        var configuration = TrainingConfiguration()
        configuration.identitiesPerBatch = 4
        configuration.imagesPerIdentity = 2
        configuration.epochs = 3
        let trainer = try Trainer(network: try tinyDesign.build(seed: 1), configuration: configuration, train: train, validation: nil)
        _ = trainer.runEpoch()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Checkpoint.save(trainer, header: ModelHeader(encoder: "t/1"), to: directory)
        let saved = try Checkpoint.load(from: directory)
        #expect(saved.completedEpochs == 1)
        #expect(saved.network.state == trainer.network.state)
        #expect(saved.optimizer.step == trainer.optimizer.step)
        let resumed = try Trainer(network: saved.network, configuration: configuration, train: train, validation: nil)
        try resumed.restore(completedEpochs: saved.completedEpochs, optimizerState: saved.optimizer)
        // The next epoch from the checkpoint equals the next epoch of the original run.
        _ = trainer.runEpoch()
        _ = resumed.runEpoch()
        #expect(resumed.network.state == trainer.network.state)
        #expect(throws: SimDBError.self) { try Checkpoint.load(from: directory + "-absent") }
    }

    @Test("A collapsed start with hard mining is detected and gives way to semi-hard")
    func collapseAvoided() throws {
        let train = blobSet(identities: 8, images: 4, side: 16, seed: 7)
        var configuration = TrainingConfiguration()
        configuration.mining = "hard"
        configuration.warmupEpochs = 0
        configuration.identitiesPerBatch = 4
        configuration.imagesPerIdentity = 2
        let trainer = try Trainer(network: try tinyDesign.build(seed: 1), configuration: configuration, train: train, validation: nil)
        // Force a collapse: every weight of the last linear layer zero except its bias.
        for parameter in trainer.network.body.layers.compactMap({ $0 as? Linear }).last?.parameters ?? [] {
            parameter.value = Tensor(shape: parameter.value.shape, repeating: parameter.name == "bias" ? 0.3 : 0)
        }
        let report = trainer.runEpoch()
        #expect(report.collapsedBatches > 0)
        #expect(trainer.loss(epoch: 5).1 == "semi-hard")
    }
}
